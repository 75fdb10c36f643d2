// The forms of meetings (meeting, agenda item, opinion poll): fields, the server's checks done first,
// the bodies sent, and the API's messages placed on the fields.
import type { AgendaItem, AgendaItemBody, InvitedRole, Meeting, MeetingBody, OpinionPollBody } from "../api/meetings";
import type { AutoDownload } from "../api/offline";
import { VIETNAM_OFFSET, vietnamDate, vietnamTime } from "./calendar";
import { collect, maxLength, required, serverErrors, textOrNull, type FieldErrors, type FieldMessage } from "./forms";

/** What a datetime-local input holds: a Vietnam wall-clock time without a zone. */
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;

/** "2026-12-01T08:00" (Vietnam time, as typed) → "2026-12-01T08:00:00+07:00". */
export function vietnamInstant(local: string): string {
  return `${local}:00${VIETNAM_OFFSET}`;
}

/** An instant → the value of a datetime-local input in Vietnam time. */
export function localInput(iso: string): string {
  return `${vietnamDate(iso)}T${vietnamTime(iso)}`;
}

function localDateTime(value: string): FieldMessage | null {
  if (!value) return { key: "form.required" };
  return LOCAL_DATETIME.test(value) ? null : { key: "form.dateTime" };
}

// Same-length "YYYY-MM-DDTHH:MM" strings of one zone compare like the instants they stand for.
function after(start: string, end: string): FieldMessage | null {
  return start && end && end <= start ? { key: "form.endsAfterStarts" } : null;
}

// ── The meeting ──────────────────────────────────────────────────────────────────────────────

export interface InvitedPerson {
  user_id: number;
  role: InvitedRole;
  full_name: string;
}

export interface MeetingFields {
  title: string;
  starts_at: string;
  ends_at: string;
  location: string;
  online_link: string;
  chair_id: number | null;
  secretary_id: number | null;
  quorum_percent: string;
  offline_download: AutoDownload;
  participants: InvitedPerson[];
}

export type MeetingField = Exclude<keyof MeetingFields, never>;
export const MEETING_FIELDS: MeetingField[] = [
  "title",
  "starts_at",
  "ends_at",
  "location",
  "online_link",
  "chair_id",
  "secretary_id",
  "quorum_percent",
  "offline_download",
  "participants",
];

export function emptyMeeting(): MeetingFields {
  return {
    title: "",
    starts_at: "",
    ends_at: "",
    location: "",
    online_link: "",
    chair_id: null,
    secretary_id: null,
    quorum_percent: "50",
    offline_download: "manual",
    participants: [],
  };
}

/** The form filled from a stored meeting, to change it. */
export function meetingFields(meeting: Meeting): MeetingFields {
  return {
    title: meeting.title,
    starts_at: localInput(meeting.starts_at),
    ends_at: localInput(meeting.ends_at),
    location: meeting.location,
    online_link: meeting.online_link ?? "",
    chair_id: meeting.chair_id,
    secretary_id: meeting.secretary_id,
    quorum_percent: String(meeting.quorum_percent),
    offline_download: meeting.offline_download ?? "manual",
    participants: meeting.participants
      .filter((p): p is typeof p & { role: InvitedRole } => p.role === "delegate" || p.role === "guest")
      .map((p) => ({ user_id: p.user_id, role: p.role, full_name: p.full_name ?? `#${p.user_id}` })),
  };
}

function link(value: string): FieldMessage | null {
  if (!value.trim()) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? null : { key: "form.url" };
  } catch {
    return { key: "form.url" };
  }
}

function quorum(value: string): FieldMessage | null {
  return /^\d{1,2}$/.test(value.trim()) ? null : { key: "form.quorum" };
}

/** The checks of MeetingCreateSchema and of the roles (one role per person), before anything is sent. */
export function validateMeeting(fields: MeetingFields): FieldErrors<MeetingField> {
  const taken = [fields.chair_id, fields.secretary_id];
  const ids = fields.participants.map((p) => p.user_id);
  const twice = fields.participants.find((p, index) => taken.includes(p.user_id) || ids.indexOf(p.user_id) !== index);
  return collect<MeetingField>({
    title: [required(fields.title), maxLength(fields.title, 300)],
    starts_at: [localDateTime(fields.starts_at)],
    ends_at: [localDateTime(fields.ends_at), after(fields.starts_at, fields.ends_at)],
    location: [maxLength(fields.location, 300)],
    online_link: [link(fields.online_link), maxLength(fields.online_link, 500)],
    chair_id: [fields.chair_id ? null : { key: "form.required" }],
    secretary_id: [
      fields.secretary_id !== null && fields.secretary_id === fields.chair_id ? { key: "form.secretaryIsChair" } : null,
    ],
    quorum_percent: [quorum(fields.quorum_percent)],
    offline_download: [],
    participants: [twice ? { key: "form.participantTwice", params: { name: twice.full_name } } : null],
  });
}

/** The body of POST /api/v1/meetings (and of PATCH, which takes the same fields). */
export function meetingBody(fields: MeetingFields): MeetingBody {
  return {
    title: fields.title.trim(),
    starts_at: vietnamInstant(fields.starts_at),
    ends_at: vietnamInstant(fields.ends_at),
    location: fields.location.trim(),
    online_link: textOrNull(fields.online_link),
    chair_id: fields.chair_id as number,
    secretary_id: fields.secretary_id,
    quorum_percent: Number(fields.quorum_percent.trim()),
    offline_download: fields.offline_download,
    participants: fields.participants.map(({ user_id, role }) => ({ user_id, role })),
  };
}

/**
 * The API's 422 on the form: "participants[1].user_id" and "participants.0.role" go to the
 * participants list; anything else the form has no field for goes on top of the form.
 */
export function meetingServerErrors(error: unknown): FieldErrors<MeetingField> {
  return serverErrors(error, MEETING_FIELDS);
}

/** Adds a person as delegate or guest, or changes the role of one already listed. */
export function withParticipant(list: InvitedPerson[], person: InvitedPerson): InvitedPerson[] {
  return list.some((p) => p.user_id === person.user_id)
    ? list.map((p) => (p.user_id === person.user_id ? { ...p, role: person.role } : p))
    : [...list, person];
}

/** A whole unit at once: its people not yet on the meeting, nor chairing or keeping the minutes, in one role. */
export function unitMembers<P extends { id: number; unit_id: number | null }>(
  people: P[],
  unitId: number,
  taken: Iterable<number | null>,
): P[] {
  const skip = new Set(taken);
  return people.filter((person) => person.unit_id === unitId && !skip.has(person.id));
}

/** The units the people offered belong to, by name, each once. */
export function unitsOf(people: { unit_id: number | null; unit_name: string | null }[]): { id: number; name: string }[] {
  const units = new Map<number, string>();
  for (const person of people) if (person.unit_id !== null) units.set(person.unit_id, person.unit_name ?? `#${person.unit_id}`);
  return [...units].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, "vi"));
}

// ── An agenda item ───────────────────────────────────────────────────────────────────────────

export interface AgendaFields {
  title: string;
  presenter_id: number | null;
  /** "HH:MM" on the meeting's day, Vietnam time; empty when not planned. */
  starts_at: string;
  ends_at: string;
  is_confidential: boolean;
  named_user_ids: number[];
}

export type AgendaField = keyof AgendaFields;
export const AGENDA_FIELDS: AgendaField[] = ["title", "presenter_id", "starts_at", "ends_at", "is_confidential", "named_user_ids"];

export function emptyAgendaItem(): AgendaFields {
  return { title: "", presenter_id: null, starts_at: "", ends_at: "", is_confidential: false, named_user_ids: [] };
}

/** The form filled from a stored item, to change it (its time slot in Vietnam time). */
export function agendaFields(item: AgendaItem): AgendaFields {
  return {
    title: item.title,
    presenter_id: item.presenter_id,
    starts_at: item.starts_at ? vietnamTime(item.starts_at) : "",
    ends_at: item.ends_at ? vietnamTime(item.ends_at) : "",
    is_confidential: item.is_confidential,
    named_user_ids: [...item.named_user_ids],
  };
}

/**
 * The position to send to move an item one place up (-1) or down (+1) among the items the user sees:
 * the neighbour's own position (the server renumbers around it; confidential items the user does not
 * see keep their places). Null at either end.
 */
export function neighbourPosition(items: readonly Pick<AgendaItem, "id" | "position">[], itemId: number, step: -1 | 1): number | null {
  const ordered = [...items].sort((a, b) => a.position - b.position);
  const index = ordered.findIndex((item) => item.id === itemId);
  const neighbour = index < 0 ? undefined : ordered[index + step];
  return neighbour ? neighbour.position : null;
}

function time(value: string): FieldMessage | null {
  return !value || TIME.test(value) ? null : { key: "form.time" };
}

export function validateAgendaItem(fields: AgendaFields): FieldErrors<AgendaField> {
  return collect<AgendaField>({
    title: [required(fields.title), maxLength(fields.title, 300)],
    presenter_id: [],
    starts_at: [time(fields.starts_at)],
    ends_at: [time(fields.ends_at), after(fields.starts_at, fields.ends_at)],
    is_confidential: [],
    named_user_ids: [
      fields.is_confidential && fields.named_user_ids.length === 0 && fields.presenter_id === null
        ? { key: "form.namedRequired" }
        : null,
    ],
  });
}

/** The body of POST …/agenda; the time slot is placed on the meeting's (Vietnam) day. */
export function agendaItemBody(fields: AgendaFields, meeting: Pick<Meeting, "starts_at">): AgendaItemBody {
  const day = vietnamDate(meeting.starts_at);
  const at = (value: string) => (value ? vietnamInstant(`${day}T${value}`) : null);
  return {
    title: fields.title.trim(),
    presenter_id: fields.presenter_id,
    starts_at: at(fields.starts_at),
    ends_at: at(fields.ends_at),
    is_confidential: fields.is_confidential,
    named_user_ids: fields.is_confidential ? fields.named_user_ids : [],
  };
}

export function agendaServerErrors(error: unknown): FieldErrors<AgendaField> {
  return serverErrors(error, AGENDA_FIELDS);
}

// ── A written opinion poll (phiếu lấy ý kiến) ─────────────────────────────────────────────────

export interface PollFields {
  question: string;
  /** One option a line. */
  options: string;
  deadline: string;
}

export type PollField = keyof PollFields;
export const POLL_FIELDS: PollField[] = ["question", "options", "deadline"];

export const DEFAULT_POLL_OPTIONS = ["Đồng ý", "Không đồng ý", "Ý kiến khác"];

export function emptyPoll(): PollFields {
  return { question: "", options: DEFAULT_POLL_OPTIONS.join("\n"), deadline: "" };
}

export function pollOptions(fields: PollFields): string[] {
  return fields.options
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

export function validatePoll(fields: PollFields, now: Date = new Date()): FieldErrors<PollField> {
  const options = pollOptions(fields);
  const optionsMessage: FieldMessage | null =
    options.length < 2 || options.length > 20
      ? { key: "form.pollOptions" }
      : options.some((o) => o.length > 100)
        ? { key: "form.tooLong", params: { max: 100 } }
        : new Set(options).size !== options.length
          ? { key: "form.pollOptionsDiffer" }
          : null;
  const deadlineFormat = localDateTime(fields.deadline);
  return collect<PollField>({
    question: [required(fields.question), maxLength(fields.question, 1000)],
    options: [optionsMessage],
    deadline: [
      deadlineFormat,
      !deadlineFormat && Date.parse(vietnamInstant(fields.deadline)) <= now.getTime() ? { key: "form.future" } : null,
    ],
  });
}

export function pollBody(fields: PollFields): OpinionPollBody {
  return { question: fields.question.trim(), options: pollOptions(fields), deadline: vietnamInstant(fields.deadline) };
}

export function pollServerErrors(error: unknown): FieldErrors<PollField> {
  return serverErrors(error, POLL_FIELDS);
}
