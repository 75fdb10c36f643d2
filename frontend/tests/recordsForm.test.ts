import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/errors";
import type { CaseFileDetail, FileListEntry } from "../src/api/records";
import {
  caseFileChanges,
  caseFileFields,
  caseFileServerErrors,
  emptyEntry,
  entryBody,
  entryChanges,
  entryFields,
  entryServerErrors,
  movedOrder,
  validateCaseFile,
  validateEntry,
} from "../src/state/recordsForm";

const entry: FileListEntry = {
  id: 7,
  agency_id: "000.00.00.H49",
  year: 2026,
  heading: "Văn phòng",
  position: 2,
  notation: "VP-01",
  title: "Hồ sơ hội nghị tổng kết",
  retention_years: 10,
  unit_id: 1,
  responsible_id: null,
  note: null,
  allowed_actions: ["edit", "delete"],
};

const caseFile = {
  id: 3,
  title: "Hồ sơ dự toán 2027",
  retention_years: null,
  access_regime: "open",
  language: "vi",
  keywords: "dự toán",
  physical_state: null,
  note: null,
} as CaseFileDetail;

const refusal = (status: number, code: string, fields?: Record<string, string[]>) =>
  new ApiError(status, { code, message: "refused", details: fields ? { json: fields } : undefined });

describe("a file-list entry", () => {
  it("changes only what differs from the stored entry", () => {
    expect(entryChanges(entry, entryFields(entry))).toEqual({});
    const fields = { ...entryFields(entry), title: " Hồ sơ hội nghị tổng kết năm 2026 ", retention: "", responsible_id: 5 };
    expect(entryChanges(entry, fields)).toEqual({
      title: "Hồ sơ hội nghị tổng kết năm 2026",
      retention_years: null,
      responsible_id: 5,
    });
    expect(entryChanges(entry, { ...entryFields(entry), note: "  " })).toEqual({});
  });

  it("checks what the server checks before sending", () => {
    const errors = validateEntry({ ...emptyEntry(), notation: "VP/01", retention: "0", position: "-1" });
    expect(errors.heading).toEqual({ key: "form.required" });
    expect(errors.title).toEqual({ key: "form.required" });
    expect(errors.notation).toEqual({ key: "records.notationInvalid" });
    expect(errors.retention).toEqual({ key: "records.retentionInvalid" });
    expect(errors.position).toEqual({ key: "records.positionInvalid" });
    expect(validateEntry(entryFields(entry))).toEqual({});
    expect(validateEntry({ ...entryFields(entry), notation: "Đ.TC-01" })).toEqual({});
    expect(validateEntry({ ...entryFields(entry), notation: "-01" }).notation).toBeTruthy();
    expect(validateEntry({ ...entryFields(entry), notation: "A".repeat(21) }).notation).toBeTruthy();
  });

  it("sends a new entry whole, with null for what is left empty", () => {
    expect(entryBody({ ...emptyEntry("Văn phòng"), notation: " VP-02 ", title: "Hồ sơ thi đua" })).toEqual({
      heading: "Văn phòng",
      position: 0,
      notation: "VP-02",
      title: "Hồ sơ thi đua",
      retention_years: 10,
      unit_id: null,
      responsible_id: null,
      note: null,
    });
  });

  it("puts a notation in use and a refused retention on their fields", () => {
    expect(entryServerErrors(refusal(409, "case_file_code_taken", { notation: ["VP-01 exists in 2026"] }))).toEqual({
      notation: { key: "error.case_file_code_taken" },
    });
    const range = "Must be greater than or equal to 1 and less than or equal to 100.";
    expect(entryServerErrors(refusal(422, "validation_error", { retention_years: [range] }))).toEqual({
      retention: { key: "records.retentionInvalid" },
    });
    expect(entryServerErrors(refusal(403, "forbidden"))).toEqual({ _form: { key: "error.forbidden" } });
  });
});

describe("a case file's metadata", () => {
  it("changes only what differs, and nothing when nothing does", () => {
    expect(caseFileChanges(caseFile, caseFileFields(caseFile))).toEqual({});
    const fields = { ...caseFileFields(caseFile), retention: "20", access_regime: "restricted" as const, keywords: "", physical_state: "Tốt" };
    expect(caseFileChanges(caseFile, fields)).toEqual({
      retention_years: 20,
      access_regime: "restricted",
      keywords: null,
      physical_state: "Tốt",
    });
  });

  it("asks the reason only when a closed case file is changed", () => {
    const fields = caseFileFields(caseFile);
    expect(validateCaseFile(fields, "", false)).toEqual({});
    expect(validateCaseFile(fields, " ", true)).toEqual({ reason: { key: "form.required" } });
    expect(validateCaseFile(fields, "Bổ sung từ khóa theo yêu cầu", true)).toEqual({});
    expect(validateCaseFile({ ...fields, title: "" }, "", false).title).toEqual({ key: "form.required" });
  });

  it("places the server's reason refusal on the reason, a state refusal on the form", () => {
    expect(caseFileServerErrors(refusal(422, "validation_error", { reason: ["an archivist's change says why"] })).reason).toBeTruthy();
    expect(caseFileServerErrors(refusal(409, "invalid_state"))).toEqual({ _form: { key: "error.invalid_state" } });
  });
});

describe("moving a document", () => {
  const documents = [
    { document_id: 30, ordinal: 3 },
    { document_id: 10, ordinal: 1 },
    { document_id: 20, ordinal: 2 },
  ];

  it("swaps it with its neighbour and lists every document", () => {
    expect(movedOrder(documents, 20, -1)).toEqual([20, 10, 30]);
    expect(movedOrder(documents, 20, 1)).toEqual([10, 30, 20]);
  });

  it("goes nowhere past either end or for a document not in the case file", () => {
    expect(movedOrder(documents, 10, -1)).toBeNull();
    expect(movedOrder(documents, 30, 1)).toBeNull();
    expect(movedOrder(documents, 99, 1)).toBeNull();
  });
});
