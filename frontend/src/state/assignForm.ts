// The leader's direction in one dialog: the primary handler (a person or a unit), co-handlers,
// informed people, a deadline and the direction text. Each person takes one part only.
import type { DocumentAssignment } from "../api/documents";
import { collect, isoDate, maxLength, textOrNull, type FieldErrors, type FieldMessage } from "./forms";

export type Part = "co_handler" | "informed";

export interface AssignDraft {
  primaryKind: "user" | "unit";
  primaryUserId: number | null;
  primaryUnitId: number | null;
  coHandlerIds: number[];
  informedIds: number[];
  deadline: string;
  directionText: string;
}

export type AssignField = "primary" | "co_handler_ids" | "informed_ids" | "deadline" | "direction_text";
export const ASSIGN_FIELDS: AssignField[] = ["primary", "co_handler_ids", "informed_ids", "deadline", "direction_text"];

export function emptyAssign(): AssignDraft {
  return {
    primaryKind: "user",
    primaryUserId: null,
    primaryUnitId: null,
    coHandlerIds: [],
    informedIds: [],
    deadline: "",
    directionText: "",
  };
}

/**
 * A re-assignment starts from the current one; a first one proposes the document's own due date (hạn giải
 * quyết written on it) as the deadline, unless that day has passed.
 */
export function fromAssignment(current: DocumentAssignment | null, dueDate: string | null = null, today = ""): AssignDraft {
  if (!current) return { ...emptyAssign(), deadline: dueDate && dueDate >= today ? dueDate : "" };
  const ids = (members: { user_id: number | null }[]) =>
    members.map((member) => member.user_id).filter((id): id is number => id !== null);
  return {
    primaryKind: current.primary.unit_id !== null ? "unit" : "user",
    primaryUserId: current.primary.user_id,
    primaryUnitId: current.primary.unit_id,
    coHandlerIds: ids(current.co_handlers),
    informedIds: ids(current.informed),
    deadline: current.deadline ?? "",
    directionText: current.direction_text ?? "",
  };
}

/** Choosing the primary handler takes them out of the other parts. */
export function setPrimaryUser(draft: AssignDraft, userId: number | null): AssignDraft {
  return {
    ...draft,
    primaryKind: "user",
    primaryUserId: userId,
    primaryUnitId: null,
    coHandlerIds: draft.coHandlerIds.filter((id) => id !== userId),
    informedIds: draft.informedIds.filter((id) => id !== userId),
  };
}

export function setPrimaryUnit(draft: AssignDraft, unitId: number | null): AssignDraft {
  return { ...draft, primaryKind: "unit", primaryUnitId: unitId, primaryUserId: null };
}

/** Adds or removes a person from a part; adding moves them out of the other part. */
export function toggle(draft: AssignDraft, part: Part, userId: number): AssignDraft {
  if (draft.primaryKind === "user" && draft.primaryUserId === userId) return draft;
  const [mine, other] = part === "co_handler" ? ["coHandlerIds", "informedIds"] as const : ["informedIds", "coHandlerIds"] as const;
  const has = draft[mine].includes(userId);
  return {
    ...draft,
    [mine]: has ? draft[mine].filter((id) => id !== userId) : [...draft[mine], userId],
    [other]: has ? draft[other] : draft[other].filter((id) => id !== userId),
  };
}

export function partOf(draft: AssignDraft, userId: number): "primary" | Part | null {
  if (draft.primaryKind === "user" && draft.primaryUserId === userId) return "primary";
  if (draft.coHandlerIds.includes(userId)) return "co_handler";
  if (draft.informedIds.includes(userId)) return "informed";
  return null;
}

export function validateAssign(draft: AssignDraft, today: string, confidential = false): FieldErrors<AssignField> {
  const primaryMissing =
    draft.primaryKind === "user" ? draft.primaryUserId === null : draft.primaryUnitId === null;
  const primary: FieldMessage | null = primaryMissing
    ? { key: "assign.primaryRequired" }
    : confidential && draft.primaryKind === "unit"
      ? { key: "assign.confidentialToPeople" }
      : null;
  return collect<AssignField>({
    primary: [primary],
    co_handler_ids: [],
    informed_ids: [],
    deadline: [isoDate(draft.deadline, true), draft.deadline && draft.deadline < today ? { key: "assign.deadlinePast" } : null],
    direction_text: [maxLength(draft.directionText, 2000)],
  });
}

/** The body of the assign / reassign action. */
export function assignBody(draft: AssignDraft): Record<string, unknown> {
  return {
    primary_user_id: draft.primaryKind === "user" ? draft.primaryUserId : null,
    primary_unit_id: draft.primaryKind === "unit" ? draft.primaryUnitId : null,
    co_handler_ids: draft.coHandlerIds,
    informed_ids: draft.informedIds,
    deadline: draft.deadline || null,
    direction_text: textOrNull(draft.directionText),
  };
}
