// The join state a device receives, and helpers the live room tests share.
import type { RoomJoinState } from "../src/api/room";
import * as room from "../src/state/room";

export const ME = 7;

export function joinState(overrides: Partial<RoomJoinState> = {}): RoomJoinState {
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
      version: 3,
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

export const presentation = (page: number, seq: number, document_id = 10) => ({
  meeting_id: 1,
  document_id,
  page,
  seq,
  presenter_id: 2,
});

export const joined = (overrides: Partial<RoomJoinState> = {}) => room.applyJoin(room.emptyRoom(), joinState(overrides));
