// The download queue of meeting books: two documents at a time, each stored sealed chunk by chunk as it
// arrives, so that an interrupted download resumes by a Range request from the last chunk stored. With S3
// the book names the store's own signed URL of each document: the bytes come from there without the token
// (the server is not asked), and from the API's URL once that one has failed (expired: 403).
import { errorFromResponse } from "../api/errors";
import type { BookShelf, StoredDocument } from "./books";

export interface DownloadItem {
  meetingId: number;
  documentId: number;
  url: string;
  /** The store's signed URL of the same bytes (S3), fetched without the token; null to use `url` only. */
  directUrl?: string | null;
  etag: string;
  size: number;
}

export type DownloadStatus = "waiting" | "downloading" | "done" | "failed";

export interface DownloadProgress {
  meetingId: number;
  documentId: number;
  status: DownloadStatus;
  loaded: number;
  size: number;
  /** Why it failed: an error code (the server's, or network_error, document_changed, corrupt). */
  error: string | null;
}

/** Fetches a URL of the API with the session's token and the device's headers (ApiClient.raw). */
export type RangeFetch = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<Response>;

export interface QueueOptions {
  shelf: BookShelf;
  fetch: RangeFetch;
  /** Fetches a store's signed URL (another origin): no token, no device headers, no cookies. */
  fetchDirect?: RangeFetch;
  concurrency?: number;
  chunkSize?: number;
  /** Attempts in a row without a new chunk stored before a document is given up (until asked again). */
  attempts?: number;
  onProgress?: (progress: DownloadProgress) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const CHUNK_SIZE = 1024 * 1024;

export class DownloadFailed extends Error {
  constructor(
    readonly code: string,
    readonly retriable: boolean,
  ) {
    super(code);
    this.name = "DownloadFailed";
  }
}

const keyOf = (meetingId: number, documentId: number) => `${meetingId}:${documentId}`;

/** "bytes 100-199/1000" → 100. */
function rangeStart(header: string | null): number | null {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header?.trim() ?? "");
  return match ? Number(match[1]) : null;
}

export class DownloadQueue {
  private readonly waiting: DownloadItem[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly progress = new Map<string, DownloadProgress>();
  private idleWaiters: (() => void)[] = [];
  private readonly options: Required<QueueOptions>;

  constructor(options: QueueOptions) {
    this.options = {
      concurrency: 2,
      chunkSize: CHUNK_SIZE,
      attempts: 4,
      fetchDirect: (url, headers, signal) => fetch(url, { headers, signal, credentials: "omit" }),
      onProgress: () => undefined,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
  }

  /** Queue documents (one already waiting or downloading is not queued twice). */
  add(items: DownloadItem[]): void {
    for (const item of items) {
      const key = keyOf(item.meetingId, item.documentId);
      if (this.running.has(key) || this.waiting.some((w) => keyOf(w.meetingId, w.documentId) === key)) continue;
      this.waiting.push(item);
      this.report(item, "waiting", 0, null);
    }
    this.pump();
  }

  state(meetingId: number, documentId: number): DownloadProgress | undefined {
    return this.progress.get(keyOf(meetingId, documentId));
  }

  get busy(): boolean {
    return this.running.size > 0 || this.waiting.length > 0;
  }

  /** Resolves once nothing is waiting or downloading. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop the meeting's downloads (all when no meeting is named); what is stored stays for a later resume. */
  cancel(meetingId?: number): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (meetingId === undefined || this.waiting[i].meetingId === meetingId) this.waiting.splice(i, 1);
    }
    for (const [key, controller] of this.running) {
      if (meetingId === undefined || key.startsWith(`${meetingId}:`)) controller.abort();
    }
    if (!this.busy) this.settle();
  }

  private report(item: DownloadItem, status: DownloadStatus, loaded: number, error: string | null): void {
    const progress = { meetingId: item.meetingId, documentId: item.documentId, status, loaded, size: item.size, error };
    this.progress.set(keyOf(item.meetingId, item.documentId), progress);
    this.options.onProgress(progress);
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.waiting.length) {
      const item = this.waiting.shift() as DownloadItem;
      const controller = new AbortController();
      const key = keyOf(item.meetingId, item.documentId);
      this.running.set(key, controller);
      void this.download(item, controller.signal).finally(() => {
        this.running.delete(key);
        this.pump();
        if (!this.busy) this.settle();
      });
    }
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private async download(item: DownloadItem, signal: AbortSignal): Promise<void> {
    const { shelf, chunkSize, attempts, sleep } = this.options;
    let record = await shelf.begin(item.meetingId, { id: item.documentId, etag: item.etag, size: item.size }, chunkSize);
    if (record.complete) {
      this.report(item, "done", record.stored, null);
      return;
    }
    let failures = 0;
    let direct = item.directUrl ?? null;
    for (;;) {
      this.report(item, "downloading", record.stored, null);
      const before = record.chunks;
      try {
        record = await this.fetchRest(item, direct, record, signal);
        record = await shelf.finish(record);
        this.report(item, "done", record.stored, null);
        return;
      } catch (error) {
        const failure = this.classify(error, signal);
        record = (await shelf.copies(item.meetingId, item.documentId)).find((c) => c.etag === item.etag) ?? record;
        if (direct !== null && !signal.aborted && failure.code !== "network_error") {
          // The store refused the signed URL (expired: 403) or sent something else than asked: from now on
          // the API's URL, which checks the caller again and points at a freshly signed one. The store's
          // refusal tells nothing of the caller's rights: the server decides, at once. (A dropped
          // connection is retried where it was: the API's URL would lead to the same store.)
          direct = null;
          if (!failure.retriable) continue;
        }
        failures = record.chunks > before ? 1 : failures + 1;
        if (!failure.retriable || failures >= attempts || signal.aborted) {
          this.report(item, "failed", record.stored, failure.code);
          return;
        }
        await sleep(500 * 2 ** (failures - 1));
      }
    }
  }

  private classify(error: unknown, signal: AbortSignal): DownloadFailed {
    if (signal.aborted) return new DownloadFailed("cancelled", false);
    if (error instanceof DownloadFailed) return error;
    if ((error as Error)?.name === "CorruptDocument") return new DownloadFailed("corrupt", true);
    const status = (error as { status?: number })?.status;
    if (typeof status === "number" && status > 0) {
      return new DownloadFailed((error as { code?: string }).code ?? `http_${status}`, status >= 500 || status === 429);
    }
    // fetch's TypeError: no connection, or it dropped mid-way.
    return new DownloadFailed("network_error", true);
  }

  /**
   * Fetch from the first byte not stored yet to the end, from the store's signed URL when given, sealing each
   * whole chunk as it arrives.
   */
  private async fetchRest(
    item: DownloadItem,
    direct: string | null,
    start: StoredDocument,
    signal: AbortSignal,
  ): Promise<StoredDocument> {
    const { shelf, fetch, fetchDirect, chunkSize } = this.options;
    let record = start;
    const offset = record.chunks * chunkSize;
    if (record.chunks > 0 && offset >= item.size) return record;
    // The URL names this version for good (a file's own URL): a plain Range is enough, no If-Range, which a
    // presigned store URL would compare with an ETag of its own. The whole copy is checked against the
    // SHA-256 of the book's ETag once stored, whichever URL served it.
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const response = direct !== null ? await fetchDirect(direct, headers, signal) : await fetch(item.url, headers, signal);
    if (response.status === 206) {
      if (rangeStart(response.headers.get("Content-Range")) !== offset) {
        throw new DownloadFailed("bad_range", true);
      }
    } else if (response.status === 200) {
      if (record.chunks > 0) record = await shelf.reset(record);
    } else {
      throw await errorFromResponse(response);
    }
    if (!response.body) throw new DownloadFailed("network_error", true);
    const reader = response.body.getReader();
    let buffer = new Uint8Array(chunkSize);
    let filled = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let used = 0;
      while (used < value.length) {
        const take = Math.min(chunkSize - filled, value.length - used);
        buffer.set(value.subarray(used, used + take), filled);
        filled += take;
        used += take;
        if (filled === chunkSize) {
          record = await shelf.append(record, buffer);
          this.report(item, "downloading", record.stored, null);
          buffer = new Uint8Array(chunkSize);
          filled = 0;
        }
      }
      if (record.stored + filled > item.size) throw new DownloadFailed("corrupt", true);
    }
    // Only the file's last chunk may be short: a stream cut early leaves its tail for the resume to fetch.
    if (record.stored + filled !== item.size) throw new DownloadFailed("network_error", true);
    if (filled > 0) record = await shelf.append(record, buffer.subarray(0, filled));
    return record;
  }
}
