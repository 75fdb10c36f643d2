import { describe, expect, it } from "vitest";
import type { Annotation, RoomJoinState, RoomSocket, SpeakersState, VoteState } from "../src/api/room";
import { RoomConnection, tokenExpiry } from "../src/api/room";
import * as room from "../src/state/room";

const ME = 7;

function joinState(overrides: Partial<RoomJoinState> = {}): RoomJoinState {
  return {
    meeting: {
      id: 1,
      title: "Họp giao ban",
      status: "in_progress",
      chair_id: 2,
      secretary_id: 3,
      designated_presenter_id: null,
      my_role: "delegate",
    },
    presentation: { meeting_id: 1, document_id: 10, page: 2, seq: 5, presenter_id: 2 },
    agenda: { current_item_id: null, items: [] },
    documents: [
      { id: 10, name: "Tài liệu.pdf", page_count: 5, agenda_item_id: null },
      { id: 11, name: "Phụ lục.pdf", page_count: 2, agenda_item_id: null },
    ],
    attendance: {
      meeting_id: 1,
      present: [],
      voting_present: 0,
      voting_total: 3,
      quorum_percent: 50,
      quorum_met: false,
    },
    speakers: { meeting_id: 1, queue: [], current: null },
    vote: null,
    annotations: [],
    minutes: null,
    allowed_actions: ["check_in", "speak_request", "speak_withdraw", "vote_cast", "annotate"],
    ...overrides,
  };
}

const presentation = (page: number, seq: number, document_id = 10) => ({
  meeting_id: 1,
  document_id,
  page,
  seq,
  presenter_id: 2,
});

const joined = (overrides: Partial<RoomJoinState> = {}) => room.applyJoin(room.emptyRoom(), joinState(overrides));

describe("following the presenter", () => {
  it("shows the presented page and applies only newer presentations", () => {
    let model = joined();
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 2 });
    model = room.applyPresentation(model, presentation(3, 6));
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 3 });
    // A late event (an older seq, or the same seq again) changes nothing.
    model = room.applyPresentation(model, presentation(1, 4));
    model = room.applyPresentation(model, presentation(4, 6));
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 3 });
    model = room.applyPresentation(model, presentation(1, 9, 11));
    expect(room.shownPage(model)).toEqual({ documentId: 11, page: 1 });
  });

  it("shows the first page of the first document before anything is presented", () => {
    const model = joined({ presentation: { meeting_id: 1, document_id: null, page: null, seq: 0, presenter_id: null } });
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 1 });
    expect(room.presentedPage(model)).toBeNull();
  });

  it("browsing away keeps the page while the presenter moves on; follow jumps to the latest page", () => {
    let model = joined();
    model = room.browseBy(model, 1);
    expect(model.following).toBe(false);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 3 });
    model = room.applyPresentation(model, presentation(4, 6));
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 3 });
    expect(room.isAway(model)).toBe(true);
    model = room.follow(model);
    expect(model.following).toBe(true);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 4 });
    expect(room.isAway(model)).toBe(false);
  });

  it("does not browse past the first or last page, and browsing onto the presented page is following", () => {
    let model = joined();
    model = room.browseBy(model, -1);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 1 });
    expect(room.browseBy(model, -1)).toBe(model);
    model = room.browseBy(model, 1);
    expect(model.following).toBe(true);
    for (let i = 0; i < 10; i++) model = room.browseBy(model, 1);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 5 });
  });
});

describe("reconnect catch-up", () => {
  it("a join answer replaces the server's state but keeps where the device browsed to", () => {
    let model = joined({
      vote: {
        meeting_id: 1, vote_id: 4, question: "Q", options: ["A", "B"], is_secret: false, is_open: true, votes_cast: 1,
        has_voted: false,
      },
    });
    model = room.browseBy(model, 2);
    // Offline meanwhile: the presenter went to page 5, the vote closed, someone checked in.
    model = room.applyJoin(
      model,
      joinState({
        presentation: presentation(5, 9),
        attendance: { ...joinState().attendance, voting_present: 2, quorum_met: true },
        minutes: {
          meeting_id: 1, seq: 3, status: "draft", submitted_at: null, submitted_by_id: null, return_comment: null,
          returned_at: null, approved_at: null, approved_by_id: null, pdf_available: false, sections: [],
          votes: [
            {
              vote_id: 4, question: "Q", options: ["A", "B"], is_secret: false, closed_at: "2026-11-26T01:00:00+00:00",
              result: { counts: { A: 2, B: 0 }, votes_cast: 2, present: 2, eligible: 3, quorum_met: true, passed: true },
            },
          ],
        },
      }),
    );
    expect(model.presentation?.seq).toBe(9);
    expect(model.attendance?.quorum_met).toBe(true);
    expect(model.vote).toBeNull();
    expect(model.lastResult?.result.passed).toBe(true);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 4 });
    model = room.follow(model);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 5 });
  });

  it("accepts a lower seq after a rejoin (the server's state is the truth) and forgets a vanished document", () => {
    let model = joined({ presentation: presentation(3, 40) });
    model = room.browseTo(model, { documentId: 11, page: 2 });
    model = room.applyJoin(model, joinState({ presentation: presentation(1, 2), documents: [joinState().documents[0]] }));
    expect(model.presentation?.seq).toBe(2);
    expect(model.following).toBe(true);
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 1 });
  });
});

class FakeSocket implements RoomSocket {
  connected = false;
  active = true;
  listeners = new Map<string, ((...args: any[]) => void)[]>();
  sent: { event: string; payload: any }[] = [];
  answers: ((event: string, payload: any) => any)[] = [];
  connects = 0;
  on(event: string, listener: (...args: any[]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  emit(event: string, payload: any, ack?: (answer: any) => void) {
    this.sent.push({ event, payload });
    const answer = this.answers.shift()?.(event, payload);
    if (ack && answer !== undefined) queueMicrotask(() => ack(answer));
  }
  connect() {
    this.connects++;
  }
  disconnect() {
    this.connected = false;
  }
  fire(event: string, ...args: any[]) {
    if (event === "connect") this.connected = true;
    if (event === "disconnect") this.connected = false;
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("RoomConnection", () => {
  it("joins on every connection, reports the lost connection and replaces the state on reconnect", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    const states: RoomJoinState[] = [];
    const events: [string, any][] = [];
    new RoomConnection(socket, 1, {
      state: (state) => states.push(state),
      status: (status) => statuses.push(status),
      event: (name, payload) => events.push([name, payload]),
    });
    socket.answers.push(() => ({ ok: true, state: joinState() }));
    socket.fire("connect");
    await flush();
    expect(socket.sent[0]).toEqual({ event: "join", payload: { meeting_id: 1 } });
    expect(statuses).toEqual(["live"]);

    socket.fire("presentation", presentation(3, 6));
    socket.fire("presentation", { ...presentation(3, 7), meeting_id: 99 });
    expect(events).toEqual([["presentation", presentation(3, 6)]]);

    socket.fire("disconnect", "transport close");
    expect(statuses.at(-1)).toBe("reconnecting");
    socket.answers.push(() => ({ ok: true, state: joinState({ presentation: presentation(5, 9) }) }));
    socket.fire("connect");
    await flush();
    expect(socket.sent.filter((s) => s.event === "join")).toHaveLength(2);
    expect(states.at(-1)?.presentation.seq).toBe(9);
    expect(statuses.at(-1)).toBe("live");
  });

  it("renews the token and connects again when the server refuses an expired one", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    let renewed = 0;
    new RoomConnection(
      socket,
      1,
      { state: () => undefined, status: (s) => statuses.push(s), event: () => undefined },
      async () => {
        renewed++;
      },
    );
    socket.active = false;
    socket.fire("connect_error", Object.assign(new Error("refused"), { data: { code: "unauthorized", message: "expired" } }));
    await flush();
    expect(renewed).toBe(1);
    expect(socket.connects).toBe(1);
    expect(statuses).not.toContain("refused");

    socket.fire("connect_error", Object.assign(new Error("refused"), { data: { code: "forbidden", message: "no" } }));
    expect(statuses.at(-1)).toBe("refused");
  });

  it("reconnects with a renewed token without showing the connection as lost, and catches up", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    const states: RoomJoinState[] = [];
    let connects = 0;
    socket.connect = () => {
      connects++;
    };
    const connection = new RoomConnection(socket, 1, {
      state: (state) => states.push(state),
      status: (s) => statuses.push(s),
      event: () => undefined,
    });
    socket.answers.push(() => ({ ok: true, state: joinState() }));
    socket.fire("connect");
    await flush();
    connection.reauthenticate();
    expect(connects).toBe(1);
    socket.fire("disconnect", "io client disconnect");
    socket.answers.push(() => ({ ok: true, state: joinState({ presentation: presentation(4, 8) }) }));
    socket.fire("connect");
    await flush();
    expect(statuses).toEqual(["live", "live"]);
    expect(states.at(-1)?.presentation.seq).toBe(8);
    // A later loss of the connection is reported again.
    socket.fire("disconnect", "transport close");
    expect(statuses.at(-1)).toBe("reconnecting");
  });

  it("reads the expiry of an access token", () => {
    const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "");
    expect(tokenExpiry(`${part({ alg: "HS256" })}.${part({ exp: 1_800_000_000, sub: "7" })}.sig`)).toBe(1_800_000_000_000);
    expect(tokenExpiry("not-a-token")).toBeNull();
  });

  it("a refused join is reported, and actions while offline are refused without sending", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    const connection = new RoomConnection(socket, 1, {
      state: () => undefined,
      status: (s) => statuses.push(s),
      event: () => undefined,
    });
    const offline = await connection.call("speak_request", {});
    expect(offline.ok).toBe(false);
    expect(socket.sent).toHaveLength(0);
    socket.answers.push(() => ({ ok: false, error: { code: "forbidden", message: "not invited" } }));
    socket.fire("connect");
    await flush();
    expect(statuses).toEqual(["refused"]);
  });
});

describe("votes", () => {
  const open: VoteState = {
    meeting_id: 1, vote_id: 4, question: "Thông qua chương trình?", options: ["Tán thành", "Không tán thành"],
    is_secret: true, is_open: true, votes_cast: 0,
  };

  it("counts votes cast without going back and marks my own vote", () => {
    let model = room.applyVoteOpened(joined(), open);
    expect(model.vote?.has_voted).toBe(false);
    model = room.applyVoteCount(model, { meeting_id: 1, vote_id: 4, votes_cast: 2 });
    model = room.applyVoteCount(model, { meeting_id: 1, vote_id: 4, votes_cast: 1 });
    model = room.applyVoteCount(model, { meeting_id: 1, vote_id: 3, votes_cast: 9 });
    expect(model.vote?.votes_cast).toBe(2);
    model = room.markVoted(model, 4, 3);
    expect(model.vote).toMatchObject({ has_voted: true, votes_cast: 3 });
  });

  it("the result on close replaces the open vote and stays shown", () => {
    let model = room.applyVoteOpened(joined(), open);
    const result = { counts: { "Tán thành": 2, "Không tán thành": 0 }, votes_cast: 2, present: 3, eligible: 3, quorum_met: true, passed: true };
    model = room.applyVoteClosed(model, { ...open, is_open: false, votes_cast: 2, result });
    expect(model.vote).toBeNull();
    expect(model.lastResult).toMatchObject({ voteId: 4, result });
    model = room.applyVoteCount(model, { meeting_id: 1, vote_id: 4, votes_cast: 3 });
    expect(model.vote).toBeNull();
  });
});

describe("speakers", () => {
  const speakers: SpeakersState = {
    meeting_id: 1,
    queue: [
      { user_id: 5, requested_at: "2026-11-26T01:00:00+00:00" },
      { user_id: ME, requested_at: "2026-11-26T01:00:05+00:00" },
    ],
    current: { user_id: 4, started_at: "2026-11-26T01:00:00+00:00" },
  };

  it("keeps the server's order and tells me my place", () => {
    const model = room.applySpeakers(joined(), speakers);
    expect(model.speakers?.queue.map((e) => e.user_id)).toEqual([5, ME]);
    expect(room.queuePosition(model.speakers, ME)).toBe(2);
    expect(room.queuePosition(model.speakers, 4)).toBeNull();
  });

  it("times the current speaker from the server's start", () => {
    const now = Date.parse("2026-11-26T01:02:05+00:00");
    expect(room.speakingSeconds(speakers, now)).toBe(125);
    expect(room.formatTimer(125)).toBe("02:05");
    expect(room.speakingSeconds({ ...speakers, current: null }, now)).toBeNull();
  });
});

describe("private notes per page", () => {
  let nextId = 1;
  const annotation = (author: number, page: number, text: string, shared = false): Annotation => ({
    meeting_id: 1, id: nextId++, document_id: 10, page, author_id: author, shared, data: { kind: "note", text }, created_at: null,
  });

  it("shows only my latest note of each page", () => {
    let model = joined({ annotations: [annotation(ME, 2, "first"), annotation(9, 2, "someone else's")] });
    model = room.applyAnnotation(model, annotation(ME, 2, "second"));
    model = room.applyAnnotation(model, annotation(ME, 3, "page three"));
    model = room.applyAnnotation(model, annotation(2, 4, "shared by the presenter", true));
    expect(room.myNote(model, ME, { documentId: 10, page: 2 })).toBe("second");
    expect(room.myNote(model, ME, { documentId: 10, page: 3 })).toBe("page three");
    expect(room.myNote(model, ME, { documentId: 10, page: 4 })).toBe("");
    expect(room.myNote(model, 9, { documentId: 10, page: 2 })).toBe("someone else's");
    expect(room.pagesWithNotes(model, ME, 10)).toEqual([2, 3]);
  });

  it("an emptied note no longer lists its page, and an annotation seen twice counts once", () => {
    const a = annotation(ME, 2, "x");
    let model = room.applyAnnotation(room.applyAnnotation(joined(), a), a);
    expect(model.annotations).toHaveLength(1);
    model = room.applyAnnotation(model, annotation(ME, 2, ""));
    expect(room.pagesWithNotes(model, ME, 10)).toEqual([]);
  });

  it("a note waiting in the outbox shows at once and gives way to the server's copy, never the reverse", () => {
    const waiting = { ...annotation(ME, 2, "ghi khi mất mạng"), id: -1, client_id: "c0ffee00-0000-4000-8000-000000000001" };
    const stored = { ...waiting, id: 41 };
    let model = room.applyAnnotation(joined(), waiting);
    expect(room.myNote(model, ME, { documentId: 10, page: 2 })).toBe("ghi khi mất mạng");
    model = room.applyAnnotation(model, stored);
    expect(model.annotations.map((a) => a.id)).toEqual([41]);
    // After a join the waiting copy is laid over the server's state again: it does not come back.
    model = room.applyAnnotation(model, waiting);
    expect(model.annotations.map((a) => a.id)).toEqual([41]);
  });

  it("a deleted annotation leaves the page, the others stay", () => {
    const kept = annotation(ME, 2, "kept");
    const gone = annotation(ME, 3, "deleted on my other tablet");
    const model = room.applyAnnotationDeleted(joined({ annotations: [kept, gone] }), { id: gone.id });
    expect(model.annotations).toEqual([kept]);
    expect(room.pagesWithNotes(model, ME, 10)).toEqual([2]);
  });
});

describe("what the user may do", () => {
  it("is what the server's join state allows, whatever the user's role or ids say", () => {
    const model = joined();
    expect(room.allows(model, "vote_cast")).toBe(true);
    expect(room.allows(model, "vote_open")).toBe(false);
    // The chair's id is no rule of the client's: only the allowed actions are.
    const chairIds = joined({ meeting: { ...joinState().meeting, chair_id: ME }, allowed_actions: [] });
    expect(room.allows(chairIds, "agenda_goto")).toBe(false);
    expect(room.allows(room.emptyRoom(), "annotate")).toBe(false);
  });

  it("follows the allowed actions a change of roles sends, and a reconnection's join", () => {
    let model = room.applyAllowedActions(joined(), { meeting_id: 1, allowed_actions: ["annotate", "present", "share_annotation"] });
    expect(room.allows(model, "present")).toBe(true);
    expect(room.allows(model, "vote_cast")).toBe(false);
    model = room.applyJoin(model, joinState());
    expect(room.allows(model, "present")).toBe(false);
  });

  it("offers nothing between a step of the meeting and the join that follows it", () => {
    const model = room.applyMeetingStatus(joined(), { meeting_id: 1, status: "closed", started_at: null, closed_at: null });
    expect(model.joined?.allowed_actions).toEqual([]);
  });
});

describe("the meeting's tools and its end", () => {
  const openVote = {
    meeting_id: 1, vote_id: 9, question: "Thông qua?", options: ["Tán thành", "Không tán thành"], is_secret: false,
    is_open: true, votes_cast: 0, has_voted: false,
  };

  it("a close drops the open vote and the floor at once and is no longer live", () => {
    let model = joined({
      vote: openVote,
      speakers: { meeting_id: 1, queue: [{ user_id: 4, requested_at: null }], current: { user_id: 5, started_at: null } },
    });
    expect(room.isLive(model)).toBe(true);
    model = room.applyMeetingStatus(model, { meeting_id: 1, status: "closed", started_at: null, closed_at: "2026-12-03T03:00:00+00:00" });
    expect(room.isLive(model)).toBe(false);
    expect(model.joined?.meeting.status).toBe("closed");
    expect(model.vote).toBeNull();
    expect(model.speakers).toEqual({ meeting_id: 1, queue: [], current: null });
  });

  it("prompts a voting member who has not voted, until they vote or set the vote aside", () => {
    let model = joined({ vote: openVote });
    expect(room.votePrompt(model, null)).toBe(true);
    expect(room.votePrompt(model, 9)).toBe(false);
    model = room.markVoted(model, 9, 1);
    expect(room.votePrompt(model, null)).toBe(false);
    const guest = joined({ vote: openVote, allowed_actions: ["check_in", "annotate"] });
    expect(room.votePrompt(guest, null)).toBe(false);
    const closed = room.applyMeetingStatus(joined({ vote: openVote }), {
      meeting_id: 1, status: "closed", started_at: null, closed_at: null,
    });
    expect(room.votePrompt(closed, null)).toBe(false);
  });

  it("names who is present (and how) and who is absent", () => {
    const attendance = {
      ...joinState().attendance,
      present: [{ user_id: 2, role: "chair", mode: "in_person" as const, checked_in_at: null }],
    };
    const named = room.namedAttendance(
      [
        { user_id: 2, role: "chair", full_name: "Nguyễn Văn A" },
        { user_id: 7, role: "delegate", full_name: "Trần Thị B" },
      ],
      attendance,
    );
    expect(named.present).toEqual([{ userId: 2, name: "Nguyễn Văn A", role: "chair", mode: "in_person" }]);
    expect(named.absent).toEqual([{ userId: 7, name: "Trần Thị B", role: "delegate", mode: null }]);
  });

  it("moves the agenda and the designated presenter", () => {
    let model = room.applyAgenda(joined(), 12);
    model = room.applyPresenter(model, ME);
    expect(model.joined?.agenda.current_item_id).toBe(12);
    expect(model.joined?.meeting.designated_presenter_id).toBe(ME);
    expect(room.applyPresenter(model, null).joined?.meeting.designated_presenter_id).toBeNull();
  });
});

describe("a device cut from the room", () => {
  it("may only write its private notes, whatever the server allowed", () => {
    const model = joined({ allowed_actions: ["present", "speak_request", "vote_cast", "check_in", "annotate"] });
    for (const action of ["present", "speak_request", "vote_cast", "check_in", "annotate"] as const) {
      expect(room.allowsNow(model, action, true)).toBe(true);
    }
    for (const action of ["present", "speak_request", "vote_cast", "check_in"] as const) {
      expect(room.allowsNow(model, action, false)).toBe(false);
    }
    expect(room.allowsNow(model, "annotate", false)).toBe(true);
    expect(room.allowsNow(joined({ allowed_actions: [] }), "annotate", false)).toBe(false);
  });
});

describe("room events", () => {
  it("apply to the model by name, and the minutes' own leave it as it is", () => {
    let model = joined();
    model = room.applyEvent(model, "presentation", presentation(4, 9));
    expect(room.shownPage(model)).toEqual({ documentId: 10, page: 4 });
    model = room.applyEvent(model, "allowed_actions", { meeting_id: 1, allowed_actions: ["present"] });
    expect(room.allows(model, "present")).toBe(true);
    expect(room.applyEvent(model, "minutes_section", { agenda_item_id: null })).toBe(model);
  });
});
