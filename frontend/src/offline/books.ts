// The meeting books this device holds: per meeting its key (wrapped by the device key), the book's list
// and the meeting's JSON (sealed), and each document's bytes as sealed chunks, per version (ETag), so that
// a copy being replaced stays readable until its successor is complete.
import type { AutoDownload, OfflineBook, OfflineDocument } from "../api/offline";
import { deviceKey, open, openJson, seal, sealJson, sha256Hex, unwrapBookKey, wrapBookKey, type Sealed } from "./crypto";
import type { OfflineStore } from "./store";

export interface BookHeader {
  meetingId: number;
  userId: number;
  keyId: string;
  wrappedKey: Sealed;
  keepUntil: string | null;
  autoDownload: AutoDownload;
  /** When the server last gave the book. */
  checkedAt: string;
}

/** One version of one document on the device (no name here: names are in the sealed list). */
export interface StoredDocument {
  meetingId: number;
  documentId: number;
  etag: string;
  size: number;
  chunkSize: number;
  /** Chunks stored, in order from the first. */
  chunks: number;
  stored: number;
  complete: boolean;
  downloadedAt: string | null;
}

/** What the sealed JSON of a meeting holds: the book's list, the meeting page's data, the room's last state. */
export type JsonPart = "list" | "meeting" | "room";

const pad = (index: number) => String(index).padStart(6, "0");
/** A version's part of the keys, from its ETag. */
export const versionOf = (etag: string) => etag.replace(/[^A-Za-z0-9]/g, "").slice(0, 64) || "none";
const headerKey = (meetingId: number) => `h:${meetingId}`;
const jsonKey = (meetingId: number, part: JsonPart) => `j:${meetingId}:${part}`;
const documentPrefix = (meetingId: number, documentId?: number) =>
  documentId === undefined ? `${meetingId}:` : `${meetingId}:${documentId}:`;
const versionKey = (d: Pick<StoredDocument, "meetingId" | "documentId" | "etag">) =>
  `${documentPrefix(d.meetingId, d.documentId)}${versionOf(d.etag)}`;
const chunkKey = (d: StoredDocument, index: number) => `${versionKey(d)}:${pad(index)}`;
const chunkBinding = (d: StoredDocument, index: number) => `chunk|${d.meetingId}|${d.documentId}|${d.etag}|${index}`;
const keyBinding = (meetingId: number, keyId: string) => `book-key|${meetingId}|${keyId}`;

export class CorruptDocument extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorruptDocument";
  }
}

export class BookShelf {
  private readonly keys = new Map<number, { keyId: string; key: Promise<CryptoKey> }>();

  constructor(
    readonly store: OfflineStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  header(meetingId: number): Promise<BookHeader | undefined> {
    return this.store.get<BookHeader>("books", headerKey(meetingId));
  }

  async headers(): Promise<BookHeader[]> {
    return (await this.store.entries<BookHeader>("books", "h:")).map(([, header]) => header);
  }

  /** The book's key, unwrapped (never extractable); null when the device holds no book of the meeting. */
  async key(meetingId: number): Promise<CryptoKey | null> {
    const header = await this.header(meetingId);
    if (!header) return null;
    const known = this.keys.get(meetingId);
    if (known && known.keyId === header.keyId) return known.key;
    const key = deviceKey(this.store).then((device) =>
      unwrapBookKey(device, header.wrappedKey, keyBinding(meetingId, header.keyId)),
    );
    this.keys.set(meetingId, { keyId: header.keyId, key });
    key.catch(() => this.keys.delete(meetingId));
    return key;
  }

  /**
   * Keep what the server says of the book now. A new key (a device of the user was revoked) makes what
   * was sealed with the old one worthless: it is dropped. Documents no longer in the list (the user
   * removed from an item, an item made confidential) are erased. Returns the documents whose copy on the
   * device is missing, incomplete or of another version.
   */
  async saveBook(userId: number, book: OfflineBook): Promise<OfflineDocument[]> {
    const meetingId = book.meeting_id;
    const before = await this.header(meetingId);
    if (before && (before.keyId !== book.key_id || before.userId !== userId)) await this.drop(meetingId);
    const kept = before && before.keyId === book.key_id && before.userId === userId;
    const header: BookHeader = {
      meetingId,
      userId,
      keyId: book.key_id,
      wrappedKey: kept
        ? before.wrappedKey
        : await wrapBookKey(await deviceKey(this.store), book.key, keyBinding(meetingId, book.key_id)),
      keepUntil: book.keep_until,
      autoDownload: book.auto_download,
      checkedAt: this.now().toISOString(),
    };
    await this.store.put("books", headerKey(meetingId), header);
    await this.saveJson(meetingId, "list", book.documents);
    const listed = new Set(book.documents.map((d) => d.id));
    const copies = await this.copies(meetingId);
    for (const copy of copies) {
      if (!listed.has(copy.documentId)) await this.dropDocument(meetingId, copy.documentId);
    }
    return book.documents.filter(
      (d) => !copies.some((c) => c.documentId === d.id && c.etag === d.etag && c.complete),
    );
  }

  async saveJson(meetingId: number, part: JsonPart, value: unknown): Promise<void> {
    const key = await this.key(meetingId);
    if (!key) return;
    await this.store.put("books", jsonKey(meetingId, part), await sealJson(key, value, `json|${meetingId}|${part}`));
  }

  async readJson<T>(meetingId: number, part: JsonPart): Promise<T | null> {
    const [key, sealed] = await Promise.all([
      this.key(meetingId),
      this.store.get<Sealed>("books", jsonKey(meetingId, part)),
    ]);
    if (!key || !sealed) return null;
    return openJson<T>(key, sealed, `json|${meetingId}|${part}`);
  }

  /** Every version of every document of the meeting on the device. */
  async copies(meetingId: number, documentId?: number): Promise<StoredDocument[]> {
    return (await this.store.entries<StoredDocument>("documents", documentPrefix(meetingId, documentId))).map(
      ([, record]) => record,
    );
  }

  /** The complete copy of a document the device can show, the newest one. */
  async localCopy(meetingId: number, documentId: number): Promise<StoredDocument | null> {
    const complete = (await this.copies(meetingId, documentId)).filter((c) => c.complete);
    complete.sort((a, b) => (b.downloadedAt ?? "").localeCompare(a.downloadedAt ?? ""));
    return complete[0] ?? null;
  }

  /** The record of that version, started when new (a download resumes from its chunks). */
  async begin(meetingId: number, document: Pick<OfflineDocument, "id" | "etag" | "size">, chunkSize: number) {
    const fresh: StoredDocument = {
      meetingId,
      documentId: document.id,
      etag: document.etag,
      size: document.size,
      chunkSize,
      chunks: 0,
      stored: 0,
      complete: false,
      downloadedAt: null,
    };
    const existing = await this.store.get<StoredDocument>("documents", versionKey(fresh));
    if (existing && existing.chunkSize === chunkSize && existing.size === document.size) return existing;
    if (existing) await this.reset(existing);
    await this.store.put("documents", versionKey(fresh), fresh);
    return fresh;
  }

  /** The next chunk, sealed; the record moves on only once the chunk is stored. */
  async append(record: StoredDocument, bytes: Uint8Array): Promise<StoredDocument> {
    const key = await this.key(record.meetingId);
    if (!key) throw new CorruptDocument("the meeting's book is no longer on the device");
    const index = record.chunks;
    await this.store.put("chunks", chunkKey(record, index), await seal(key, bytes as BufferSource, chunkBinding(record, index)));
    const next = { ...record, chunks: index + 1, stored: record.stored + bytes.length };
    await this.store.put("documents", versionKey(next), next);
    return next;
  }

  /** Start the version over (the server sent it whole instead of the range asked for). */
  async reset(record: StoredDocument): Promise<StoredDocument> {
    await this.store.deletePrefix("chunks", `${versionKey(record)}:`);
    const next = { ...record, chunks: 0, stored: 0, complete: false, downloadedAt: null };
    await this.store.put("documents", versionKey(next), next);
    return next;
  }

  /**
   * All bytes are in: checked against the ETag when it is the file's SHA-256 (it is, from this server),
   * then this version becomes the device's copy and older ones are erased.
   */
  async finish(record: StoredDocument): Promise<StoredDocument> {
    const bytes = await this.readVersion(record);
    const expected = /^"?([0-9a-f]{64})"?$/i.exec(record.etag)?.[1]?.toLowerCase();
    if (bytes.length !== record.size || (expected && (await sha256Hex(bytes as BufferSource)) !== expected)) {
      await this.reset(record);
      throw new CorruptDocument(`document ${record.documentId}: the bytes received are not the version listed`);
    }
    const done = { ...record, complete: true, downloadedAt: this.now().toISOString() };
    await this.store.put("documents", versionKey(done), done);
    for (const other of await this.copies(record.meetingId, record.documentId)) {
      if (other.etag !== record.etag) await this.dropVersion(other);
    }
    return done;
  }

  /** The clear bytes of a stored version (kept in memory only). */
  async readVersion(record: StoredDocument): Promise<Uint8Array> {
    const key = await this.key(record.meetingId);
    if (!key) throw new CorruptDocument("the meeting's book is no longer on the device");
    const sealed = await this.store.entries<Sealed>("chunks", `${versionKey(record)}:`);
    if (sealed.length !== record.chunks) throw new CorruptDocument(`document ${record.documentId}: chunks missing`);
    const parts = await Promise.all(sealed.map(([, chunk], index) => open(key, chunk, chunkBinding(record, index))));
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(new Uint8Array(part), offset);
      offset += part.byteLength;
    }
    return bytes;
  }

  private async dropVersion(record: StoredDocument): Promise<void> {
    await this.store.deletePrefix("chunks", `${versionKey(record)}:`);
    await this.store.delete("documents", versionKey(record));
  }

  async dropDocument(meetingId: number, documentId: number): Promise<void> {
    await this.store.deletePrefix("chunks", documentPrefix(meetingId, documentId));
    await this.store.deletePrefix("documents", documentPrefix(meetingId, documentId));
  }

  /** Everything of the meeting off the device: its documents, its JSON and its key. */
  async drop(meetingId: number): Promise<void> {
    await this.store.deletePrefix("chunks", documentPrefix(meetingId));
    await this.store.deletePrefix("documents", documentPrefix(meetingId));
    await this.store.deletePrefix("books", `j:${meetingId}:`);
    await this.store.delete("books", headerKey(meetingId));
    this.keys.delete(meetingId);
  }

  /** The books kept past their keep_until (the meeting closed longer ago than the retention). */
  async expired(): Promise<BookHeader[]> {
    const now = this.now().getTime();
    return (await this.headers()).filter((h) => h.keepUntil !== null && new Date(h.keepUntil).getTime() <= now);
  }
}
