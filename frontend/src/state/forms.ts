// Field checks shared by the forms, and the API's per-field messages mapped onto form fields.
import { ApiError } from "../api/errors";
import { errorKey, reasonKey, type MessageKey } from "../i18n/translate";

/** A message: a catalogue key with parameters (checked here), or the server's own text. */
export type FieldMessage = { key: MessageKey; params?: Record<string, string | number> } | { text: string };
export type FieldErrors<F extends string = string> = Partial<Record<F | "_form", FieldMessage>>;

export const AGENCY_ID = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function required(value: string): FieldMessage | null {
  return value.trim() ? null : { key: "form.required" };
}

export function maxLength(value: string, max: number): FieldMessage | null {
  return value.trim().length > max ? { key: "form.tooLong", params: { max } } : null;
}

export function positiveInteger(value: string, optional = false): FieldMessage | null {
  if (!value.trim()) return optional ? null : { key: "form.required" };
  return /^\d+$/.test(value.trim()) && Number(value) >= 1 && Number(value) < 2 ** 31
    ? null
    : { key: "form.positiveInteger" };
}

export function isoDate(value: string, optional = false): FieldMessage | null {
  if (!value) return optional ? null : { key: "form.required" };
  return DATE.test(value) ? null : { key: "form.date" };
}

/** The first message of each field, from checks listed in order. */
export function collect<F extends string>(checks: Record<F, (FieldMessage | null)[]>): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const field of Object.keys(checks) as F[]) {
    const first = checks[field].find((message) => message !== null);
    if (first) errors[field] = first;
  }
  return errors;
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}

/**
 * The client's words for a server's message on a field: the server writes English for the API (marshmallow's
 * messages, the operations' own), never shown as they are. The usual checks keep their meaning; any other
 * refusal of the value reads as such, next to the field it names.
 */
export function fieldMessage(serverText: string): FieldMessage {
  if (/missing data|required|may not be (null|empty)/i.test(serverText)) return { key: "form.required" };
  if (/not a valid (date|datetime)/i.test(serverText)) return { key: "form.date" };
  if (/not a valid url|https?:\/\//i.test(serverText)) return { key: "form.url" };
  if (/not a valid integer|greater than or equal to 1/i.test(serverText)) return { key: "form.positiveInteger" };
  const tooLong = /longer than maximum length (\d+)|between \d+ and (\d+)/i.exec(serverText);
  if (tooLong) return { key: "form.tooLong", params: { max: Number(tooLong[1] ?? tooLong[2]) } };
  return { key: "form.refused" };
}

/**
 * The server's 4xx as messages on the form's fields: "metadata.issued_date" → issued_date,
 * "files[1]" → files, "participants[0].user_id" → participants; anything not on a known field goes to _form as the message for the error's code.
 * A field's message says, in the reader's language, the reason the server gave for it, else the error's own
 * code when it is more than a validation error (certificate_expired on `file`), else what its text means.
 */
export function serverErrors<F extends string>(error: unknown, fields: readonly F[]): FieldErrors<F> {
  if (!(error instanceof ApiError)) return {};
  const out: FieldErrors<F> = {};
  const reasons = error.fieldReasons();
  const specific = error.code !== "validation_error" && errorKey(error.code) !== "error.error";
  for (const [path, text] of Object.entries(error.fieldErrors())) {
    const field = path.replace(/^metadata\./, "").split(".")[0].replace(/\[\d+\]$/, "") as F;
    if (!fields.includes(field) || out[field]) continue;
    if (reasons[path]) out[field] = { key: reasonKey(reasons[path]) };
    else if (specific) out[field] = { key: errorKey(error.code) };
    else out[field] = fieldMessage(text);
  }
  if (!hasErrors(out)) out._form = { key: errorKey(error.code) };
  return out;
}

/** Trimmed text, or null when blank (optional fields are sent as null). */
export function textOrNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed ? trimmed : null;
}
