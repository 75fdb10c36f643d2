import { describe, expect, it } from "vitest";
import type { Meeting, MeetingStatus, OpinionPoll } from "../src/api/meetings";
import { participantsByRole, pollIsOpen, pollShares } from "../src/state/meetingDisplay";

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
    allowed_actions: [],
    ...changes,
  });

  it("is open until its deadline", () => {
    expect(pollIsOpen(poll(), now)).toBe(true);
    expect(pollIsOpen(poll({ deadline: "2026-11-30T23:59:00Z" }), now)).toBe(false);
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
