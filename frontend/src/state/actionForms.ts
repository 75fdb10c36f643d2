// The input each workflow action takes (the server's action schemas), as form specs the panel renders.
import type { DocumentAction } from "../api/documents";
import type { MessageKey } from "../i18n/translate";
import { collect, maxLength, required, textOrNull, type FieldErrors, type FieldMessage } from "./forms";

export interface InputSpec {
  name: string;
  label: MessageKey;
  kind: "textarea" | "percent" | "leader";
  required: boolean;
  /** Left out of the body when empty: the field keeps its value (a correction names what changes). */
  omitEmpty?: boolean;
}

const note = (label: MessageKey = "note.optional"): InputSpec => ({ name: "note", label, kind: "textarea", required: false });
const text = (name: string, label: MessageKey): InputSpec => ({ name, label, kind: "textarea", required: true });

/** Actions with their own dialog (assign, reassign, submit) are not here; neither is editing. */
export const ACTION_INPUTS: Partial<Record<DocumentAction, InputSpec[]>> = {
  register: [note()],
  refuse: [text("reason", "pending.reason")],
  submit_for_direction: [
    { name: "leader_id", label: "submitToLeader.leader", kind: "leader", required: true },
    note("submitToLeader.note"),
  ],
  record_progress: [text("note", "progress.note"), { name: "percent", label: "progress.percent", kind: "percent", required: false }],
  add_opinion: [text("note", "opinion.note")],
  mark_read: [],
  complete: [text("result_note", "complete.resultNote")],
  approve: [{ name: "comment", label: "comment.optional", kind: "textarea", required: false }],
  return: [text("comment", "comment.required")],
  issue: [note()],
  recall: [text("reason", "recall.reason")],
  correct: [
    text("reason", "correct.reason"),
    { name: "subject", label: "correct.subject", kind: "textarea", required: false, omitEmpty: true },
    { name: "signer_name", label: "correct.signerName", kind: "textarea", required: false, omitEmpty: true },
    { name: "signer_position", label: "correct.signerPosition", kind: "textarea", required: false, omitEmpty: true },
  ],
};

/** The order buttons appear in: the step forward first, refusals and returns after. */
export const ACTION_ORDER: DocumentAction[] = [
  "register",
  "submit_for_direction",
  "assign",
  "record_progress",
  "complete",
  "add_opinion",
  "submit",
  "approve",
  "issue",
  "mark_read",
  "reassign",
  "edit",
  "return",
  "refuse",
  "correct",
  "recall",
];

export function orderedActions(allowed: readonly DocumentAction[]): DocumentAction[] {
  return ACTION_ORDER.filter((action) => allowed.includes(action));
}

export type ActionValues = Record<string, string>;

export function emptyValues(action: DocumentAction): ActionValues {
  return Object.fromEntries((ACTION_INPUTS[action] ?? []).map((spec) => [spec.name, ""]));
}

function percent(value: string): FieldMessage | null {
  if (!value.trim()) return null;
  return /^\d{1,3}$/.test(value.trim()) && Number(value) <= 100 ? null : { key: "form.percent" };
}

export function validateAction(action: DocumentAction, values: ActionValues): FieldErrors {
  const checks: Record<string, (FieldMessage | null)[]> = {};
  for (const spec of ACTION_INPUTS[action] ?? []) {
    const value = values[spec.name] ?? "";
    checks[spec.name] = [
      spec.required ? required(value) : null,
      spec.kind === "percent" ? percent(value) : spec.kind === "textarea" ? maxLength(value, 2000) : null,
    ];
  }
  return collect(checks);
}

export function actionBody(action: DocumentAction, values: ActionValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const spec of ACTION_INPUTS[action] ?? []) {
    const value = values[spec.name] ?? "";
    if (spec.omitEmpty && !value.trim()) continue;
    if (spec.kind === "leader") body[spec.name] = Number(value);
    else if (spec.kind === "percent") body[spec.name] = value.trim() ? Number(value) : null;
    else body[spec.name] = spec.required ? value.trim() : textOrNull(value);
  }
  return body;
}
