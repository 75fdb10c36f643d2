// The download queue against a fake file server: ranges, cut connections, two at a time, progress.
import { describe, expect, it } from "vitest";
import type { OfflineBook } from "../src/api/offline";
import { BookShelf } from "../src/offline/books";
import { sha256Hex } from "../src/offline/crypto";
import { DownloadQueue, type DownloadItem, type DownloadProgress, type RangeFetch } from "../src/offline/downloadQueue";
import { memoryStore } from "../src/offline/store";

const KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)));
const CHUNK = 100;

function fileOf(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251);
}

interface Served {
  url: string;
  range: string | null;
}

/**
 * Files by URL; `cutAfter` cuts the next answers of a URL after that many bytes (the stream errors), and
 * `ignoreRanges` answers 200 with the whole file, as a server that cannot serve ranges does.
 */
function fakeServer(files: Record<string, Uint8Array>) {
  const served: Served[] = [];
  const cuts: Record<string, number[]> = {};
  let open = 0;
  let mostOpen = 0;
  const options = { ignoreRanges: false, status: {} as Record<string, number> };
  const fetch: RangeFetch = async (url, headers) => {
    served.push({ url, range: headers.Range ?? null });
    const forced = options.status[url];
    if (forced) return new Response(JSON.stringify({ error: { code: "not_invited", message: "no" } }), { status: forced });
    const file = files[url];
    const match = /^bytes=(\d+)-$/.exec(headers.Range ?? "");
    const start = match && !options.ignoreRanges ? Number(match[1]) : 0;
    const body = file.subarray(start);
    const cut = cuts[url]?.shift();
    open++;
    mostOpen = Math.max(mostOpen, open);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (cut !== undefined && sent >= cut) {
          open--;
          controller.error(new TypeError("network error"));
          return;
        }
        const piece = body.subarray(sent, sent + 37);
        if (!piece.length) {
          open--;
          controller.close();
          return;
        }
        sent += piece.length;
        controller.enqueue(piece.slice());
      },
    });
    const partial = start > 0;
    return new Response(stream, {
      status: partial ? 206 : 200,
      headers: partial ? { "Content-Range": `bytes ${start}-${file.length - 1}/${file.length}` } : {},
    });
  };
  return { fetch, served, cuts, options, mostOpen: () => mostOpen };
}

async function setUp(sizes: number[]) {
  const files: Record<string, Uint8Array> = {};
  const items: DownloadItem[] = [];
  const documents: OfflineBook["documents"] = [];
  for (const [index, size] of sizes.entries()) {
    const url = `/api/v1/files/${index + 1}/content`;
    files[url] = fileOf(size, index);
    const etag = `"${await sha256Hex(files[url] as BufferSource)}"`;
    items.push({ meetingId: 5, documentId: index + 1, url, etag, size });
    documents.push({ id: index + 1, file_id: index + 1, name: `${index}.pdf`, size, etag, content_type: "application/pdf", agenda_item_id: null, url });
  }
  const shelf = new BookShelf(memoryStore());
  await shelf.saveBook(1, { meeting_id: 5, key: KEY, key_id: "g0", keep_until: null, auto_download: "manual", documents });
  return { files, items, shelf };
}

function queueOf(shelf: BookShelf, fetch: RangeFetch, seen: DownloadProgress[] = [], fetchDirect?: RangeFetch) {
  return new DownloadQueue({
    shelf,
    fetch,
    fetchDirect: fetchDirect ?? (() => Promise.reject(new Error("no store URL was given"))),
    chunkSize: CHUNK,
    sleep: async () => undefined,
    onProgress: (p) => seen.push({ ...p }),
  });
}

/** The items with the store's signed URLs, and a fake store serving the same bytes there. */
function withStore(files: Record<string, Uint8Array>, items: DownloadItem[]) {
  const signed = (url: string) => `http://store.test/eoffice/${url.split("/")[4]}?X-Amz-Signature=abc`;
  const store = fakeServer(Object.fromEntries(Object.entries(files).map(([url, bytes]) => [signed(url), bytes])));
  return { store, items: items.map((item) => ({ ...item, directUrl: signed(item.url) })) };
}

describe("the download queue", () => {
  it("downloads two documents at a time and stores each whole, with progress up to its size", async () => {
    const { files, items, shelf } = await setUp([450, 300, 120, 90]);
    const server = fakeServer(files);
    const seen: DownloadProgress[] = [];
    const queue = queueOf(shelf, server.fetch, seen);
    queue.add(items);
    queue.add(items.slice(0, 2));
    await queue.idle();

    expect(server.mostOpen()).toBe(2);
    expect(server.served).toHaveLength(4);
    for (const item of items) {
      const copy = await shelf.localCopy(5, item.documentId);
      expect(copy && (await shelf.readVersion(copy))).toEqual(files[item.url]);
      expect(queue.state(5, item.documentId)).toMatchObject({ status: "done", loaded: item.size, size: item.size });
    }
    const first = seen.filter((p) => p.documentId === 1).map((p) => p.loaded);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    expect(first).toContain(200);
  });

  it("resumes a cut download by a range from the last chunk stored", async () => {
    const { files, items, shelf } = await setUp([450]);
    const server = fakeServer(files);
    server.cuts[items[0].url] = [260];
    const queue = queueOf(shelf, server.fetch);
    queue.add(items);
    await queue.idle();

    // 260 bytes arrived: two whole chunks were sealed and kept, the rest asked for again.
    expect(server.served.map((s) => s.range)).toEqual([null, "bytes=200-"]);
    const copy = await shelf.localCopy(5, 1);
    expect(copy && (await shelf.readVersion(copy))).toEqual(files[items[0].url]);
  });

  it("resumes in a later session (a reload) from what the device kept", async () => {
    const { files, items, shelf } = await setUp([450]);
    const server = fakeServer(files);
    server.cuts[items[0].url] = [150, 0, 0, 0];
    const seen: DownloadProgress[] = [];
    const first = queueOf(shelf, server.fetch, seen);
    first.add(items);
    await first.idle();
    expect(first.state(5, 1)).toMatchObject({ status: "failed", error: "network_error", loaded: 100 });

    const again = queueOf(shelf, server.fetch);
    again.add(items);
    await again.idle();
    expect(server.served.at(-1)?.range).toBe("bytes=100-");
    expect(again.state(5, 1)?.status).toBe("done");
  });

  it("starts over when the server sends the whole file instead of the range", async () => {
    const { files, items, shelf } = await setUp([450]);
    const server = fakeServer(files);
    server.cuts[items[0].url] = [230];
    server.options.ignoreRanges = true;
    const queue = queueOf(shelf, server.fetch);
    queue.add(items);
    await queue.idle();
    const copy = await shelf.localCopy(5, 1);
    expect(copy && (await shelf.readVersion(copy))).toEqual(files[items[0].url]);
  });

  it("gives up at once on a refusal, with the server's code", async () => {
    const { files, items, shelf } = await setUp([120]);
    const server = fakeServer(files);
    server.options.status[items[0].url] = 403;
    const queue = queueOf(shelf, server.fetch);
    queue.add(items);
    await queue.idle();
    expect(server.served).toHaveLength(1);
    expect(queue.state(5, 1)).toMatchObject({ status: "failed", error: "not_invited" });
    expect(await shelf.localCopy(5, 1)).toBeNull();
  });

  it("takes the bytes from the store's signed URL, resumes there, and never asks the server", async () => {
    const { files, items, shelf } = await setUp([450, 120]);
    const api = fakeServer(files);
    const { store, items: signed } = withStore(files, items);
    store.cuts[signed[0].directUrl as string] = [260];
    const queue = queueOf(shelf, api.fetch, [], store.fetch);
    queue.add(signed);
    await queue.idle();

    expect(api.served).toEqual([]);
    expect(store.served).toEqual([
      { url: signed[0].directUrl, range: null },
      { url: signed[1].directUrl, range: null },
      { url: signed[0].directUrl, range: "bytes=200-" },
    ]);
    for (const item of items) {
      const copy = await shelf.localCopy(5, item.documentId);
      expect(copy && (await shelf.readVersion(copy))).toEqual(files[item.url]);
    }
  });

  it("turns to the API's URL at once when the store refuses its signed URL (expired), from where it stopped", async () => {
    const { files, items, shelf } = await setUp([450]);
    const api = fakeServer(files);
    const { store, items: signed } = withStore(files, items);
    const direct = signed[0].directUrl as string;
    store.cuts[direct] = [260];
    let slept = 0;
    const queue = new DownloadQueue({
      shelf,
      fetch: api.fetch,
      fetchDirect: async (url, headers, signal) => {
        // The first answer is cut; by the resume the URL has expired.
        if (store.served.length) return new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 });
        return store.fetch(url, headers, signal);
      },
      chunkSize: CHUNK,
      sleep: async () => {
        slept++;
      },
    });
    queue.add(signed);
    await queue.idle();

    expect(store.served).toEqual([{ url: direct, range: null }]);
    // The cut was retried where it was (after a pause), the refusal not waited on.
    expect(api.served).toEqual([{ url: items[0].url, range: "bytes=200-" }]);
    expect(slept).toBe(1);
    expect(queue.state(5, 1)?.status).toBe("done");
    const copy = await shelf.localCopy(5, 1);
    expect(copy && (await shelf.readVersion(copy))).toEqual(files[items[0].url]);
  });

  it("a refusal by the server after the store's is final, with the server's code", async () => {
    const { files, items, shelf } = await setUp([120]);
    const api = fakeServer(files);
    api.options.status[items[0].url] = 403;
    const { items: signed } = withStore(files, items);
    const refusing: RangeFetch = async () => new Response("<Error/>", { status: 403 });
    const queue = queueOf(shelf, api.fetch, [], refusing);
    queue.add(signed);
    await queue.idle();
    expect(api.served).toHaveLength(1);
    expect(queue.state(5, 1)).toMatchObject({ status: "failed", error: "not_invited" });
  });

  it("does not fetch a document the device already holds in that version", async () => {
    const { files, items, shelf } = await setUp([120]);
    const server = fakeServer(files);
    const queue = queueOf(shelf, server.fetch);
    queue.add(items);
    await queue.idle();
    queue.add(items);
    await queue.idle();
    expect(server.served).toHaveLength(1);
  });
});
