// The documents API (eoffice/documents/api.py, reports_api.py), the people directory and the agencies.
import type { ApiClient, Query } from "./client";
import type {
  Agency,
  DirectoryAgency,
  DocumentAction,
  DocumentDetail,
  DocumentPage,
  DocumentType,
  Person,
  ProbableDuplicate,
  ReviewCandidates,
  Role,
  Unit,
} from "./types";

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
