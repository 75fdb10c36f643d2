import { describe, expect, it } from "vitest";
import { actionBody, emptyValues, orderedActions, validateAction } from "../src/state/actionForms";

describe("action forms", () => {
  it("orders the offered actions: the step forward first", () => {
    expect(orderedActions(["refuse", "register"])).toEqual(["register", "refuse"]);
    expect(orderedActions(["return", "approve"])).toEqual(["approve", "return"]);
  });

  it("requires a reason to return or refuse, and a percent within 0-100", () => {
    expect(validateAction("return", emptyValues("return"))).toEqual({ comment: { key: "form.required" } });
    expect(validateAction("approve", emptyValues("approve"))).toEqual({});
    expect(validateAction("record_progress", { note: "Đã dự thảo", percent: "120" })).toEqual({
      percent: { key: "form.percent" },
    });
  });

  it("sends the body each action schema expects", () => {
    expect(actionBody("submit_for_direction", { leader_id: "3", note: "" })).toEqual({ leader_id: 3, note: null });
    expect(actionBody("record_progress", { note: " Đã dự thảo ", percent: "" })).toEqual({ note: "Đã dự thảo", percent: null });
    expect(actionBody("approve", { comment: "Đồng ý" })).toEqual({ comment: "Đồng ý" });
    expect(actionBody("mark_read", {})).toEqual({});
    // A correction sends only the fields given: an empty one keeps the document's value.
    expect(actionBody("correct", { reason: " Sai trích yếu ", subject: "V/v mới", signer_name: "", signer_position: " " })).toEqual({
      reason: "Sai trích yếu",
      subject: "V/v mới",
    });
  });
});
