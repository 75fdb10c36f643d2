// The live meeting's votes, speakers, tools and end, and what the server lets the user do in it.
import { describe, expect, it } from "vitest";
import type { SpeakersState, VoteState } from "../src/api/room";
import * as room from "../src/state/room";
import { ME, joinState, joined } from "./roomFixtures";

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
