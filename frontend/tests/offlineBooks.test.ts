// The encryption at rest of meeting books, over the in-memory store (the IndexedDB store has the same
// interface; Node has no IndexedDB and fake-indexeddb is not a dependency of the project).
import { describe, expect, it } from "vitest";
import type { OfflineBook } from "../src/api/offline";
import { BookShelf, CorruptDocument } from "../src/offline/books";
import { deviceKey, open, seal, sha256Hex, unwrapBookKey, wrapBookKey } from "../src/offline/crypto";
import { memoryStore } from "../src/offline/store";

const KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i + 1)));
const OTHER_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 200 - i)));
const bytes = (text: string) => new TextEncoder().encode(text);

async function etagOf(data: Uint8Array) {
  return `"${await sha256Hex(data as BufferSource)}"`;
}

function book(documents: OfflineBook["documents"], overrides: Partial<OfflineBook> = {}): OfflineBook {
  return { meeting_id: 7, key: KEY, key_id: "g0-aaaa", keep_until: null, auto_download: "manual", documents, ...overrides };
}

const doc = (id: number, etag: string, size: number) => ({
  id,
  file_id: 100 + id,
  name: `Tài liệu ${id}.pdf`,
  size,
  etag,
  content_type: "application/pdf",
  agenda_item_id: null,
  url: `/api/v1/files/${100 + id}/content`,
});

/** Everything the store holds, as bytes, to look for clear text in it. */
async function everythingStored(store: ReturnType<typeof memoryStore>): Promise<string> {
  const parts: string[] = [];
  for (const name of ["books", "documents", "chunks", "outbox"] as const) {
    for (const [, value] of await store.entries<unknown>(name)) {
      parts.push(JSON.stringify(value, (_k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? new TextDecoder().decode(v as ArrayBuffer) : v)));
    }
  }
  return parts.join("\n");
}

describe("the device key and the book key", () => {
  it("makes one device key that cannot be read out, and keeps it", async () => {
    const store = memoryStore();
    const key = await deviceKey(store);
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("raw", key)).rejects.toThrow();
    expect(await deviceKey(store)).toBe(key);
  });

  it("keeps the book key only wrapped, unwrapped never extractable, bound to its meeting", async () => {
    const device = await deviceKey(memoryStore());
    const wrapped = await wrapBookKey(device, KEY, "book-key|7|g0");
    const raw = Uint8Array.from(atob(KEY), (c) => c.charCodeAt(0));
    // The key's 32 bytes encrypted, and GCM's 16-byte tag.
    expect(wrapped.data.byteLength).toBe(48);
    expect(new Uint8Array(wrapped.data).slice(0, 32)).not.toEqual(raw);
    const key = await unwrapBookKey(device, wrapped, "book-key|7|g0");
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("raw", key)).rejects.toThrow();
    // Moved to another meeting's place, it does not open.
    await expect(unwrapBookKey(device, wrapped, "book-key|8|g0")).rejects.toThrow();
    // Another device's key does not open it either.
    await expect(unwrapBookKey(await deviceKey(memoryStore()), wrapped, "book-key|7|g0")).rejects.toThrow();
  });

  it("seals with a fresh IV each time and refuses a piece bound to something else", async () => {
    const key = await deviceKey(memoryStore());
    const a = await seal(key, bytes("Trang 1"), "chunk|1");
    const b = await seal(key, bytes("Trang 1"), "chunk|1");
    expect(a.iv).not.toEqual(b.iv);
    expect(new TextDecoder().decode(await open(key, a, "chunk|1"))).toBe("Trang 1");
    await expect(open(key, a, "chunk|2")).rejects.toThrow();
  });
});

describe("a meeting book on the shelf", () => {
  it("stores a document as sealed chunks, nothing in clear, and reads it back whole", async () => {
    const store = memoryStore();
    const shelf = new BookShelf(store);
    const content = bytes("%PDF-1.7 Kế hoạch đầu tư công năm 2027 — bí mật ".repeat(50));
    const etag = await etagOf(content);
    await shelf.saveBook(3, book([doc(1, etag, content.length)]));
    await shelf.saveJson(7, "meeting", { title: "Họp giao ban quý IV" });
    let record = await shelf.begin(7, { id: 1, etag, size: content.length }, 1000);
    for (let at = 0; at < content.length; at += 1000) record = await shelf.append(record, content.subarray(at, at + 1000));
    record = await shelf.finish(record);
    expect(record.complete).toBe(true);
    expect(store.size("chunks")).toBe(Math.ceil(content.length / 1000));

    expect(await shelf.readVersion(record)).toEqual(content);
    expect(await shelf.readJson(7, "meeting")).toEqual({ title: "Họp giao ban quý IV" });
    const raw = await everythingStored(store);
    expect(raw).not.toContain("Kế hoạch");
    expect(raw).not.toContain("Họp giao ban");
    expect(raw).not.toContain("Tài liệu 1.pdf");
    expect(raw).not.toContain(KEY);
  });

  it("refuses bytes that are not the listed version and starts that version over", async () => {
    const shelf = new BookShelf(memoryStore());
    const etag = await etagOf(bytes("the real file"));
    await shelf.saveBook(3, book([doc(1, etag, 13)]));
    let record = await shelf.begin(7, { id: 1, etag, size: 13 }, 1024);
    record = await shelf.append(record, bytes("a forged file"));
    await expect(shelf.finish(record)).rejects.toBeInstanceOf(CorruptDocument);
    expect(await shelf.copies(7)).toMatchObject([{ chunks: 0, stored: 0, complete: false }]);
  });

  it("keeps the old copy readable while a changed document downloads, then drops it", async () => {
    const shelf = new BookShelf(memoryStore(), () => new Date("2026-12-01T08:00:00Z"));
    const v1 = bytes("version one");
    const v2 = bytes("version two, longer");
    await shelf.saveBook(3, book([doc(1, await etagOf(v1), v1.length)]));
    await shelf.finish(await shelf.append(await shelf.begin(7, { id: 1, etag: await etagOf(v1), size: v1.length }, 64), v1));

    const missing = await shelf.saveBook(3, book([doc(1, await etagOf(v2), v2.length)]));
    expect(missing.map((d) => d.id)).toEqual([1]);
    const old = await shelf.localCopy(7, 1);
    expect(old && (await shelf.readVersion(old))).toEqual(v1);

    await shelf.finish(await shelf.append(await shelf.begin(7, { id: 1, etag: await etagOf(v2), size: v2.length }, 64), v2));
    const copies = await shelf.copies(7, 1);
    expect(copies).toHaveLength(1);
    expect(await shelf.readVersion(copies[0])).toEqual(v2);
  });

  it("erases a document that left the list, and the whole book when the key changes", async () => {
    const store = memoryStore();
    const shelf = new BookShelf(store);
    const a = bytes("document a");
    const b = bytes("document b");
    const list = [doc(1, await etagOf(a), a.length), doc(2, await etagOf(b), b.length)];
    await shelf.saveBook(3, book(list));
    for (const [d, content] of [[list[0], a], [list[1], b]] as const) {
      await shelf.finish(await shelf.append(await shelf.begin(7, d, 64), content));
    }
    // The user was taken off the confidential item holding document 2.
    await shelf.saveBook(3, book([list[0]]));
    expect((await shelf.copies(7)).map((c) => c.documentId)).toEqual([1]);
    expect(store.size("chunks")).toBe(1);

    // A device of the user was revoked: a new key, and nothing sealed with the old one is kept.
    const missing = await shelf.saveBook(3, book([list[0]], { key: OTHER_KEY, key_id: "g1-bbbb" }));
    expect(missing.map((d) => d.id)).toEqual([1]);
    expect(store.size("chunks")).toBe(0);
    expect((await shelf.header(7))?.keyId).toBe("g1-bbbb");
  });

  it("names the books kept past keep_until", async () => {
    const shelf = new BookShelf(memoryStore(), () => new Date("2026-12-10T00:00:00Z"));
    await shelf.saveBook(3, book([], { meeting_id: 1, keep_until: "2026-12-09T00:00:00+00:00" }));
    await shelf.saveBook(3, book([], { meeting_id: 2, keep_until: "2026-12-11T00:00:00+00:00" }));
    await shelf.saveBook(3, book([], { meeting_id: 3, keep_until: null }));
    expect((await shelf.expired()).map((h) => h.meetingId)).toEqual([1]);
    await shelf.drop(1);
    expect((await shelf.headers()).map((h) => h.meetingId).sort()).toEqual([2, 3]);
  });
});
