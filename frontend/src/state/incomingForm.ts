// The clerk's registration form of an incoming document: fields, checks, the metadata sent.
import type { Confidentiality, Urgency } from "../api/documents";
import {
  AGENCY_ID,
  collect,
  isoDate,
  maxLength,
  positiveInteger,
  required,
  textOrNull,
  type FieldErrors,
  type FieldMessage,
} from "./forms";

export interface IncomingFields {
  issuer_id: string;
  issuer_name: string;
  document_type: string;
  number: string;
  notation: string;
  issued_date: string;
  subject: string;
  signer_name: string;
  signer_position: string;
  urgency: Urgency;
  confidentiality: Confidentiality;
  due_date: string;
  page_count: string;
  note: string;
}

export type IncomingField = keyof IncomingFields | "files";
export const INCOMING_FIELDS: IncomingField[] = [
  "issuer_id",
  "issuer_name",
  "document_type",
  "number",
  "notation",
  "issued_date",
  "subject",
  "signer_name",
  "signer_position",
  "urgency",
  "confidentiality",
  "due_date",
  "page_count",
  "note",
  "files",
];

export function emptyIncoming(): IncomingFields {
  return {
    issuer_id: "",
    issuer_name: "",
    document_type: "CV",
    number: "",
    notation: "",
    issued_date: "",
    subject: "",
    signer_name: "",
    signer_position: "",
    urgency: "normal",
    confidentiality: "none",
    due_date: "",
    page_count: "",
    note: "",
  };
}

function agencyId(value: string): FieldMessage | null {
  return AGENCY_ID.test(value.trim()) ? null : { key: "form.agencyId" };
}

/** The same rules the server applies (IncomingMetadataSchema), checked before anything is sent. */
export function validateIncoming(fields: IncomingFields, fileCount: number): FieldErrors<IncomingField> {
  return collect<IncomingField>({
    issuer_id: [required(fields.issuer_id), agencyId(fields.issuer_id)],
    issuer_name: [required(fields.issuer_name), maxLength(fields.issuer_name, 200)],
    document_type: [required(fields.document_type)],
    number: [positiveInteger(fields.number)],
    notation: [required(fields.notation), maxLength(fields.notation, 30)],
    issued_date: [isoDate(fields.issued_date)],
    subject: [required(fields.subject), maxLength(fields.subject, 500)],
    signer_name: [maxLength(fields.signer_name, 200)],
    signer_position: [maxLength(fields.signer_position, 200)],
    urgency: [],
    confidentiality: [],
    due_date: [isoDate(fields.due_date, true)],
    page_count: [positiveInteger(fields.page_count, true)],
    note: [maxLength(fields.note, 2000)],
    files: [fileCount > 0 ? null : { key: "form.fileRequired" }],
  });
}

/** The `metadata` part of POST /documents/incoming. */
export function incomingMetadata(fields: IncomingFields): Record<string, unknown> {
  return {
    issuer_id: fields.issuer_id.trim(),
    issuer_name: fields.issuer_name.trim(),
    document_type: fields.document_type,
    number: Number(fields.number),
    notation: fields.notation.trim(),
    issued_date: fields.issued_date,
    subject: fields.subject.trim(),
    signer_name: textOrNull(fields.signer_name),
    signer_position: textOrNull(fields.signer_position),
    urgency: fields.urgency,
    confidentiality: fields.confidentiality,
    due_date: fields.due_date || null,
    page_count: fields.page_count.trim() ? Number(fields.page_count) : null,
    note: textOrNull(fields.note),
  };
}

/**
 * The page count read from the main PDF, unless the clerk typed their own: it fills an empty field, or
 * replaces the count an earlier main file proposed (`proposed`), never a number the clerk wrote.
 */
export function proposePageCount(current: string, proposed: string | null, counted: number | null): string {
  if (counted === null) return current === proposed ? "" : current;
  return !current.trim() || current === proposed ? String(counted) : current;
}

/** The fields that identify an incoming document, for the duplicate check before registering. */
export function identity(fields: IncomingFields): { issuer_id: string; number: number; notation: string } {
  return { issuer_id: fields.issuer_id.trim(), number: Number(fields.number), notation: fields.notation.trim() };
}
