// The live room's offline side: the room's last state kept sealed with the meeting's book (so that a reload
// without the network opens it where it was), which copy of each document to show (the device's or the
// server's, by ranges), and the private notes, which go through the outbox (shown while they wait).
import { ref, shallowRef, watch, type ShallowRef } from "vue";
import { api } from "../api";
import type { MeetingDetail } from "../api/meetings";
import type { OfflineDocument } from "../api/offline";
import type { Annotation, RoomJoinState, RoomMinutes } from "../api/room";
import { describeCode, describeError } from "../errors";
import { formatDateTime } from "../format";
import { locale, t } from "../i18n";
import type { StoredDocument } from "../offline/books";
import { makeUuid } from "../offline/device";
import type { OutboxEntry } from "../offline/outbox";
import { chooseSource, offlineSupport, provisional } from "../offline/status";
import { apiRangeReader, type RangeReader } from "../pdfRange";
import { notify } from "./notices";
import {
  flushOutbox,
  library,
  localCopies,
  offline,
  offlineRest,
  onOutboxDelivered,
  outbox,
  readLocal,
  shelf,
} from "./offline";
import { applyAnnotation, type PageRef, type RoomModel } from "./room";

export interface RoomSnapshot {
  state: RoomJoinState;
  savedAt: string;
}

export type DocumentSource =
  | { kind: "device"; blob: Blob; downloadedAt: string | null }
  | { kind: "server"; ranges: RangeReader }
  | { kind: "none" };

export function useOfflineRoom(meetingId: number, model: ShallowRef<RoomModel>, me: () => number) {
  const held = ref(false);
  const copies = shallowRef(new Map<number, StoredDocument>());
  /** The server's current version of each document, from the book last fetched. */
  const etags = shallowRef(new Map<number, string>());
  const restoredAt = ref<string | null>(null);
  /** The presentation seq of the room's state last kept: what a reload without the network shows. */
  const savedSeq = ref<number | null>(null);
  /** The versions of the minutes' sections in that state, added up: which of their edits it holds. */
  const savedMinutes = ref<number | null>(null);

  async function refresh() {
    held.value = !!(await shelf.header(meetingId));
    if (!held.value) return;
    copies.value = await localCopies(meetingId);
    const list = await shelf.readJson<OfflineDocument[]>(meetingId, "list").catch(() => null);
    etags.value = new Map((list ?? []).map((d) => [d.id, d.etag]));
  }
  watch(() => offline.generation, () => void refresh());

  /** The room as this device last saw it, for a start without the network. */
  async function restore(): Promise<RoomSnapshot | null> {
    await refresh();
    if (!held.value) return null;
    const snapshot = await shelf.readJson<RoomSnapshot>(meetingId, "room").catch(() => null);
    restoredAt.value = snapshot?.savedAt ?? null;
    return snapshot;
  }

  async function meeting(): Promise<MeetingDetail | null> {
    return held.value ? shelf.readJson<MeetingDetail>(meetingId, "meeting").catch(() => null) : null;
  }

  /** Bring the book in step when the room is connected (a changed document is fetched again). */
  async function sync(detail?: MeetingDetail) {
    if (!held.value) return;
    await library.sync(meetingId, detail).catch(() => undefined);
    await refresh();
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Keep the room's state (debounced): the page turns and the minutes received before a cut stay after a
   * reload; `minutes` as the live events last left them, when newer than the join's. */
  function remember(model: RoomModel, minutes: RoomMinutes | null = null) {
    if (!held.value || !model.joined) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const state: RoomJoinState = {
        ...(model.joined as RoomJoinState),
        presentation: model.presentation ?? (model.joined as RoomJoinState).presentation,
        attendance: model.attendance ?? (model.joined as RoomJoinState).attendance,
        speakers: model.speakers ?? (model.joined as RoomJoinState).speakers,
        minutes: minutes ?? (model.joined as RoomJoinState).minutes,
        // Nothing can be voted offline; a vote still open comes back with the next join.
        vote: null,
        annotations: model.annotations.filter((a) => a.id > 0),
      };
      shelf.saveJson(meetingId, "room", { state, savedAt: new Date().toISOString() }).then(
        () => {
          savedSeq.value = state.presentation.seq;
          savedMinutes.value = state.minutes?.sections.reduce((sum, section) => sum + section.version, 0) ?? null;
        },
        () => undefined,
      );
    }, 300);
  }

  async function source(documentId: number, reachable: boolean): Promise<DocumentSource> {
    const copy = copies.value.get(documentId) ?? null;
    const kind = chooseSource(copy, etags.value.get(documentId), reachable);
    if (kind === "device" && copy) {
      return { kind, blob: await readLocal(copy), downloadedAt: copy.downloadedAt };
    }
    if (kind === "server") {
      const path = `/api/v1/meetings/${meetingId}/documents/${documentId}/content`;
      return { kind, ranges: apiRangeReader((url, headers) => api.raw(url, headers), path) };
    }
    return { kind: "none" };
  }

  /** Where each document is read from, decided once per document (the shown one first). */
  const sources = ref(new Map<number, DocumentSource>());
  const deciding = new Set<number>();
  async function ensureSource(documentId: number | undefined, reachable: boolean) {
    if (!documentId || sources.value.has(documentId) || deciding.has(documentId)) return;
    deciding.add(documentId);
    try {
      const found = await source(documentId, reachable);
      performance.mark(`room:document-${documentId}`);
      sources.value = new Map(sources.value).set(documentId, found);
    } catch {
      notify(t("app.networkError"), "error");
    } finally {
      deciding.delete(documentId);
    }
  }

  /** Back online: the documents that could not be shown offline are decided again. Whether there were any. */
  function forgetUnavailable(): boolean {
    const kept = [...sources.value].filter(([, found]) => found.kind !== "none");
    if (kept.length === sources.value.size) return false;
    sources.value = new Map(kept);
    return true;
  }

  function sourceLabel(found: DocumentSource | null): string {
    if (found?.kind === "device") return t("room.source.device", { at: formatDateTime(found.downloadedAt, locale.value) });
    return found?.kind === "server" ? t("room.source.server") : "";
  }

  /** Private notes made here that wait in the outbox. */
  const waitingNotes = ref<OutboxEntry[]>([]);
  let justSaved: number | null = null;

  async function loadWaitingNotes() {
    waitingNotes.value = (await outbox.pending(me()).catch(() => [])).filter((entry) => entry.meetingId === meetingId);
  }

  /** The notes still in the outbox shown over whatever the server's state holds (after a join too). */
  function withWaitingNotes(m: RoomModel): RoomModel {
    return waitingNotes.value.reduce((next, entry) => applyAnnotation(next, provisional(entry, me())), m);
  }

  /** What the outbox delivered (whoever asked for the round) replaces what was shown while it waited. */
  const stopHearing = onOutboxDelivered((result) => {
    const done = new Set([...result.sent, ...result.refused].map((entry) => entry.seq));
    waitingNotes.value = waitingNotes.value.filter((entry) => !done.has(entry.seq));
    let next = model.value;
    for (const entry of result.sent) {
      const answer = result.answers.get(entry.seq) as Annotation | undefined;
      if (answer && answer.meeting_id === meetingId) next = applyAnnotation(next, answer);
    }
    for (const entry of result.refused) {
      next = { ...next, annotations: next.annotations.filter((a) => a.id !== -entry.seq) };
      notify(t("room.noteRefused", { message: describeCode(result.codes.get(entry.seq) ?? "error") }), "error");
    }
    model.value = next;
    const earlier = result.sent.filter((entry) => entry.seq !== justSaved && entry.meetingId === meetingId);
    if (earlier.length) notify(t("room.notesSent", { count: earlier.length }));
  });

  /** A private note: into the outbox first (kept across a reload), shown at once, sent when possible. */
  async function saveNote(at: PageRef, text: string): Promise<void> {
    const body = { document_id: at.documentId, page: at.page, data: { kind: "note", text }, shared: false, client_id: makeUuid() };
    if (offlineSupport() !== "ok") {
      // No encryption at rest here (plain HTTP): nothing is kept on the device, the note goes at once.
      try {
        model.value = applyAnnotation(model.value, (await offlineRest.annotate(meetingId, body)) as unknown as Annotation);
        notify(t("room.noteSaved"));
      } catch (error) {
        notify(describeError(error), "error");
      }
      return;
    }
    let entry: OutboxEntry | null;
    try {
      entry = await library.annotate(meetingId, body);
    } catch (error) {
      // The device's storage refused it (full, or private browsing): nothing was kept.
      notify(describeError(error), "error");
      return;
    }
    if (!entry) return;
    waitingNotes.value = [...waitingNotes.value, entry];
    model.value = applyAnnotation(model.value, provisional(entry, me()));
    justSaved = entry.seq;
    await flushOutbox();
    notify(waitingNotes.value.some((e) => e.seq === entry.seq) ? t("room.noteQueued") : t("room.noteSaved"));
  }

  function dispose() {
    clearTimeout(timer);
    stopHearing();
  }

  return {
    held,
    restoredAt,
    savedSeq,
    savedMinutes,
    waitingNotes,
    sources,
    ensureSource,
    forgetUnavailable,
    sourceLabel,
    restore,
    meeting,
    sync,
    remember,
    loadWaitingNotes,
    withWaitingNotes,
    saveNote,
    dispose,
  };
}
