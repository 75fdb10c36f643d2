// The forms of records (a file-list entry, a case file's metadata) and the order of a case file's documents:
// the server's checks done first, only what changed sent, the API's messages placed on the fields.
import { ApiError } from "../api/errors";
import type { CaseFileBody, EntryBody } from "../api/records";
import type { AccessRegime, CaseFileDetail, FiledDocument, FileListEntry } from "../api/records";
import { collect, maxLength, required, serverErrors, textOrNull, type FieldErrors, type FieldMessage } from "./forms";
import { parseRetention } from "./records";

/** FileNotation as eoffice/records/schemas.py NOTATION takes it: letters, digits, dots, hyphens; 1 to 20. */
const NOTATION = /^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,19}$/u;

function notation(value: string): FieldMessage | null {
  if (!value.trim()) return { key: "form.required" };
  return NOTATION.test(value.trim()) ? null : { key: "records.notationInvalid" };
}

function retention(value: string): FieldMessage | null {
  return parseRetention(value) === undefined ? { key: "records.retentionInvalid" } : null;
}

/** The fields whose value differs from what is stored: a PATCH carries only these. */
function changed<B extends object>(body: B, stored: Partial<Record<keyof B, unknown>>): Partial<B> {
  return Object.fromEntries(
    Object.entries(body).filter(([field, value]) => value !== stored[field as keyof B]),
  ) as Partial<B>;
}

// ── A file-list entry ────────────────────────────────────────────────────────────────────────

export interface EntryFields {
  heading: string;
  position: string;
  notation: string;
  title: string;
  /** Years as typed; empty for permanently. */
  retention: string;
  unit_id: number | null;
  responsible_id: number | null;
  note: string;
}

export type EntryField = keyof EntryFields;
export const ENTRY_FIELDS: EntryField[] = ["heading", "position", "notation", "title", "retention", "unit_id", "responsible_id", "note"];

export function emptyEntry(heading = ""): EntryFields {
  return { heading, position: "0", notation: "", title: "", retention: "10", unit_id: null, responsible_id: null, note: "" };
}

/** The form filled from a stored entry, to change it. */
export function entryFields(entry: FileListEntry): EntryFields {
  return {
    heading: entry.heading,
    position: String(entry.position),
    notation: entry.notation,
    title: entry.title,
    retention: entry.retention_years === null ? "" : String(entry.retention_years),
    unit_id: entry.unit_id,
    responsible_id: entry.responsible_id,
    note: entry.note ?? "",
  };
}

/** The checks of FileListEntryInputSchema / FileListEntryChangeSchema, before anything is sent. */
export function validateEntry(fields: EntryFields): FieldErrors<EntryField> {
  return collect<EntryField>({
    heading: [required(fields.heading), maxLength(fields.heading, 200)],
    position: [/^\d{1,6}$/.test(fields.position.trim()) && Number(fields.position) <= 100000 ? null : { key: "records.positionInvalid" }],
    notation: [notation(fields.notation)],
    title: [required(fields.title), maxLength(fields.title, 500)],
    retention: [retention(fields.retention)],
    unit_id: [],
    responsible_id: [],
    note: [maxLength(fields.note, 2000)],
  });
}

/** The whole entry as POST /file-list takes it (with the year). Call after validateEntry found nothing. */
export function entryBody(fields: EntryFields): EntryBody {
  return {
    heading: fields.heading.trim(),
    position: Number(fields.position.trim()),
    notation: fields.notation.trim(),
    title: fields.title.trim(),
    retention_years: parseRetention(fields.retention) ?? null,
    unit_id: fields.unit_id,
    responsible_id: fields.responsible_id,
    note: textOrNull(fields.note),
  };
}

/** The PATCH /file-list/<id> body: what differs from the stored entry (empty when nothing does). */
export function entryChanges(entry: FileListEntry, fields: EntryFields): Partial<EntryBody> {
  return changed(entryBody(fields), entry);
}

/** The API's refusal on the form; a notation in use reads as such next to the notation. */
export function entryServerErrors(error: unknown): FieldErrors<EntryField> {
  if (error instanceof ApiError && error.code === "case_file_code_taken") return { notation: { key: "error.case_file_code_taken" } };
  return renamed(serverErrors(error, [...ENTRY_FIELDS, "retention_years"] as const));
}

// ── A case file's metadata ───────────────────────────────────────────────────────────────────

/** The languages offered; a case file in another one keeps its code (shown as it is). */
export const LANGUAGES = ["vi", "en", "fr", "zh", "ru"] as const;

export interface CaseFileFields {
  title: string;
  retention: string;
  access_regime: AccessRegime;
  language: string;
  keywords: string;
  physical_state: string;
  note: string;
}

export type CaseFileField = keyof CaseFileFields | "reason";
export const CASE_FILE_FIELDS: CaseFileField[] = ["title", "retention", "access_regime", "language", "keywords", "physical_state", "note", "reason"];

export function caseFileFields(caseFile: CaseFileDetail): CaseFileFields {
  return {
    title: caseFile.title,
    retention: caseFile.retention_years === null ? "" : String(caseFile.retention_years),
    access_regime: caseFile.access_regime,
    language: caseFile.language,
    keywords: caseFile.keywords ?? "",
    physical_state: caseFile.physical_state ?? "",
    note: caseFile.note ?? "",
  };
}

/** The checks of CaseFileChangeSchema; a closed case file's change (by the archivist) says why. */
export function validateCaseFile(fields: CaseFileFields, reason: string, reasonDue: boolean): FieldErrors<CaseFileField> {
  return collect<CaseFileField>({
    title: [required(fields.title), maxLength(fields.title, 500)],
    retention: [retention(fields.retention)],
    access_regime: [],
    language: [fields.language.trim().length >= 2 ? null : { key: "form.required" }, maxLength(fields.language, 10)],
    keywords: [maxLength(fields.keywords, 500)],
    physical_state: [maxLength(fields.physical_state, 200)],
    note: [maxLength(fields.note, 2000)],
    reason: [reasonDue ? required(reason) : null, maxLength(reason, 2000)],
  });
}

/** The PATCH /case-files/<id> body: what differs from the stored case file (empty when nothing does). */
export function caseFileChanges(caseFile: CaseFileDetail, fields: CaseFileFields): Partial<CaseFileBody> {
  const body: CaseFileBody = {
    title: fields.title.trim(),
    retention_years: parseRetention(fields.retention) ?? null,
    access_regime: fields.access_regime,
    language: fields.language.trim(),
    keywords: textOrNull(fields.keywords),
    physical_state: textOrNull(fields.physical_state),
    note: textOrNull(fields.note),
  };
  return changed(body, caseFile);
}

export function caseFileServerErrors(error: unknown): FieldErrors<CaseFileField> {
  return renamed(serverErrors(error, [...CASE_FILE_FIELDS, "retention_years"] as const));
}

/** The server names `retention_years`; the form's field is `retention`, with the form's own words for it. */
function renamed<F extends string>(errors: FieldErrors<F | "retention_years">): FieldErrors<F> {
  const { retention_years: years, ...rest } = errors as Record<string, FieldMessage | undefined>;
  return (years ? { ...rest, retention: { key: "records.retentionInvalid" } } : rest) as FieldErrors<F>;
}

// ── The order of a case file's documents ─────────────────────────────────────────────────────

/**
 * The `document_ids` of a reorder that moves one document a place up (-1) or down (+1): every document of
 * the case file, hidden ones included, in the order shown with the two neighbours swapped. Null at either end.
 */
export function movedOrder(documents: readonly Pick<FiledDocument, "document_id" | "ordinal">[], documentId: number, step: -1 | 1): number[] | null {
  const order = [...documents].sort((a, b) => a.ordinal - b.ordinal).map((doc) => doc.document_id);
  const index = order.indexOf(documentId);
  const other = index + step;
  if (index < 0 || other < 0 || other >= order.length) return null;
  [order[index], order[other]] = [order[other], order[index]];
  return order;
}
