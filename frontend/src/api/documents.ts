// The documents API (eoffice/documents/api.py, reports_api.py), the people directory and the agencies.
import type { Agency, DirectoryAgency, Person, Role, Unit } from "./accounts";
import type { ApiClient, Query } from "./client";
import type { Signature, SignatureCheckState } from "./signatures";

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

export interface DocumentType {
  code: string;
  name: string;
  /** Whether a draft of this type may be marked legal normative (its number then carries the year). */
  can_be_legal_normative: boolean;
}

export interface ListFilters {
  direction?: "incoming" | "outgoing" | "";
  status?: string;
  q?: string;
  from?: string;
  to?: string;
  urgency?: string;
}

export type RegisterFormat = "pdf" | "csv";
/** The registers of Decree 30: incoming, outgoing, and the follow-up of incoming documents' handling. */
export type RegisterKind = "incoming" | "outgoing" | "follow-up";

export function documentsApi(client: ApiClient) {
  return {
    list(filters: ListFilters, cursor?: string | null, limit = 20): Promise<DocumentPage> {
      return client.get<DocumentPage>("/api/v1/documents", { ...(filters as Query), cursor, limit });
    },
    get(id: number): Promise<DocumentDetail> {
      return client.get<DocumentDetail>(`/api/v1/documents/${id}`);
    },
    act(id: number, action: DocumentAction, body: Record<string, unknown> = {}): Promise<DocumentDetail> {
      return client.post<DocumentDetail>(`/api/v1/documents/${id}/actions/${action}`, body);
    },
    registerIncoming(metadata: Record<string, unknown>, files: File[], onProgress?: (f: number) => void) {
      return client.upload<DocumentDetail>("/api/v1/documents/incoming", multipart(metadata, files), onProgress);
    },
    /** Earlier arrivals with the same issuer, number and notation: nothing is registered, no number taken. */
    probableDuplicates(identity: { issuer_id: string; number: number; notation: string }): Promise<ProbableDuplicate[]> {
      return client.post<ProbableDuplicate[]>("/api/v1/documents/incoming/duplicates", identity);
    },
    reviewCandidates(id: number): Promise<ReviewCandidates> {
      return client.get<ReviewCandidates>(`/api/v1/documents/${id}/review-candidates`);
    },
    createDraft(metadata: Record<string, unknown>, files: File[], onProgress?: (f: number) => void) {
      return client.upload<DocumentDetail>("/api/v1/documents/outgoing", multipart(metadata, files), onProgress);
    },
    updateDraft(id: number, metadata: Record<string, unknown>): Promise<DocumentDetail> {
      return client.patch<DocumentDetail>(`/api/v1/documents/${id}`, metadata);
    },
    addFiles(id: number, files: File[], replaceMain: boolean, onProgress?: (f: number) => void) {
      const form = new FormData();
      for (const file of files) form.append("files", file, file.name);
      form.append("replace_main", String(replaceMain));
      return client.upload<DocumentDetail>(`/api/v1/documents/${id}/files`, form, onProgress);
    },
    downloadFile(id: number, fileId: number): Promise<Blob> {
      return client.request<Blob>("GET", `/api/v1/documents/${id}/files/${fileId}`, { expect: "blob" });
    },
    register(kind: RegisterKind, from: string, to: string, format: RegisterFormat): Promise<Blob> {
      return client.request<Blob>("GET", `/api/v1/documents/registers/${kind}`, {
        query: { from, to, format },
        expect: "blob",
      });
    },
    types(): Promise<DocumentType[]> {
      return client.get<DocumentType[]>("/api/v1/documents/types");
    },
    people(filters: { role?: Role; q?: string; unit_id?: number; agency_id?: string } = {}): Promise<Person[]> {
      return client.get<Person[]>("/api/v1/people", filters);
    },
    agencies(): Promise<Agency[]> {
      return client.get<Agency[]>("/api/v1/admin/agencies");
    },
    /** Agencies by words of their name (accents aside) or part of their identifier. */
    searchAgencies(q: string, limit = 20): Promise<DirectoryAgency[]> {
      return client.get<DirectoryAgency[]>("/api/v1/directory/agencies", { q, limit });
    },
    units(agencyId: string): Promise<Unit[]> {
      return client.get<Unit[]>(`/api/v1/admin/agencies/${encodeURIComponent(agencyId)}/units`);
    },
  };
}

export type DocumentsApi = ReturnType<typeof documentsApi>;

function multipart(metadata: Record<string, unknown>, files: File[]): FormData {
  const form = new FormData();
  form.append("metadata", JSON.stringify(metadata));
  for (const file of files) form.append("files", file, file.name);
  return form;
}
