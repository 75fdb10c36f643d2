import { describe, expect, it } from "vitest";
import { draftMetadata, emptyDraft, emptySubmission, submissionBody, validateDraft, validateSubmission } from "../src/state/draftForm";
import { filtersFromQuery, listFilters, queryFromFilters } from "../src/state/searchQuery";

describe("outgoing draft", () => {
  it("sends internal units and other agencies as recipients", () => {
    const fields = {
      ...emptyDraft(),
      subject: "Báo cáo tình hình",
      recipient_unit_ids: [2],
      external: [{ agency_id: "000.00.01.H49", agency_name: "Sở Nội vụ" }],
    };
    expect(validateDraft(fields, 1)).toEqual({});
    expect(draftMetadata(fields).recipients).toEqual([
      { unit_id: 2 },
      { agency_id: "000.00.01.H49", agency_name: "Sở Nội vụ" },
    ]);
    expect(validateDraft({ ...fields, external: [{ agency_id: "x", agency_name: "" }] }, 0)).toEqual({
      recipients: { key: "draft.externalInvalid" },
      files: { key: "form.fileRequired" },
    });
  });

  it("needs one reviewer per level, not the drafter, and a signer who is not a reviewer", () => {
    const drafter = 5;
    expect(validateSubmission(emptySubmission(2), drafter)).toMatchObject({
      reviewer_ids: { key: "submit.reviewerPerLevel" },
      signer_id: { key: "form.required" },
    });
    expect(validateSubmission({ reviewerIds: [3, 3], signerId: 2, note: "" }, drafter).reviewer_ids).toEqual({
      key: "submit.reviewerTwice",
    });
    expect(validateSubmission({ reviewerIds: [5], signerId: 2, note: "" }, drafter).reviewer_ids).toEqual({
      key: "submit.notOwnReviewer",
    });
    expect(validateSubmission({ reviewerIds: [3], signerId: 3, note: "" }, drafter).signer_id).toEqual({
      key: "submit.signerNotReviewer",
    });
    const good = { reviewerIds: [3], signerId: 2, note: "" };
    expect(validateSubmission(good, drafter)).toEqual({});
    expect(submissionBody(good)).toEqual({ reviewer_ids: [3], signer_id: 2, note: null });
  });
});

describe("search filters in the address", () => {
  it("round-trips and leaves defaults out", () => {
    const filters = filtersFromQuery({ q: "quyet dinh", direction: "incoming", bogus: "1" });
    expect(filters).toEqual({ q: "quyet dinh", direction: "incoming", status: "all", urgency: "", from: "", to: "" });
    expect(queryFromFilters(filters)).toEqual({ q: "quyet dinh", direction: "incoming" });
    expect(listFilters(filters)).toEqual({
      q: "quyet dinh",
      direction: "incoming",
      status: "all",
      urgency: undefined,
      from: undefined,
      to: undefined,
    });
  });

  it("ignores an unknown direction", () => {
    expect(filtersFromQuery({ direction: "sideways" }).direction).toBe("");
  });
});
