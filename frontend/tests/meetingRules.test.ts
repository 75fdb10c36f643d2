import { describe, expect, it } from "vitest";
import type { Meeting, MeetingStatus, OpinionPoll } from "../src/api/meetings";
import {
  mayAnswerPoll,
  mayCreatePoll,
  mayEdit,
  mayEnterRoom,
  mayOrganise,
  mayUpload,
  participantsByRole,
  pollShares,
  transitionsFor,
} from "../src/state/meetingRules";

const ORGANISER = { id: 1, roles: ["clerk"] as const };
const CHAIR = { id: 2, roles: ["leader"] as const };
const SECRETARY = { id: 3, roles: ["specialist"] as const };
const DELEGATE = { id: 4, roles: ["specialist"] as const };
const GUEST = { id: 5, roles: ["specialist"] as const };
const OUTSIDER = { id: 9, roles: ["leader"] as const };

function meeting(status: MeetingStatus): Meeting {
  return {
    status,
    organiser_id: 1,
    chair_id: 2,
    secretary_id: 3,
    participants: [
      { user_id: 2, role: "chair", full_name: "Trần Văn Minh" },
      { user_id: 3, role: "secretary", full_name: "Nguyễn Thị Hoa" },
      { user_id: 4, role: "delegate", full_name: "Lê Thị Thu Trang" },
      { user_id: 6, role: "delegate", full_name: "Đỗ Văn An" },
      { user_id: 5, role: "guest", full_name: "Phạm Khách" },
    ],
  } as unknown as Meeting;
}

describe("meeting actions by person and status", () => {
  it("offers the steps of the state machine to the organiser, chair and secretary only", () => {
    expect(transitionsFor(ORGANISER, meeting("draft"))).toEqual(["invite", "cancel"]);
    expect(transitionsFor(CHAIR, meeting("invited"))).toEqual(["start", "cancel"]);
    expect(transitionsFor(SECRETARY, meeting("in_progress"))).toEqual(["close"]);
    expect(transitionsFor(ORGANISER, meeting("closed"))).toEqual([]);
    expect(transitionsFor(ORGANISER, meeting("cancelled"))).toEqual([]);
    expect(transitionsFor(DELEGATE, meeting("draft"))).toEqual([]);
    expect(transitionsFor(OUTSIDER, meeting("invited"))).toEqual([]);
  });

  it("lets managers edit and upload while the meeting is open, and a presenter upload to their item", () => {
    expect(mayEdit(ORGANISER, meeting("invited"))).toBe(true);
    expect(mayEdit(ORGANISER, meeting("closed"))).toBe(false);
    expect(mayEdit(DELEGATE, meeting("draft"))).toBe(false);
    expect(mayUpload(DELEGATE, meeting("invited"))).toBe(false);
    expect(mayUpload(DELEGATE, meeting("invited"), 4)).toBe(true);
    expect(mayUpload(DELEGATE, meeting("cancelled"), 4)).toBe(false);
    expect(mayUpload(SECRETARY, meeting("in_progress"))).toBe(true);
  });

  it("opens the room to invitees of an invited or running meeting", () => {
    expect(mayEnterRoom(DELEGATE, meeting("invited"))).toBe(true);
    expect(mayEnterRoom(GUEST, meeting("in_progress"))).toBe(true);
    expect(mayEnterRoom(ORGANISER, meeting("in_progress"))).toBe(true);
    expect(mayEnterRoom(DELEGATE, meeting("draft"))).toBe(false);
    expect(mayEnterRoom(DELEGATE, meeting("closed"))).toBe(false);
    expect(mayEnterRoom(OUTSIDER, meeting("in_progress"))).toBe(false);
  });

  it("shows 'new meeting' to clerks, leaders and administrators", () => {
    expect(mayOrganise(["clerk"])).toBe(true);
    expect(mayOrganise(["specialist", "admin"])).toBe(true);
    expect(mayOrganise(["specialist"])).toBe(false);
  });
});

describe("opinion polls", () => {
  const now = new Date("2026-12-01T00:00:00Z");
  const poll = (changes: Partial<OpinionPoll> = {}): OpinionPoll => ({
    id: 1,
    meeting_id: 1,
    question: "?",
    options: ["Đồng ý", "Không đồng ý"],
    deadline: "2026-12-02T00:00:00Z",
    created_by_id: 3,
    results: { "Đồng ý": 2, "Không đồng ý": 1 },
    answered: 3,
    eligible: 4,
    my_answer: null,
    answers: [],
    ...changes,
  });

  it("lets the chair and delegates answer once before the deadline, not the secretary or guests", () => {
    expect(mayAnswerPoll(DELEGATE, meeting("invited"), poll(), now)).toBe(true);
    expect(mayAnswerPoll(CHAIR, meeting("invited"), poll(), now)).toBe(true);
    expect(mayAnswerPoll(SECRETARY, meeting("invited"), poll(), now)).toBe(false);
    expect(mayAnswerPoll(GUEST, meeting("invited"), poll(), now)).toBe(false);
    const answered = poll({ my_answer: { user_id: 4, option: "Đồng ý", comment: null, answered_at: "" } });
    expect(mayAnswerPoll(DELEGATE, meeting("invited"), answered, now)).toBe(false);
    expect(mayAnswerPoll(DELEGATE, meeting("invited"), poll({ deadline: "2026-11-30T23:59:00Z" }), now)).toBe(false);
  });

  it("creates polls only while the meeting is not over, for those who run it", () => {
    expect(mayCreatePoll(SECRETARY, meeting("in_progress"))).toBe(true);
    expect(mayCreatePoll(SECRETARY, meeting("closed"))).toBe(false);
    expect(mayCreatePoll(DELEGATE, meeting("invited"))).toBe(false);
  });

  it("shows each option's share of the answers", () => {
    expect(pollShares(poll())).toEqual([
      { option: "Đồng ý", count: 2, percent: 67 },
      { option: "Không đồng ý", count: 1, percent: 33 },
    ]);
    expect(pollShares(poll({ results: {}, answered: 0 }))[0].percent).toBe(0);
  });
});

describe("people of a meeting", () => {
  it("groups them chair, secretary, delegates, guests, names in Vietnamese order", () => {
    const groups = participantsByRole(meeting("invited").participants);
    expect(groups.map((g) => g.role)).toEqual(["chair", "secretary", "delegate", "guest"]);
    expect(groups[2].people.map((p) => p.full_name)).toEqual(["Đỗ Văn An", "Lê Thị Thu Trang"]);
  });
});
