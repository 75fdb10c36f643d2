// The device's outbox: private annotations and notes made while the server cannot be reached, kept sealed
// by the device key in IndexedDB (a reload keeps them) and sent on reconnect in the order they were made,
// each once: it carries the client_id the server answers a repeat by.
import type { AnnotationBody } from "../api/offline";
import { deviceKey, openJson, sealJson, type Sealed } from "./crypto";
import type { OfflineStore } from "./store";

export interface OutboxEntry {
  seq: number;
  userId: number;
  meetingId: number;
  body: AnnotationBody;
  createdAt: string;
}

interface StoredEntry {
  seq: number;
  userId: number;
  sealed: Sealed;
}

/** What sending one entry came to: sent (or already there), try later, or refused for good. */
export type SendOutcome = "sent" | "retry" | "refused";

export type SendEntry = (entry: OutboxEntry) => Promise<SendOutcome>;

const keyOf = (seq: number) => String(seq).padStart(12, "0");
const binding = (entry: { seq: number; userId: number }) => `outbox|${entry.userId}|${entry.seq}`;

export class Outbox {
  private flushing: Promise<{ sent: OutboxEntry[]; refused: OutboxEntry[] }> | null = null;
  private again: Promise<{ sent: OutboxEntry[]; refused: OutboxEntry[] }> | null = null;

  constructor(
    private readonly store: OfflineStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(userId: number, meetingId: number, body: AnnotationBody): Promise<OutboxEntry> {
    const key = await deviceKey(this.store);
    // The next number after the last one; add() refuses a number another tab took in the meantime.
    for (;;) {
      const last = (await this.store.entries<StoredEntry>("outbox")).pop();
      const seq = (last?.[1].seq ?? 0) + 1;
      const entry: OutboxEntry = { seq, userId, meetingId, body, createdAt: this.now().toISOString() };
      const stored: StoredEntry = { seq, userId, sealed: await sealJson(key, entry, binding(entry)) };
      if (await this.store.add("outbox", keyOf(seq), stored)) return entry;
    }
  }

  /** The entries of the user (or of everyone), oldest first. */
  async pending(userId?: number): Promise<OutboxEntry[]> {
    const stored = await this.store.entries<StoredEntry>("outbox");
    const mine = stored.filter(([, s]) => userId === undefined || s.userId === userId);
    // Nothing waiting: the device key is not even made (an erased device stays empty).
    if (!mine.length) return [];
    const key = await deviceKey(this.store);
    return Promise.all(mine.map(([, s]) => openJson<OutboxEntry>(key, s.sealed, binding(s))));
  }

  /**
   * Send the user's entries in order, each removed once the server has it. The first that must wait
   * (no connection, server unavailable) stops the round: what follows it stays behind it, in order. One
   * round at a time in this tab; a round of another tab sends nothing twice (client_id).
   */
  flush(userId: number, send: SendEntry): Promise<{ sent: OutboxEntry[]; refused: OutboxEntry[] }> {
    if (this.flushing) {
      // Asked during a round (the connection just came back while a round was failing): one more round
      // after it, for everyone who asked meanwhile.
      this.again ??= this.flushing.then(() => {
        this.again = null;
        return this.flush(userId, send);
      });
      return this.again;
    }
    this.flushing = this.round(userId, send).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async round(userId: number, send: SendEntry) {
    const sent: OutboxEntry[] = [];
    const refused: OutboxEntry[] = [];
    for (const entry of await this.pending(userId)) {
      const outcome = await send(entry);
      if (outcome === "retry") break;
      await this.store.delete("outbox", keyOf(entry.seq));
      (outcome === "sent" ? sent : refused).push(entry);
    }
    return { sent, refused };
  }
}
