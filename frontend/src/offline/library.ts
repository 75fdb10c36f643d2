// What the device does with meeting books: fetch a book and queue its documents, keep it in step with the
// server (changed documents fetched again, vanished ones and refused books erased), erase expired books,
// download by itself when the meeting says so, and send the outbox. Browser-free: tested with fakes.
import { ApiError } from "../api/errors";
import type { Meeting, MeetingDetail, MeetingPeriod } from "../api/meetings";
import type { AnnotationBody, OfflineApi, OfflineBook } from "../api/offline";
import type { BookShelf, StoredDocument } from "./books";
import type { DownloadItem, DownloadQueue } from "./downloadQueue";
import type { Outbox, OutboxEntry, SendOutcome } from "./outbox";
import { autoDownloadDue, autoDownloadWindow } from "./schedule";

export interface LibraryDeps {
  shelf: BookShelf;
  queue: DownloadQueue;
  outbox: Outbox;
  api: Pick<OfflineApi, "book" | "annotate">;
  meetings: { list(period: MeetingPeriod): Promise<Meeting[]>; get(id: number): Promise<MeetingDetail> };
  userId: () => number | null;
  now?: () => Date;
}

/** The server refuses the book for good: not invited (any more), or kept past its retention. */
const GONE = new Set(["not_invited", "offline_expired", "not_found"]);

export function isGone(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 403 || error.status === 404 || error.status === 410 || GONE.has(error.code));
}

/** An answer the outbox waits on (no connection, server busy) rather than drops. */
function mustWait(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 401 || error.status === 408 || error.status === 429 || error.status >= 500;
}

export class OfflineLibrary {
  constructor(private readonly deps: LibraryDeps) {}

  private get now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private items(book: OfflineBook, documents = book.documents): DownloadItem[] {
    return documents.map((d) => ({
      meetingId: book.meeting_id,
      documentId: d.id,
      url: d.url,
      directUrl: d.direct_url ?? null,
      etag: d.etag,
      size: d.size,
    }));
  }

  /**
   * Ask the server for the book and keep it (with the meeting's JSON when given). A refused book is erased
   * from the device and null returned. A book the device already held gets its changed documents queued.
   */
  async sync(meetingId: number, meeting?: MeetingDetail): Promise<OfflineBook | null> {
    const userId = this.deps.userId();
    if (userId === null) return null;
    let book: OfflineBook;
    try {
      book = await this.deps.api.book(meetingId);
    } catch (error) {
      if (isGone(error)) {
        this.deps.queue.cancel(meetingId);
        await this.deps.shelf.drop(meetingId);
        return null;
      }
      throw error;
    }
    const held = await this.deps.shelf.header(meetingId);
    const missing = await this.deps.shelf.saveBook(userId, book);
    if (meeting) await this.deps.shelf.saveJson(meetingId, "meeting", meeting);
    if (held && held.userId === userId) this.deps.queue.add(this.items(book, missing));
    return book;
  }

  /** "Tải tài liệu về máy": the book, the meeting's JSON, and every document not yet on the device. */
  async download(meetingId: number, meeting?: MeetingDetail): Promise<OfflineBook | null> {
    const detail = meeting ?? (await this.deps.meetings.get(meetingId));
    const book = await this.sync(meetingId, detail);
    if (!book) return null;
    const copies = await this.deps.shelf.copies(meetingId);
    const wanted = book.documents.filter((d) => !copies.some((c) => c.documentId === d.id && c.etag === d.etag && c.complete));
    this.deps.queue.add(this.items(book, wanted));
    return book;
  }

  /** The complete copies on the device, by document. */
  async localCopies(meetingId: number): Promise<Map<number, StoredDocument>> {
    const copies = new Map<number, StoredDocument>();
    for (const copy of await this.deps.shelf.copies(meetingId)) {
      const known = copies.get(copy.documentId);
      if (copy.complete && (!known || (copy.downloadedAt ?? "") > (known.downloadedAt ?? ""))) copies.set(copy.documentId, copy);
    }
    return copies;
  }

  /**
   * When the app opens: erase the books past keep_until and another user's books; then, online, bring
   * the others in step with the server (which also erases the refused ones).
   */
  async sweep(online: boolean): Promise<void> {
    const userId = this.deps.userId();
    for (const header of await this.deps.shelf.headers()) {
      const expired = header.keepUntil !== null && new Date(header.keepUntil).getTime() <= this.now.getTime();
      if (expired || header.userId !== userId) {
        this.deps.queue.cancel(header.meetingId);
        await this.deps.shelf.drop(header.meetingId);
      } else if (online) {
        await this.sync(header.meetingId).catch(() => undefined);
      }
    }
  }

  /** Download the books of the meetings whose setting says the time has come (on_invitation, day_before). */
  async autoDownload(): Promise<number[]> {
    const meetings = await this.deps.meetings.list(autoDownloadWindow(this.now));
    const started: number[] = [];
    for (const meeting of meetings) {
      if (!autoDownloadDue(meeting, this.now)) continue;
      const held = await this.deps.shelf.header(meeting.id);
      // A book already held is kept in step by sweep(); only the missing ones start here.
      if (held) continue;
      if (await this.download(meeting.id).catch(() => null)) started.push(meeting.id);
    }
    return started;
  }

  /** A private note or mark, kept in the outbox first (it survives a reload), then sent when possible. */
  async annotate(meetingId: number, body: AnnotationBody): Promise<OutboxEntry | null> {
    const userId = this.deps.userId();
    if (userId === null) return null;
    return this.deps.outbox.add(userId, meetingId, body);
  }

  /** Send the user's outbox in order: the server's answer for each entry sent, its error code for each refused. */
  async flush(): Promise<{
    sent: OutboxEntry[];
    refused: OutboxEntry[];
    answers: Map<number, Record<string, unknown>>;
    codes: Map<number, string>;
  }> {
    const userId = this.deps.userId();
    const answers = new Map<number, Record<string, unknown>>();
    const codes = new Map<number, string>();
    if (userId === null) return { sent: [], refused: [], answers, codes };
    const result = await this.deps.outbox.flush(userId, async (entry): Promise<SendOutcome> => {
      try {
        answers.set(entry.seq, await this.deps.api.annotate(entry.meetingId, entry.body));
        return "sent";
      } catch (error) {
        if (mustWait(error)) return "retry";
        codes.set(entry.seq, (error as ApiError).code);
        return "refused";
      }
    });
    return { ...result, answers, codes };
  }
}
