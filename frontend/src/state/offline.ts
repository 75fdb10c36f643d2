// The device's offline meeting books in the browser: one library over IndexedDB, its download progress as
// reactive state for the meeting page and the room, the storage the browser grants, and the erasures.
import { reactive } from "vue";
import { api, meetings } from "../api";
import type { MeetingDetail } from "../api/meetings";
import { offlineApi, type OfflineDocument } from "../api/offline";
import { BookShelf, type StoredDocument } from "../offline/books";
import { DownloadQueue, type DownloadProgress } from "../offline/downloadQueue";
import { OfflineLibrary } from "../offline/library";
import { Outbox } from "../offline/outbox";
import { keepShell } from "../offline/serviceWorker";
import { indexedDbStore, memoryStore, type OfflineStore } from "../offline/store";
import { session } from "./session";

export const offlineRest = offlineApi(api);

const store: OfflineStore = typeof indexedDB !== "undefined" ? indexedDbStore() : memoryStore();
export const shelf = new BookShelf(store);
export const outbox = new Outbox(store);

export const offline = reactive({
  /** Per "meeting:document": the queue's last word on it. */
  progress: {} as Record<string, DownloadProgress>,
  /** Bytes used and granted to the site (navigator.storage.estimate()). */
  estimate: null as { usage: number; quota: number } | null,
  /** Whether the browser keeps the site's data under storage pressure (navigator.storage.persist()). */
  persisted: null as boolean | null,
  /** Bumped when what the device holds changes: views reload their list of local copies. */
  generation: 0,
});

const queue = new DownloadQueue({
  shelf,
  fetch: (url, headers, signal) => api.raw(url, headers, signal),
  onProgress: (progress) => {
    offline.progress[`${progress.meetingId}:${progress.documentId}`] = progress;
    if (progress.status === "done" || progress.status === "failed") {
      offline.generation++;
      void refreshEstimate();
    }
  },
});

export const library = new OfflineLibrary({
  shelf,
  queue,
  outbox,
  api: offlineRest,
  meetings,
  userId: () => session.user?.id ?? null,
});

export type FlushResult = Awaited<ReturnType<OfflineLibrary["flush"]>>;
const sentListeners = new Set<(result: FlushResult) => void>();

/** Told of every note the outbox delivered or had refused, whoever asked for the round (the room listens). */
export function onOutboxDelivered(listener: (result: FlushResult) => void): () => void {
  sentListeners.add(listener);
  return () => sentListeners.delete(listener);
}

/** Send the outbox (on reconnect, on a new note, when the app opens online). */
export async function flushOutbox(): Promise<void> {
  const result = await library.flush().catch(() => null);
  if (result && (result.sent.length || result.refused.length)) sentListeners.forEach((listener) => listener(result));
}

export function progressOf(meetingId: number, documentId: number): DownloadProgress | undefined {
  return offline.progress[`${meetingId}:${documentId}`];
}

export async function refreshEstimate(): Promise<void> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.estimate) return;
  const { usage = 0, quota = 0 } = await storage.estimate();
  offline.estimate = { usage, quota };
  if (offline.persisted === null && storage.persisted) offline.persisted = await storage.persisted();
}

/** Ask the browser not to evict the books under storage pressure (it may say no; the books stay either way). */
async function askToPersist(): Promise<void> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.persist || offline.persisted) return;
  offline.persisted = await storage.persist().catch(() => false);
}

/** "Tải tài liệu về máy". */
export async function downloadBook(meetingId: number, meeting?: MeetingDetail) {
  await askToPersist();
  const book = await library.download(meetingId, meeting);
  offline.generation++;
  await refreshEstimate();
  return book;
}

export async function localCopies(meetingId: number): Promise<Map<number, StoredDocument>> {
  return library.localCopies(meetingId);
}

/** A document's bytes from the device, as a Blob for pdf.js (held in memory only). */
export async function readLocal(copy: StoredDocument): Promise<Blob> {
  return new Blob([(await shelf.readVersion(copy)) as BlobPart], { type: "application/pdf" });
}

/** The meeting's page as kept with its book, for reading it without the network. */
export async function keptMeeting(meetingId: number): Promise<MeetingDetail | null> {
  if (!(await shelf.header(meetingId).catch(() => undefined))) return null;
  return shelf.readJson<MeetingDetail>(meetingId, "meeting").catch(() => null);
}

/** A document's copy on the device when it is the version the book lists (else null: ask the server). */
export async function keptDocument(meetingId: number, documentId: number): Promise<Blob | null> {
  if (typeof indexedDB === "undefined") return null;
  const copy = await shelf.localCopy(meetingId, documentId).catch(() => null);
  const listed = copy && (await shelf.readJson<OfflineDocument[]>(meetingId, "list").catch(() => null));
  const current = listed?.find((d) => d.id === documentId);
  return copy && (!current || current.etag === copy.etag) ? readLocal(copy) : null;
}

export async function eraseBook(meetingId: number): Promise<void> {
  queue.cancel(meetingId);
  await shelf.drop(meetingId);
  offline.generation++;
  await refreshEstimate();
}

/**
 * When the app opens with a user: expired and foreign books erased, the others brought in step, the
 * books due by their meeting's setting downloaded, the outbox sent.
 */
export async function startOffline(): Promise<void> {
  const online = globalThis.navigator?.onLine !== false;
  await library.sweep(online).catch(() => undefined);
  if (!online) return;
  void keepShell().catch(() => undefined);
  await library.autoDownload().catch(() => undefined);
  await flushOutbox();
  offline.generation++;
}

/**
 * Logging out: the notes still in the outbox are sent if they can be; whether some could not (the user
 * is asked before they are erased with the rest). Returns the number left.
 */
export async function notesLeftOnLogout(): Promise<number> {
  const userId = session.user?.id;
  if (userId === undefined || typeof indexedDB === "undefined") return 0;
  await flushOutbox();
  return (await outbox.pending(userId).catch(() => [])).length;
}

/** Everything offline off the device: IndexedDB (books, keys, outbox) and the site's Cache Storage. */
export async function wipeDevice(): Promise<void> {
  queue.cancel();
  await store.destroy().catch(() => undefined);
  const caches = globalThis.caches;
  if (caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  offline.progress = {};
  offline.generation++;
}
