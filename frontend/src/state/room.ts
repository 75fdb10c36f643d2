// The live room as one device sees it: the server's join state, kept current by its events, plus what
// this device shows (the presented page, or a page the user browsed to). Pure functions over a plain
// object, so the view stays thin and the rules are tested without a browser.
import type {
  AllowedActionsEvent,
  Annotation,
  AttendanceState,
  MeetingStatusEvent,
  Presentation,
  RoomAction,
  RoomDocument,
  RoomEventName,
  RoomJoinState,
  SpeakersState,
  VoteCount,
  VoteResult,
  VoteState,
} from "../api/room";
import { applyAttendance, newestAttendance } from "./attendance";

export { applyAttendance };

/** A page of a document: what the presenter shows, or what this device looks at. */
export interface PageRef {
  documentId: number;
  page: number;
}

export interface ClosedVote {
  voteId: number;
  question: string;
  options: string[];
  isSecret: boolean;
  result: VoteResult;
}

export interface RoomModel {
  /** Null until the first join answer arrived. */
  joined: RoomJoinState | null;
  presentation: Presentation | null;
  attendance: AttendanceState | null;
  speakers: SpeakersState | null;
  vote: VoteState | null;
  /** The last closed vote with its result (kept after the vote is no longer open). */
  lastResult: ClosedVote | null;
  annotations: Annotation[];
  /** True while the device shows what the presenter shows. */
  following: boolean;
  /** The page shown while browsing away (ignored while following). */
  browsing: PageRef | null;
}

export function emptyRoom(): RoomModel {
  return {
    joined: null,
    presentation: null,
    attendance: null,
    speakers: null,
    vote: null,
    lastResult: null,
    annotations: [],
    following: true,
    browsing: null,
  };
}

function closedFromMinutes(state: RoomJoinState): ClosedVote | null {
  const votes = state.minutes?.votes ?? [];
  const last = votes[votes.length - 1];
  if (!last || !last.result) return null;
  return {
    voteId: last.vote_id,
    question: last.question,
    options: last.options,
    isSecret: last.is_secret,
    result: last.result,
  };
}

/**
 * A join answer (first join or after a reconnect) replaces everything the server knows. What only this
 * device knows stays: whether it follows the presenter and the page it browsed to (if still there).
 */
export function applyJoin(model: RoomModel, state: RoomJoinState): RoomModel {
  const browsing =
    model.browsing && state.documents.some((d) => d.id === model.browsing?.documentId) ? model.browsing : null;
  return {
    joined: state,
    presentation: state.presentation,
    // An event read after the join's state can overtake its answer: what is newer stays.
    attendance: newestAttendance(model.attendance, state.attendance),
    speakers: state.speakers,
    vote: state.vote,
    lastResult: closedFromMinutes(state) ?? model.lastResult,
    annotations: [...state.annotations],
    following: model.following || browsing === null,
    browsing,
  };
}

/** The presenter turned a page: applied only when newer than what the device holds. */
export function applyPresentation(model: RoomModel, presentation: Presentation): RoomModel {
  if (model.presentation && presentation.seq <= model.presentation.seq) return model;
  return { ...model, presentation };
}

export function presentedPage(model: RoomModel): PageRef | null {
  const p = model.presentation;
  if (!p || p.document_id === null || p.page === null) return null;
  return { documentId: p.document_id, page: p.page };
}

export function documents(model: RoomModel): RoomDocument[] {
  return model.joined?.documents ?? [];
}

export function pageCount(model: RoomModel, documentId: number): number {
  return documents(model).find((d) => d.id === documentId)?.page_count ?? 1;
}

/**
 * What this device shows: the presented page while following, else the page browsed to. Before anything
 * is presented, the first page of the first document.
 */
export function shownPage(model: RoomModel): PageRef | null {
  if (!model.following && model.browsing) return model.browsing;
  const presented = presentedPage(model);
  if (presented) return presented;
  const first = documents(model)[0];
  return first ? { documentId: first.id, page: 1 } : null;
}

/** Turn the shown page by delta (swipe, arrow key): leaves the presenter when the page changes. */
export function browseBy(model: RoomModel, delta: number): RoomModel {
  const shown = shownPage(model);
  if (!shown) return model;
  const page = Math.min(Math.max(1, shown.page + delta), pageCount(model, shown.documentId));
  if (page === shown.page) return model;
  return browseTo(model, { documentId: shown.documentId, page });
}

/** Show a chosen page. Choosing the presented page itself is following again. */
export function browseTo(model: RoomModel, target: PageRef): RoomModel {
  const presented = presentedPage(model);
  if (presented && presented.documentId === target.documentId && presented.page === target.page) {
    return follow(model);
  }
  return { ...model, following: false, browsing: target };
}

/** "Follow presenter": back to whatever the presenter shows now. */
export function follow(model: RoomModel): RoomModel {
  return { ...model, following: true, browsing: null };
}

/** Browsing away and the presenter has moved on (or shows something else than this device). */
export function isAway(model: RoomModel): boolean {
  if (model.following) return false;
  const presented = presentedPage(model);
  const shown = shownPage(model);
  return !!presented && !!shown && (presented.documentId !== shown.documentId || presented.page !== shown.page);
}

export function applySpeakers(model: RoomModel, speakers: SpeakersState): RoomModel {
  return { ...model, speakers };
}

export function applyVoteOpened(model: RoomModel, vote: VoteState): RoomModel {
  return { ...model, vote: { ...vote, has_voted: vote.has_voted ?? false } };
}

/** A live count: only for the open vote, and never going back (events may arrive out of order). */
export function applyVoteCount(model: RoomModel, count: VoteCount): RoomModel {
  const vote = model.vote;
  if (!vote || vote.vote_id !== count.vote_id || !vote.is_open) return model;
  if (count.votes_cast <= vote.votes_cast) return model;
  return { ...model, vote: { ...vote, votes_cast: count.votes_cast } };
}

/** This device's own vote went through (the ack). */
export function markVoted(model: RoomModel, voteId: number, votesCast?: number): RoomModel {
  const vote = model.vote;
  if (!vote || vote.vote_id !== voteId) return model;
  const cast = Math.max(vote.votes_cast, votesCast ?? 0);
  return { ...model, vote: { ...vote, has_voted: true, votes_cast: cast } };
}

export function applyVoteClosed(model: RoomModel, closed: VoteState): RoomModel {
  if (!closed.result) return model;
  const lastResult: ClosedVote = {
    voteId: closed.vote_id,
    question: closed.question,
    options: closed.options,
    isSecret: closed.is_secret,
    result: closed.result,
  };
  const vote = model.vote && model.vote.vote_id === closed.vote_id ? null : model.vote;
  return { ...model, vote, lastResult };
}

/**
 * An annotation arrived (or was made here). One the device made carries its client_id: the server's copy
 * takes the place of the one shown while it waited in the outbox (a negative id), never the reverse.
 */
export function applyAnnotation(model: RoomModel, annotation: Annotation): RoomModel {
  if (model.annotations.some((a) => a.id === annotation.id)) return model;
  const index = annotation.client_id ? model.annotations.findIndex((a) => a.client_id === annotation.client_id) : -1;
  if (index >= 0) {
    if (annotation.id < 0) return model;
    const annotations = [...model.annotations];
    annotations[index] = annotation;
    return { ...model, annotations };
  }
  return { ...model, annotations: [...model.annotations, annotation] };
}

/** An annotation deleted by its author: gone from every device that held it, as from a fresh join. */
export function applyAnnotationDeleted(model: RoomModel, gone: Pick<Annotation, "id">): RoomModel {
  return { ...model, annotations: model.annotations.filter((a) => a.id !== gone.id) };
}

/** The text of a note annotation ({"kind": "note", "text"}); other annotation kinds are not notes. */
export function noteText(annotation: Annotation): string | null {
  const data = annotation.data as { kind?: unknown; text?: unknown };
  return data.kind === "note" && typeof data.text === "string" ? data.text : null;
}

/**
 * My private note on one page: the latest one I wrote there (each save is a new annotation, the last
 * one wins). Shared annotations and other people's never count.
 */
export function myNote(model: RoomModel, userId: number, at: PageRef): string {
  let text = "";
  for (const a of model.annotations) {
    if (a.author_id !== userId || a.shared || a.document_id !== at.documentId || a.page !== at.page) continue;
    const note = noteText(a);
    if (note !== null) text = note;
  }
  return text;
}

/** Pages of a document on which I have a note (not emptied). */
export function pagesWithNotes(model: RoomModel, userId: number, documentId: number): number[] {
  const pages = new Set<number>();
  for (const a of model.annotations) {
    if (a.author_id === userId && !a.shared && a.document_id === documentId) pages.add(a.page);
  }
  return [...pages].filter((page) => myNote(model, userId, { documentId, page }) !== "").sort((x, y) => x - y);
}

/** Seconds the current speaker has had the floor, at `now` (epoch ms). */
export function speakingSeconds(speakers: SpeakersState | null, now: number): number | null {
  const started = speakers?.current?.started_at;
  if (!started) return null;
  return Math.max(0, Math.floor((now - Date.parse(started)) / 1000));
}

export function formatTimer(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** Where the user stands in the queue of speakers (1-based), null when not waiting. */
export function queuePosition(speakers: SpeakersState | null, userId: number): number | null {
  const index = speakers?.queue.findIndex((entry) => entry.user_id === userId) ?? -1;
  return index >= 0 ? index + 1 : null;
}

export function isCheckedIn(model: RoomModel, userId: number): boolean {
  return !!model.attendance?.present.some((p) => p.user_id === userId);
}

/** Whether the server lets this user take a room action now: its rules, never a copy of them here. */
export function allows(model: RoomModel, action: RoomAction): boolean {
  return !!model.joined?.allowed_actions.includes(action);
}

/** What a device cut from the server can still do: private notes wait in its outbox; everything else
 * (presenting, the floor, votes, check-in, the agenda) needs the room's connection. */
const OFFLINE_ACTIONS: ReadonlySet<RoomAction> = new Set<RoomAction>(["annotate"]);

/** `allows`, for a device that is connected to the room or not. */
export function allowsNow(model: RoomModel, action: RoomAction, connected: boolean): boolean {
  return (connected || OFFLINE_ACTIONS.has(action)) && allows(model, action);
}

/** A change of roles (the designated presenter, the user's role) changed what this user may do. */
export function applyAllowedActions(model: RoomModel, event: AllowedActionsEvent): RoomModel {
  if (!model.joined) return model;
  return { ...model, joined: { ...model.joined, allowed_actions: event.allowed_actions } };
}

/** The meeting runs (what the page says of it; what the user may do is `allows`). */
export function isLive(model: RoomModel): boolean {
  return model.joined?.meeting.status === "in_progress";
}

/**
 * The meeting took a step (`meeting_status`). Closing it closed its open vote and ended the floor on the
 * server, so the device drops both at once. What the new step allows comes with the join that follows:
 * until then, nothing is offered.
 */
export function applyMeetingStatus(model: RoomModel, event: MeetingStatusEvent): RoomModel {
  if (!model.joined) return model;
  const meeting = { ...model.joined.meeting, status: event.status };
  const next = { ...model, joined: { ...model.joined, meeting, allowed_actions: [] } };
  if (event.status === "in_progress") return next;
  const speakers = model.speakers ? { ...model.speakers, queue: [], current: null } : model.speakers;
  return { ...next, vote: null, speakers };
}

/** The chair moved the agenda (`agenda`). */
export function applyAgenda(model: RoomModel, agendaItemId: number | null): RoomModel {
  if (!model.joined) return model;
  const agenda = { ...model.joined.agenda, current_item_id: agendaItemId };
  return { ...model, joined: { ...model.joined, agenda } };
}

/** The chair designated a presenter, or ended the designation (`presenter`). */
export function applyPresenter(model: RoomModel, userId: number | null): RoomModel {
  if (!model.joined) return model;
  const meeting = { ...model.joined.meeting, designated_presenter_id: userId };
  return { ...model, joined: { ...model.joined, meeting } };
}

/**
 * Whether this device must put the open vote in front of its user: one who may vote and has not, unless
 * they set this vote aside (or opened it themselves from this device).
 */
export function votePrompt(model: RoomModel, setAside: number | null): boolean {
  const vote = model.vote;
  return !!vote && vote.is_open && !vote.has_voted && vote.vote_id !== setAside && allows(model, "vote_cast");
}

export interface NamedAttendee {
  userId: number;
  name: string;
  role: string;
  mode: "in_person" | "online" | null;
}

/** Who is here (with how) and who is not, by name, from the invitation list and the live attendance. */
export function namedAttendance(
  participants: { user_id: number; role: string; full_name: string | null }[],
  attendance: AttendanceState | null,
): { present: NamedAttendee[]; absent: NamedAttendee[] } {
  const here = new Map((attendance?.present ?? []).map((p) => [p.user_id, p]));
  const present: NamedAttendee[] = [];
  const absent: NamedAttendee[] = [];
  for (const p of participants) {
    const entry = here.get(p.user_id);
    const person = { userId: p.user_id, name: p.full_name ?? "", role: p.role, mode: entry?.mode ?? null };
    (entry ? present : absent).push(person);
  }
  return { present, absent };
}

/** A room event applied to the model; the minutes' own events leave it as it is (state/liveMinutes.ts). */
export function applyEvent(model: RoomModel, name: RoomEventName, payload: any): RoomModel {
  switch (name) {
    case "presentation":
      return applyPresentation(model, payload);
    case "attendance":
      return applyAttendance(model, payload);
    case "speakers":
      return applySpeakers(model, payload);
    case "vote_opened":
      return applyVoteOpened(model, payload);
    case "vote_count":
      return applyVoteCount(model, payload);
    case "vote_closed":
      return applyVoteClosed(model, payload);
    case "annotation":
      return applyAnnotation(model, payload);
    case "annotation_deleted":
      return applyAnnotationDeleted(model, payload);
    case "presenter":
      return applyPresenter(model, payload.user_id);
    case "allowed_actions":
      return applyAllowedActions(model, payload);
    case "agenda":
      return applyAgenda(model, payload.agenda_item_id);
    case "meeting_status":
      return applyMeetingStatus(model, payload);
    default:
      return model;
  }
}
