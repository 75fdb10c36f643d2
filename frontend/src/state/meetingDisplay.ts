// How the meeting screens lay out what the server sent: people by role, an opinion poll's totals.
// What the caller may do is not decided here: each meeting and poll carries its `allowed_actions`.
import type { OpinionPoll, ParticipantRole } from "../api/meetings";

/** Roles in the order a meeting page lists its people. */
export const ROLE_ORDER: ParticipantRole[] = ["chair", "secretary", "delegate", "guest"];

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
