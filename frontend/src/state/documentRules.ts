// What the screens show about a document: urgency order, deadline state, what counts as open.
import type { DocumentSummary, Status, Urgency } from "../api/documents";
import { addDays } from "../format";

export const URGENCIES: Urgency[] = ["normal", "urgent", "very_urgent", "flash"];
const URGENCY_RANK: Record<Urgency, number> = { normal: 0, urgent: 1, very_urgent: 2, flash: 3 };

// A deadline this close (days) is shown as near.
export const SOON_DAYS = 2;

/** Statuses in which a deadline still runs: the document is not finished. */
const OPEN: ReadonlySet<Status> = new Set<Status>([
  "pending_registration",
  "registered",
  "awaiting_direction",
  "assigned",
  "in_progress",
  "draft",
  "in_review",
  "returned",
  "awaiting_signature",
]);

export type DeadlineState = "overdue" | "soon" | "ok";

export function isOpen(status: Status): boolean {
  return OPEN.has(status);
}

/** The handling deadline set by the leader, else the sender's due date. */
export function effectiveDeadline(doc: Pick<DocumentSummary, "deadline" | "due_date">): string | null {
  return doc.deadline ?? doc.due_date ?? null;
}

export function deadlineState(deadline: string | null, today: string, status?: Status): DeadlineState | null {
  if (!deadline || (status && !isOpen(status))) return null;
  if (deadline < today) return "overdue";
  if (deadline <= addDays(today, SOON_DAYS)) return "soon";
  return "ok";
}

export function isUrgent(urgency: Urgency): boolean {
  return URGENCY_RANK[urgency] > 0;
}

/** Most pressing first: higher urgency, then overdue, then the nearest deadline, then the newest. */
export function byPressure<T extends DocumentSummary>(items: readonly T[], today: string): T[] {
  const key = (doc: T) => {
    const deadline = effectiveDeadline(doc);
    return {
      urgency: URGENCY_RANK[doc.urgency] ?? 0,
      overdue: deadlineState(deadline, today, doc.status) === "overdue" ? 1 : 0,
      deadline: deadline ?? "9999-12-31",
    };
  };
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (
      kb.urgency - ka.urgency ||
      kb.overdue - ka.overdue ||
      ka.deadline.localeCompare(kb.deadline) ||
      b.created_at.localeCompare(a.created_at) ||
      b.id - a.id
    );
  });
}
