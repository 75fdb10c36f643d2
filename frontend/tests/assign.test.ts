import { describe, expect, it } from "vitest";
import {
  assignBody,
  emptyAssign,
  fromAssignment,
  partOf,
  setPrimaryUnit,
  setPrimaryUser,
  toggle,
  validateAssign,
} from "../src/state/assignForm";

describe("assignment dialog", () => {
  it("gives each person one part: adding to one part takes them out of the other", () => {
    let draft = setPrimaryUser(emptyAssign(), 7);
    draft = toggle(draft, "co_handler", 8);
    draft = toggle(draft, "informed", 9);
    draft = toggle(draft, "informed", 8);
    expect(partOf(draft, 7)).toBe("primary");
    expect(draft.coHandlerIds).toEqual([]);
    expect(draft.informedIds).toEqual([9, 8]);
    // The primary handler cannot also be informed.
    expect(toggle(draft, "informed", 7)).toBe(draft);
    // Choosing someone as primary removes them from the other parts.
    expect(setPrimaryUser(draft, 9).informedIds).toEqual([8]);
  });

  it("requires a primary handler and a deadline not in the past", () => {
    expect(validateAssign(emptyAssign(), "2026-11-20")).toEqual({ primary: { key: "assign.primaryRequired" } });
    const draft = { ...setPrimaryUser(emptyAssign(), 7), deadline: "2026-11-19" };
    expect(validateAssign(draft, "2026-11-20")).toEqual({ deadline: { key: "assign.deadlinePast" } });
    expect(validateAssign({ ...draft, deadline: "2026-11-20" }, "2026-11-20")).toEqual({});
  });

  it("assigns a confidential document to people only", () => {
    const draft = setPrimaryUnit(emptyAssign(), 3);
    expect(validateAssign(draft, "2026-11-20", true)).toEqual({ primary: { key: "assign.confidentialToPeople" } });
    expect(validateAssign(draft, "2026-11-20", false)).toEqual({});
  });

  it("builds the action body with exactly one kind of primary", () => {
    const draft = toggle({ ...setPrimaryUnit(emptyAssign(), 3), deadline: "2026-12-01", directionText: " Xử lý gấp " }, "co_handler", 8);
    expect(assignBody(draft)).toEqual({
      primary_user_id: null,
      primary_unit_id: 3,
      co_handler_ids: [8],
      informed_ids: [],
      deadline: "2026-12-01",
      direction_text: "Xử lý gấp",
    });
  });

  it("starts a re-assignment from the current one", () => {
    const draft = fromAssignment({
      id: 1,
      assigned_by_id: 2,
      assigned_by_name: "Trần Văn Minh",
      direction_text: "Chủ trì tham mưu",
      deadline: "2026-12-01",
      created_at: "2026-11-20T01:00:00+00:00",
      superseded_at: null,
      primary: { user_id: 7, user_name: "A", unit_id: null, unit_name: null },
      co_handlers: [{ user_id: 8, user_name: "B", unit_id: null, unit_name: null }],
      informed: [],
    });
    expect(draft).toMatchObject({ primaryKind: "user", primaryUserId: 7, coHandlerIds: [8], deadline: "2026-12-01" });
  });

  it("proposes the document's due date as the deadline of a first assignment, unless it has passed", () => {
    expect(fromAssignment(null, "2026-12-10", "2026-12-03").deadline).toBe("2026-12-10");
    expect(fromAssignment(null, "2026-12-03", "2026-12-03").deadline).toBe("2026-12-03");
    expect(fromAssignment(null, "2026-12-01", "2026-12-03").deadline).toBe("");
    expect(fromAssignment(null, null, "2026-12-03").deadline).toBe("");
  });
});
