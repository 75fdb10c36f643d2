// The records API (eoffice/records/api.py): the file list, case files, hand-overs to the archive.
import type { ApiClient, Query } from "./client";

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

export interface CaseFileFilters {
  q?: string;
  status?: string;
  year?: number;
  document_id?: number;
}

/** A file-list entry as POST /file-list takes it (with `year`); PATCH takes any of its fields. */
export type EntryBody = Omit<FileListEntry, "id" | "agency_id" | "year" | "allowed_actions">;

/** What PATCH /case-files/<id> changes (CaseFileChangeSchema). */
export type CaseFileBody = Pick<
  CaseFileDetail,
  "title" | "retention_years" | "access_regime" | "language" | "keywords" | "physical_state" | "note"
>;

export function recordsApi(client: ApiClient) {
  return {
    fileList(year: number): Promise<FileListEntry[]> {
      return client.get<FileListEntry[]>("/api/v1/records/file-list", { year });
    },
    fileListFile(year: number, format: "pdf" | "csv"): Promise<Blob> {
      return client.request<Blob>("GET", "/api/v1/records/file-list", { query: { year, format }, expect: "blob" });
    },
    addEntry(entry: EntryBody & { year: number }): Promise<FileListEntry> {
      return client.post<FileListEntry>("/api/v1/records/file-list", entry);
    },
    changeEntry(id: number, changes: Partial<EntryBody>): Promise<FileListEntry> {
      return client.patch<FileListEntry>(`/api/v1/records/file-list/${id}`, changes);
    },
    removeEntry(id: number): Promise<void> {
      return client.request<void>("DELETE", `/api/v1/records/file-list/${id}`, { expect: "none" });
    },
    copyYear(fromYear: number, toYear: number): Promise<FileListEntry[]> {
      return client.post<FileListEntry[]>("/api/v1/records/file-list/copy", { from_year: fromYear, to_year: toYear });
    },
    caseFiles(filters: CaseFileFilters = {}): Promise<{ items: CaseFileSummary[] }> {
      return client.get<{ items: CaseFileSummary[] }>("/api/v1/records/case-files", filters as Query);
    },
    caseFile(id: number): Promise<CaseFileDetail> {
      return client.get<CaseFileDetail>(`/api/v1/records/case-files/${id}`);
    },
    open(body: Record<string, unknown>): Promise<CaseFileDetail> {
      return client.post<CaseFileDetail>("/api/v1/records/case-files", body);
    },
    /** An archivist's change of a closed case file gives `reason`. */
    change(id: number, changes: Partial<CaseFileBody> & { reason?: string }): Promise<CaseFileDetail> {
      return client.patch<CaseFileDetail>(`/api/v1/records/case-files/${id}`, changes);
    },
    act(id: number, action: CaseFileAction, body: Record<string, unknown> = {}): Promise<CaseFileDetail> {
      return client.post<CaseFileDetail>(`/api/v1/records/case-files/${id}/actions/${action}`, body);
    },
    handovers(): Promise<Handover[]> {
      return client.get<Handover[]>("/api/v1/records/handovers");
    },
    propose(caseFileIds: number[], deadline?: string): Promise<Handover> {
      return client.post<Handover>("/api/v1/records/handovers", { case_file_ids: caseFileIds, deadline: deadline || null });
    },
    receive(id: number): Promise<Handover> {
      return client.post<Handover>(`/api/v1/records/handovers/${id}/receive`);
    },
    exportPackage(id: number): Promise<Blob> {
      return client.request<Blob>("GET", `/api/v1/records/handovers/${id}/export`, { expect: "blob" });
    },
    storedFile(fileId: number): Promise<Blob> {
      return client.request<Blob>("GET", `/api/v1/files/${fileId}/content`, { expect: "blob" });
    },
  };
}
