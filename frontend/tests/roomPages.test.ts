// The page a device shows in the live room: following the presenter, browsing, and catching up on rejoin.
import { describe, expect, it } from "vitest";
import * as room from "../src/state/room";
import { joinState, joined, presentation } from "./roomFixtures";

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
