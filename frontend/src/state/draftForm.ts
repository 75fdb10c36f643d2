// The specialist's outgoing draft: its metadata, its recipients, and the submission for review.
import type { Confidentiality, DocumentDetail, Urgency } from "../api/documents";
import {
  AGENCY_ID,
  collect,
  isoDate,
  maxLength,
  positiveInteger,
  required,
  textOrNull,
  type FieldErrors,
} from "./forms";

export interface ExternalRecipient {
  agency_id: string;
  agency_name: string;
}

export interface DraftFields {
  document_type: string;
  subject: string;
  signer_name: string;
  signer_position: string;
  urgency: Urgency;
  confidentiality: Confidentiality;
  due_date: string;
  page_count: string;
  note: string;
  is_legal_normative: boolean;
  recipient_unit_ids: number[];
  external: ExternalRecipient[];
}

export type DraftField = Exclude<keyof DraftFields, "recipient_unit_ids" | "external"> | "recipients" | "files";
export const DRAFT_FIELDS: DraftField[] = [
  "document_type",
  "subject",
  "signer_name",
  "signer_position",
  "urgency",
  "confidentiality",
  "due_date",
  "page_count",
  "note",
  "is_legal_normative",
  "recipients",
  "files",
];

export function emptyDraft(): DraftFields {
  return {
    document_type: "CV",
    subject: "",
    signer_name: "",
    signer_position: "",
    urgency: "normal",
    confidentiality: "none",
    due_date: "",
    page_count: "",
    note: "",
    is_legal_normative: false,
    recipient_unit_ids: [],
    external: [],
  };
}

/** A saved draft back in the form, for editing (a returned draft is corrected and submitted again). */
export function draftFromDocument(doc: DocumentDetail): DraftFields {
  return {
    document_type: doc.document_type,
    subject: doc.subject,
    signer_name: doc.signer_name ?? "",
    signer_position: doc.signer_position ?? "",
    urgency: doc.urgency,
    confidentiality: doc.confidentiality,
    due_date: doc.due_date ?? "",
    page_count: doc.page_count ? String(doc.page_count) : "",
    note: doc.note ?? "",
    is_legal_normative: doc.is_legal_normative,
    recipient_unit_ids: doc.recipients
      .filter((recipient) => recipient.unit_id !== null)
      .map((recipient) => recipient.unit_id as number),
    external: doc.recipients
      .filter((recipient) => recipient.agency_id)
      .map((recipient) => ({ agency_id: recipient.agency_id ?? "", agency_name: recipient.agency_name ?? "" })),
  };
}

export function validateDraft(fields: DraftFields, fileCount: number): FieldErrors<DraftField> {
  const badRecipient = fields.external.find(
    (recipient) => !AGENCY_ID.test(recipient.agency_id.trim()) || !recipient.agency_name.trim(),
  );
  return collect<DraftField>({
    document_type: [required(fields.document_type)],
    subject: [required(fields.subject), maxLength(fields.subject, 500)],
    signer_name: [maxLength(fields.signer_name, 200)],
    signer_position: [maxLength(fields.signer_position, 200)],
    urgency: [],
    confidentiality: [],
    due_date: [isoDate(fields.due_date, true)],
    page_count: [positiveInteger(fields.page_count, true)],
    note: [maxLength(fields.note, 2000)],
    is_legal_normative: [],
    recipients: [badRecipient ? { key: "draft.externalInvalid" } : null],
    files: [fileCount > 0 ? null : { key: "form.fileRequired" }],
  });
}

/** The metadata of POST /documents/outgoing (OutgoingMetadataSchema). */
export function draftMetadata(fields: DraftFields): Record<string, unknown> {
  return {
    document_type: fields.document_type,
    subject: fields.subject.trim(),
    signer_name: textOrNull(fields.signer_name),
    signer_position: textOrNull(fields.signer_position),
    urgency: fields.urgency,
    confidentiality: fields.confidentiality,
    due_date: fields.due_date || null,
    page_count: fields.page_count.trim() ? Number(fields.page_count) : null,
    note: textOrNull(fields.note),
    is_legal_normative: fields.is_legal_normative,
    recipients: [
      ...fields.recipient_unit_ids.map((unit_id) => ({ unit_id })),
      ...fields.external.map((recipient) => ({
        agency_id: recipient.agency_id.trim(),
        agency_name: recipient.agency_name.trim(),
      })),
    ],
  };
}

export interface Submission {
  reviewerIds: (number | null)[];
  signerId: number | null;
  note: string;
}

export type SubmitField = "reviewer_ids" | "signer_id" | "note";
export const SUBMIT_FIELDS: SubmitField[] = ["reviewer_ids", "signer_id", "note"];

/** One reviewer per review level of the agency, in order, then a leader who signs. */
export function emptySubmission(levels: number): Submission {
  return { reviewerIds: Array.from({ length: Math.max(1, levels) }, () => null), signerId: null, note: "" };
}

export function validateSubmission(submission: Submission, drafterId: number): FieldErrors<SubmitField> {
  const chosen = submission.reviewerIds.filter((id): id is number => id !== null);
  const reviewers =
    chosen.length < submission.reviewerIds.length
      ? { key: "submit.reviewerPerLevel" as const }
      : new Set(chosen).size !== chosen.length
        ? { key: "submit.reviewerTwice" as const }
        : chosen.includes(drafterId)
          ? { key: "submit.notOwnReviewer" as const }
          : null;
  const signer =
    submission.signerId === null
      ? { key: "form.required" as const }
      : chosen.includes(submission.signerId)
        ? { key: "submit.signerNotReviewer" as const }
        : null;
  return collect<SubmitField>({
    reviewer_ids: [reviewers],
    signer_id: [signer],
    note: [maxLength(submission.note, 2000)],
  });
}

export function submissionBody(submission: Submission): Record<string, unknown> {
  return {
    reviewer_ids: submission.reviewerIds,
    signer_id: submission.signerId,
    note: textOrNull(submission.note),
  };
}
