// The offline outbox and the library that keeps books in step with the server (fakes for the API).
import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/errors";
import type { Meeting } from "../src/api/meetings";
import type { AnnotationBody, OfflineBook } from "../src/api/offline";
import { BookShelf } from "../src/offline/books";
import { makeUuid } from "../src/offline/device";
import { DownloadQueue, type DownloadItem } from "../src/offline/downloadQueue";
import { OfflineLibrary } from "../src/offline/library";
import { Outbox } from "../src/offline/outbox";
import { autoDownloadDue } from "../src/offline/schedule";
import { memoryStore } from "../src/offline/store";

const KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)));
const note = (text: string, page = 1): AnnotationBody => ({
  document_id: 10,
  page,
  data: { kind: "note", text },
  shared: false,
  client_id: makeUuid(),
});
const offlineError = () => new ApiError(0, { code: "network_error", message: "offline" });

describe("the outbox", () => {
  it("keeps entries sealed across a reload and sends them in order, each once", async () => {
    const store = memoryStore();
    await new Outbox(store).add(3, 1, note("Ý kiến về mục 2"));
    await new Outbox(store).add(3, 1, note("Đề nghị bổ sung số liệu", 2));
    const raw = JSON.stringify(await store.entries("outbox"), (_k, v) => (ArrayBuffer.isView(v) || v instanceof ArrayBuffer ? new TextDecoder().decode(v as ArrayBuffer) : v));
    expect(raw).not.toContain("Ý kiến");

    // A reload: a new Outbox over the same store.
    const outbox = new Outbox(store);
    const sent: string[] = [];
    const result = await outbox.flush(3, async (entry) => {
      sent.push(String(entry.body.data.text));
      return "sent";
    });
    expect(sent).toEqual(["Ý kiến về mục 2", "Đề nghị bổ sung số liệu"]);
    expect(result.sent).toHaveLength(2);
    expect(await outbox.pending()).toEqual([]);
    await outbox.flush(3, async () => {
      throw new Error("nothing is left to send");
    });
  });

  it("stops at the first entry that must wait, keeping it and those after it in order", async () => {
    const outbox = new Outbox(memoryStore());
    for (const text of ["một", "hai", "ba"]) await outbox.add(3, 1, note(text));
    let calls = 0;
    await outbox.flush(3, async () => (++calls === 2 ? "retry" : "sent"));
    expect(calls).toBe(2);
    expect((await outbox.pending(3)).map((e) => e.body.data.text)).toEqual(["hai", "ba"]);
  });

  it("sends one round at a time: two flushes at once send each entry once", async () => {
    const outbox = new Outbox(memoryStore());
    await outbox.add(3, 1, note("một"));
    const sent: number[] = [];
    const send = async (entry: { seq: number }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      sent.push(entry.seq);
      return "sent" as const;
    };
    await Promise.all([outbox.flush(3, send), outbox.flush(3, send)]);
    expect(sent).toEqual([1]);
  });

  it("runs one more round when asked during a round that had to stop (the connection came back meanwhile)", async () => {
    const outbox = new Outbox(memoryStore());
    await outbox.add(3, 1, note("một"));
    let calls = 0;
    let asked: Promise<{ sent: { body: { data: Record<string, unknown> } }[] }> | null = null;
    const send = async () => {
      // The first try fails; while it does, the connection is back and a flush is asked for.
      if (++calls === 1) {
        asked = outbox.flush(3, send);
        return "retry" as const;
      }
      return "sent" as const;
    };
    const first = await outbox.flush(3, send);
    const second = await (asked as unknown as ReturnType<typeof outbox.flush>);
    expect(first.sent).toEqual([]);
    expect(second.sent.map((e) => e.body.data.text)).toEqual(["một"]);
    expect(await outbox.pending()).toEqual([]);
  });

  it("sends only the user's own entries", async () => {
    const outbox = new Outbox(memoryStore());
    await outbox.add(3, 1, note("của người 3"));
    await outbox.add(4, 1, note("của người 4"));
    const sent: number[] = [];
    await outbox.flush(4, async (entry) => {
      sent.push(entry.userId);
      return "sent";
    });
    expect(sent).toEqual([4]);
    expect((await outbox.pending()).map((e) => e.userId)).toEqual([3]);
  });
});

function library(options: { book?: (id: number) => Promise<OfflineBook>; annotate?: (id: number, body: AnnotationBody) => Promise<Record<string, unknown>>; meetings?: Meeting[]; now?: Date } = {}) {
  const store = memoryStore();
  const shelf = new BookShelf(store, () => options.now ?? new Date("2026-12-01T03:00:00Z"));
  const queued: DownloadItem[] = [];
  const queue = new DownloadQueue({ shelf, fetch: async () => new Response(null, { status: 500 }) });
  queue.add = (items) => void queued.push(...items);
  const outbox = new Outbox(store);
  const lib = new OfflineLibrary({
    shelf,
    queue,
    outbox,
    api: {
      book: options.book ?? (async () => bookOf(1, [])),
      annotate: options.annotate ?? (async () => ({ id: 1 })),
    },
    meetings: { list: async () => options.meetings ?? [], get: async (id) => ({ id }) as never },
    userId: () => 3,
    now: () => options.now ?? new Date("2026-12-01T03:00:00Z"),
  });
  return { lib, shelf, queued, outbox };
}

function bookOf(meetingId: number, ids: number[], overrides: Partial<OfflineBook> = {}): OfflineBook {
  return {
    meeting_id: meetingId,
    key: KEY,
    key_id: "g0",
    keep_until: null,
    auto_download: "manual",
    documents: ids.map((id) => ({ id, file_id: id, name: `${id}.pdf`, size: 10, etag: `"v${id}"`, content_type: "application/pdf", agenda_item_id: null, url: `/api/v1/files/${id}/content` })),
    ...overrides,
  };
}

describe("the library", () => {
  it("sends the outbox through the API and keeps what it could not send", async () => {
    const bodies: AnnotationBody[] = [];
    let online = false;
    const { lib, outbox } = library({
      annotate: async (_id, body) => {
        if (!online) throw offlineError();
        bodies.push(body);
        return { id: bodies.length, client_id: body.client_id };
      },
    });
    await lib.annotate(1, note("Ghi chú khi mất mạng"));
    expect((await lib.flush()).sent).toEqual([]);
    expect(await outbox.pending(3)).toHaveLength(1);
    online = true;
    const result = await lib.flush();
    expect(result.sent).toHaveLength(1);
    expect(bodies.map((b) => b.data.text)).toEqual(["Ghi chú khi mất mạng"]);
    expect(await outbox.pending(3)).toEqual([]);
  });

  it("drops an entry the server refuses for good (the document is gone) and goes on", async () => {
    const { lib, outbox } = library({
      annotate: async (_id, body) => {
        if (body.data.text === "bị từ chối") throw new ApiError(404, { code: "not_found", message: "gone" });
        return { id: 9 };
      },
    });
    await lib.annotate(1, note("bị từ chối"));
    await lib.annotate(1, note("được nhận"));
    const result = await lib.flush();
    expect(result.refused.map((e) => e.body.data.text)).toEqual(["bị từ chối"]);
    expect(result.sent.map((e) => e.body.data.text)).toEqual(["được nhận"]);
    expect(await outbox.pending()).toEqual([]);
  });

  it("erases a book the server answers 403 or 410 for", async () => {
    for (const [status, code] of [[403, "not_invited"], [410, "offline_expired"]] as const) {
      let refuse = false;
      const { lib, shelf } = library({
        book: async () => {
          if (refuse) throw new ApiError(status, { code, message: "no" });
          return bookOf(1, [1]);
        },
      });
      await lib.download(1);
      expect(await shelf.header(1)).toBeDefined();
      refuse = true;
      await lib.sweep(true);
      expect(await shelf.header(1)).toBeUndefined();
    }
  });

  it("fetches a changed document of a held book again, and erases the expired books", async () => {
    let book = bookOf(1, [1, 2]);
    const { lib, shelf, queued } = library({ book: async (id) => (id === 1 ? book : bookOf(2, [], { keep_until: "2026-11-30T00:00:00Z" })) });
    await lib.download(1);
    await lib.download(2);
    expect(queued.map((q) => q.documentId)).toEqual([1, 2]);
    queued.length = 0;
    book = { ...book, documents: [{ ...book.documents[0], etag: '"v1-changed"' }, book.documents[1]] };
    await lib.sweep(true);
    expect(queued.map((q) => [q.documentId, q.etag])).toEqual([
      [1, '"v1-changed"'],
      [2, '"v2"'],
    ]);
    expect((await shelf.headers()).map((h) => h.meetingId)).toEqual([1]);
  });

  it("erases expired books offline too, without asking the server", async () => {
    let asked = 0;
    const { lib, shelf } = library({
      book: async () => {
        asked++;
        return bookOf(1, [], { keep_until: "2026-12-02T00:00:00Z" });
      },
      now: new Date("2026-12-03T00:00:00Z"),
    });
    await lib.download(1);
    await lib.sweep(false);
    expect(asked).toBe(1);
    expect(await shelf.header(1)).toBeUndefined();
  });

  it("downloads by itself the books whose meeting says the time has come", async () => {
    const meeting = (id: number, offline_download: Meeting["offline_download"], starts_at: string, status = "invited") =>
      ({ id, status, starts_at, offline_download }) as Meeting;
    const { lib } = library({
      book: async (id) => bookOf(id, [id]),
      meetings: [
        meeting(1, "on_invitation", "2026-12-20T01:00:00Z"),
        meeting(2, "day_before", "2026-12-02T01:00:00Z"),
        meeting(3, "day_before", "2026-12-05T01:00:00Z"),
        meeting(4, "manual", "2026-12-01T05:00:00Z"),
        meeting(5, "on_invitation", "2026-12-20T01:00:00Z", "draft"),
      ],
    });
    expect(await lib.autoDownload()).toEqual([1, 2]);
  });
});

describe("when a book downloads by itself", () => {
  const at = (iso: string) => new Date(iso);
  it("follows the meeting's setting, in Vietnam's days", () => {
    const meeting = { status: "invited", starts_at: "2026-12-02T01:00:00Z" };
    expect(autoDownloadDue({ ...meeting, offline_download: "manual" }, at("2026-12-02T00:00:00Z"))).toBe(false);
    expect(autoDownloadDue({ ...meeting, offline_download: "on_invitation" }, at("2026-11-01T00:00:00Z"))).toBe(true);
    // 30 Nov 23:30 in Vietnam is still two days before 2 Dec; 1 Dec 00:30 is the day before.
    expect(autoDownloadDue({ ...meeting, offline_download: "day_before" }, at("2026-11-30T16:30:00Z"))).toBe(false);
    expect(autoDownloadDue({ ...meeting, offline_download: "day_before" }, at("2026-11-30T17:30:00Z"))).toBe(true);
    expect(autoDownloadDue({ ...meeting, status: "cancelled", offline_download: "on_invitation" }, at("2026-11-30T17:30:00Z"))).toBe(false);
  });
});

describe("which copy the room shows", () => {
  const copy = { meetingId: 1, documentId: 10, etag: '"v1"', size: 10, chunkSize: 64, chunks: 1, stored: 10, complete: true, downloadedAt: "2026-12-01T01:00:00Z" };
  it("the device's when current or when the server cannot be reached, else the server's", async () => {
    const { chooseSource } = await import("../src/offline/status");
    expect(chooseSource(copy, '"v1"', true)).toBe("device");
    expect(chooseSource(copy, undefined, true)).toBe("device");
    expect(chooseSource(copy, '"v2"', true)).toBe("server");
    expect(chooseSource(copy, '"v2"', false)).toBe("device");
    expect(chooseSource(null, '"v2"', true)).toBe("server");
    expect(chooseSource(null, undefined, false)).toBe("none");
  });
});
