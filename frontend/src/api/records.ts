// The records API (eoffice/records/api.py): the file list, case files, hand-overs to the archive.
import type { ApiClient, Query } from "./client";
import type { CaseFileAction, CaseFileDetail, CaseFileSummary, FileListEntry, Handover } from "./types";

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
