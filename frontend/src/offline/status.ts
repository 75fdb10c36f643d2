// What the meeting page and the room say of each document of a book (on the device, downloading, failed,
// or a newer version on the server than the copy kept), which copy the room shows, and notes in waiting.
import type { Annotation } from "../api/room";
import type { StoredDocument } from "./books";
import type { DownloadProgress } from "./downloadQueue";
import type { OutboxEntry } from "./outbox";

export type CopyStatus = "none" | "waiting" | "downloading" | "done" | "failed" | "stale";

export interface BookRow {
  id: number;
  name: string;
  size: number;
  status: CopyStatus;
  loaded: number;
  error: string | null;
  /** When the copy on the device was downloaded (null without one). */
  downloadedAt: string | null;
}

export interface ListedDocument {
  id: number;
  name: string;
  size: number | null;
  /** The server's current version, when known (the book's list). */
  etag?: string;
}

export function bookRows(
  documents: ListedDocument[],
  copies: Map<number, StoredDocument>,
  progress: (documentId: number) => DownloadProgress | undefined,
): BookRow[] {
  return documents.map((document) => {
    const copy = copies.get(document.id) ?? null;
    const current = !!copy && (!document.etag || copy.etag === document.etag);
    const p = progress(document.id);
    const size = document.size ?? copy?.size ?? p?.size ?? 0;
    let status: CopyStatus = current ? "done" : copy ? "stale" : "none";
    if (p && p.status !== "done" && !(current && p.status === "failed")) status = p.status;
    return {
      id: document.id,
      name: document.name,
      size,
      status,
      loaded: status === "done" ? size : (p?.loaded ?? 0),
      error: status === "failed" ? p?.error ?? null : null,
      downloadedAt: copy?.downloadedAt ?? null,
    };
  });
}

/** A note waiting in the outbox, shown at once (a negative id until the server's copy replaces it). */
export function provisional(entry: OutboxEntry, authorId: number): Annotation {
  return {
    meeting_id: entry.meetingId,
    id: -entry.seq,
    document_id: entry.body.document_id,
    page: entry.body.page,
    author_id: authorId,
    shared: entry.body.shared,
    data: entry.body.data,
    client_id: entry.body.client_id,
    created_at: entry.createdAt,
  };
}

/**
 * Which copy to show: the device's when it is the server's current version, or when the server cannot
 * be reached (whatever its age); the server's (read by ranges) otherwise; none offline without a copy.
 */
export function chooseSource(copy: StoredDocument | null, serverEtag: string | undefined, reachable: boolean): "device" | "server" | "none" {
  if (copy && (!reachable || serverEtag === undefined || serverEtag === copy.etag)) return "device";
  return reachable ? "server" : copy ? "device" : "none";
}

/** Whether this browser can keep encrypted books: IndexedDB and Web Crypto (a secure origin). */
export function offlineSupport(): "ok" | "insecure" | "unsupported" {
  if (typeof indexedDB === "undefined") return "unsupported";
  if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) return "insecure";
  return "ok";
}
