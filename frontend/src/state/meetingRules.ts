// Which actions a meeting page shows to whom: the client's copy of meetings/policy.py and the state
// machine of meetings/operations.py (the server still decides; a refused action shows its message).
import type { Meeting, MeetingStatus, MeetingTransition, OpinionPoll, ParticipantRole } from "../api/meetings";
import type { Role } from "../api/types";

type Who = { id: number; roles: readonly Role[] };
type MeetingPeople = Pick<Meeting, "organiser_id" | "chair_id" | "secretary_id" | "status" | "participants">;

export const MEETING_STATUSES: MeetingStatus[] = ["draft", "invited", "in_progress", "closed", "cancelled"];
/** Roles in the order a meeting page lists its people. */
export const ROLE_ORDER: ParticipantRole[] = ["chair", "secretary", "delegate", "guest"];

const TRANSITIONS: Record<MeetingTransition, MeetingStatus[]> = {
  invite: ["draft"],
  start: ["invited"],
  close: ["in_progress"],
  cancel: ["draft", "invited"],
};
const EDITABLE: MeetingStatus[] = ["draft", "invited", "in_progress"];

/** Clerks, leaders and administrators organise meetings for their agency. */
export function mayOrganise(roles: readonly Role[]): boolean {
  return roles.some((role) => role === "clerk" || role === "leader" || role === "admin");
}

/** The organiser, the chair or the secretary: edit, invite, start, close, cancel, distribute documents. */
export function mayManage(user: Who, meeting: MeetingPeople): boolean {
  return [meeting.organiser_id, meeting.chair_id, meeting.secretary_id].includes(user.id);
}

export function roleOf(userId: number, meeting: MeetingPeople): ParticipantRole | null {
  return meeting.participants.find((p) => p.user_id === userId)?.role ?? null;
}

/** The steps of the state machine this user may take now, in the order the page shows them. */
export function transitionsFor(user: Who, meeting: MeetingPeople): MeetingTransition[] {
  if (!mayManage(user, meeting)) return [];
  return (["invite", "start", "close", "cancel"] as MeetingTransition[]).filter((action) =>
    TRANSITIONS[action].includes(meeting.status),
  );
}

export function mayEdit(user: Who, meeting: MeetingPeople): boolean {
  return mayManage(user, meeting) && EDITABLE.includes(meeting.status);
}

/** Uploading to the meeting (or one of its items): managers; an item's presenter to their item. */
export function mayUpload(user: Who, meeting: MeetingPeople, presenterId: number | null = null): boolean {
  if (!EDITABLE.includes(meeting.status)) return false;
  return mayManage(user, meeting) || (presenterId !== null && presenterId === user.id);
}

/** The live room is open to invitees once invitations are out, until the meeting closes. */
export function mayEnterRoom(user: Who, meeting: MeetingPeople): boolean {
  const invited = meeting.organiser_id === user.id || roleOf(user.id, meeting) !== null;
  return invited && (meeting.status === "invited" || meeting.status === "in_progress");
}

export function mayCreatePoll(user: Who, meeting: MeetingPeople): boolean {
  return mayManage(user, meeting) && meeting.status !== "closed" && meeting.status !== "cancelled";
}

/** The chair and the delegates answer a poll, once, before its deadline. */
export function mayAnswerPoll(user: Who, meeting: MeetingPeople, poll: OpinionPoll, now: Date = new Date()): boolean {
  const role = roleOf(user.id, meeting);
  return (role === "chair" || role === "delegate") && poll.my_answer === null && Date.parse(poll.deadline) > now.getTime();
}

export function pollIsOpen(poll: Pick<OpinionPoll, "deadline">, now: Date = new Date()): boolean {
  return Date.parse(poll.deadline) > now.getTime();
}

/** Participants by role (chair, secretary, delegates, guests), names in alphabetical order within a role. */
export function participantsByRole<P extends { role: ParticipantRole; full_name: string | null }>(
  participants: readonly P[],
): { role: ParticipantRole; people: P[] }[] {
  return ROLE_ORDER.map((role) => ({
    role,
    people: participants
      .filter((p) => p.role === role)
      .sort((a, b) => (a.full_name ?? "").localeCompare(b.full_name ?? "", "vi")),
  })).filter((group) => group.people.length > 0);
}

/** Share of each option among the answers, for the results bar (0 when nobody answered). */
export function pollShares(poll: Pick<OpinionPoll, "options" | "results" | "answered">): { option: string; count: number; percent: number }[] {
  return poll.options.map((option) => {
    const count = poll.results[option] ?? 0;
    return { option, count, percent: poll.answered ? Math.round((count / poll.answered) * 100) : 0 };
  });
}
