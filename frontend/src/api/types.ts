// Shapes of the server's answers (see /api/v1/openapi.json).

export type Role = "admin" | "clerk" | "leader" | "specialist" | "archivist";

export interface Me {
  id: number;
  username: string;
  full_name: string;
  email: string | null;
  agency_id: string;
  agency_name: string;
  unit_id: number | null;
  unit_name: string | null;
  roles: Role[];
  language: "vi" | "en";
  is_platform_admin: boolean;
}

export type Direction = "incoming" | "outgoing";
export type Urgency = "normal" | "urgent" | "very_urgent" | "flash";
export type Confidentiality = "none" | "confidential" | "secret" | "top_secret";
export type Status =
  | "pending_registration"
  | "registered"
  | "refused"
  | "awaiting_direction"
  | "assigned"
  | "in_progress"
  | "completed"
  | "draft"
  | "in_review"
  | "returned"
  | "awaiting_signature"
  | "approved"
  | "issued"
  | "recalled"
  | "replaced";

export type DocumentAction =
  | "register"
  | "refuse"
  | "submit_for_direction"
  | "assign"
  | "reassign"
  | "record_progress"
  | "add_opinion"
  | "mark_read"
  | "complete"
  | "edit"
  | "submit"
  | "approve"
  | "return"
  | "issue"
  | "recall"
  | "correct";

export interface DocumentSummary {
  id: number;
  agency_id: string;
  direction: Direction;
  status: Status;
  issuer_id: string | null;
  issuer_name: string | null;
  document_type: string;
  number: number | null;
  notation: string | null;
  number_and_notation: string | null;
  issued_date: string | null;
  subject: string;
  urgency: Urgency;
  confidentiality: Confidentiality;
  due_date: string | null;
  arrival_number: number | null;
  arrival_date: string | null;
  deadline: string | null;
  created_at: string;
}

/** One signature of a PDF as the server validated it (eoffice/signing/schemas.py SignatureSchema). */
export interface Signature {
  field: string;
  signer_name: string | null;
  organization: string | null;
  /** ISO 8601, UTC: the time-stamp's time when there is one, else the time the signer claimed. */
  signed_at: string | null;
  /** timestamp: the RFC 3161 time-stamp's time; claimed: the signer's own clock; null with no time. */
  signed_at_source: "timestamp" | "claimed" | null;
  intact: boolean;
  modification: "none" | "form_filling" | "annotations" | "other";
  trusted: boolean;
  revocation: "good" | "revoked" | "unknown";
  covers_whole_document: boolean;
  problems: string[];
}

/** null: not a PDF, or a PDF stored before signatures were checked. */
export type SignatureCheckState = "pending" | "done" | "failed" | null;

export interface DocumentFile {
  id: number;
  name: string;
  size: number;
  sha256: string;
  content_type: string;
  role: string;
  position: number;
  /** What the signature worker found; null unless signature_check is "done" ([] for an unsigned PDF). */
  signatures: Signature[] | null;
  signature_check: SignatureCheckState;
  signature_check_error: string | null;
}

export interface AssignmentMember {
  user_id: number | null;
  user_name: string | null;
  unit_id: number | null;
  unit_name: string | null;
}

export interface DocumentAssignment {
  id: number;
  assigned_by_id: number | null;
  assigned_by_name: string | null;
  direction_text: string | null;
  deadline: string | null;
  created_at: string;
  superseded_at: string | null;
  primary: AssignmentMember;
  co_handlers: AssignmentMember[];
  informed: AssignmentMember[];
}

export interface DocumentReview {
  round: number;
  level: number;
  kind: string;
  reviewer_id: number | null;
  reviewer_name: string | null;
  decision: string;
  comment: string | null;
  decided_at: string | null;
}

export interface TraceEntry {
  actor_id: number | null;
  actor_name: string;
  action: string;
  note: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

export interface DocumentRecipient {
  id: number;
  kind: string;
  unit_id: number | null;
  unit_name: string | null;
  user_id: number | null;
  user_name: string | null;
  agency_id: string | null;
  agency_name: string | null;
  /** pending, delivered (inside the agency); queued, sent or failed (another agency, by the axis). */
  delivery_status: string;
  delivered_at?: string | null;
  /** The other agency's latest status (edXML 01–06, 15, 16). */
  status_code?: string | null;
  status_description?: string | null;
  status_at?: string | null;
}

/** An earlier incoming document with the same issuer, number and notation (POST incoming/duplicates). */
export interface ProbableDuplicate {
  document_id: number;
  visible: boolean;
  number_and_notation?: string | null;
  subject?: string | null;
  issuer_name?: string | null;
  arrival_number?: number | null;
  arrival_date?: string | null;
  status?: string | null;
}

/** Whom the drafter may name when submitting (GET documents/<id>/review-candidates). */
export interface ReviewCandidates {
  reviewer_ids: number[];
  signer_ids: number[];
}

export interface IntakeWarning {
  code: string;
  document_id: number;
  message: string;
}

/** A rectangle on a page of the main PDF, in points from the page's bottom-left. */
export interface SignaturePlacement {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DocumentDetail extends DocumentSummary {
  channel: string;
  signer_name: string | null;
  signer_position: string | null;
  page_count: number | null;
  note: string | null;
  registered_at: string | null;
  refusal_reason: string | null;
  directing_leader_id: number | null;
  result_note: string | null;
  completed_at: string | null;
  issued_at: string | null;
  current_reviewer_id: number | null;
  signer_id: number | null;
  signature_placement: SignaturePlacement | null;
  created_by_id: number | null;
  is_legal_normative: boolean;
  recipients: DocumentRecipient[];
  files: DocumentFile[];
  current_assignment: DocumentAssignment | null;
  assignments: DocumentAssignment[];
  reviews: DocumentReview[];
  trace: TraceEntry[];
  allowed_actions: DocumentAction[];
  warnings: IntakeWarning[];
}

export interface DocumentPage {
  items: DocumentSummary[];
  next_cursor: string | null;
}

export interface Person {
  id: number;
  full_name: string;
  agency_id: string;
  unit_id: number | null;
  unit_name: string | null;
  roles: Role[];
}

export interface Agency {
  id: string;
  name: string;
  abbreviation: string | null;
  parent_id: string | null;
}

/** An agency of the directory (GET /api/v1/directory/agencies): from the axis's list, or hosted here. */
export interface DirectoryAgency {
  id: string;
  name: string;
  parent_id: string | null;
  hosted: boolean;
}

export interface Unit {
  id: number;
  agency_id: string;
  name: string;
  abbreviation: string | null;
}

export interface DocumentType {
  code: string;
  name: string;
  /** Whether a draft of this type may be marked legal normative (its number then carries the year). */
  can_be_legal_normative: boolean;
}

/** A signing certificate as the server describes it (eoffice/signing/certificates.py describe). */
export interface CertificateDetails {
  subject: string;
  issuer: string;
  /** Hexadecimal. */
  serial: string;
  valid_from: string;
  valid_to: string;
}

/** The key of a person or of an agency's seal (GET/POST /api/v1/signatures/certificates/...). */
export interface OwnerCertificate {
  owner: string;
  /** pkcs12: the server keeps PKCS#12 files; pkcs11: the keys live in a token, only the certificate is uploaded. */
  key_store: "pkcs12" | "pkcs11";
  certificate: CertificateDetails | null;
  /** After an upload: what is doubtful (e.g. no trusted chain), as a reason code (eoffice.errors.ReasonCode)
   * the client says in its own words; `message` is the server's English, for the API. */
  warnings: { code: string; message: string }[];
}

/** Who a certificate belongs to: a person, or the seal of an agency. */
export type CertificateOwner = { kind: "person"; id: number } | { kind: "agency"; id: string };

/** The form parts beside the file: password and protection for a PKCS#12, pin for a token. */
export interface CertificateUpload {
  file: File;
  password?: string;
  protection?: "server" | "password";
  pin?: string;
}

// Records: the file list, case files, hand-overs to the archive (eoffice/records/schemas.py).
export type CaseFileStatus = "open" | "closed" | "proposed" | "archived";
export type AccessRegime = "open" | "restricted";
export type CaseFileAction =
  | "edit"
  | "file_document"
  | "remove_document"
  | "reorder"
  | "close"
  | "reopen"
  | "propose_handover";

export interface FileListEntry {
  id: number;
  agency_id: string;
  year: number;
  heading: string;
  position: number;
  notation: string;
  title: string;
  retention_years: number | null;
  unit_id: number | null;
  responsible_id: number | null;
  note: string | null;
  allowed_actions: ("edit" | "delete")[];
}

export interface CaseFileSummary {
  id: number;
  code: string;
  agency_id: string;
  year: number;
  notation: string;
  status: CaseFileStatus;
  title: string;
  retention_years: number | null;
  access_regime: AccessRegime;
  start_date: string | null;
  end_date: string | null;
  document_count: number;
  page_count: number;
  responsible_id: number | null;
  responsible_name: string;
  handover_id: number | null;
  handover_due: string | null;
}

export interface FiledDocument {
  ordinal: number;
  document_id: number;
  hidden: boolean;
  number_and_notation: string | null;
  issued_date: string | null;
  subject: string | null;
  document_type: string | null;
  issuer_name: string | null;
  page_count: number | null;
  filed_at: string;
}

export interface CaseFileEvent {
  id: number;
  actor_name: string;
  action: string;
  reason: string | null;
  created_at: string;
}

export interface CaseFileDetail extends CaseFileSummary {
  file_list_entry_id: number | null;
  language: string;
  keywords: string | null;
  physical_state: string | null;
  note: string | null;
  created_at: string;
  closed_at: string | null;
  archived_at: string | null;
  documents: FiledDocument[];
  history: CaseFileEvent[];
  allowed_actions: CaseFileAction[];
}

export interface Handover {
  id: number;
  agency_id: string;
  status: "proposed" | "received";
  deadline: string;
  note: string | null;
  proposed_at: string;
  received_by_name: string | null;
  received_at: string | null;
  list_file_id: number | null;
  record_file_id: number | null;
  case_files: CaseFileSummary[];
  allowed_actions: ("receive" | "export")[];
}
