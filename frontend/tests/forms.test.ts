import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/errors";
import { fieldMessage, serverErrors } from "../src/state/forms";
import { addFiles, makeMain, removeAt } from "../src/state/fileList";
import { INCOMING_FIELDS, emptyIncoming, incomingMetadata, proposePageCount, validateIncoming } from "../src/state/incomingForm";

const filled = () => ({
  ...emptyIncoming(),
  issuer_id: "000.00.12.H49",
  issuer_name: " Sở Tài chính tỉnh Quảng Nam ",
  document_type: "CV",
  number: "125",
  notation: "STC-NS",
  issued_date: "2026-11-20",
  subject: "V/v hướng dẫn lập dự toán ngân sách năm 2027",
});

describe("incoming registration form", () => {
  it("accepts a complete form and sends typed, trimmed metadata", () => {
    expect(validateIncoming(filled(), 1)).toEqual({});
    expect(incomingMetadata({ ...filled(), page_count: "3", signer_name: "  " })).toMatchObject({
      issuer_name: "Sở Tài chính tỉnh Quảng Nam",
      number: 125,
      page_count: 3,
      signer_name: null,
      due_date: null,
      urgency: "normal",
    });
  });

  it("names each wrong field before anything is sent", () => {
    const errors = validateIncoming(
      { ...filled(), issuer_id: "H49", number: "12a", notation: "x".repeat(31), subject: "  ", page_count: "0" },
      0,
    );
    expect(errors).toEqual({
      issuer_id: { key: "form.agencyId" },
      number: { key: "form.positiveInteger" },
      notation: { key: "form.tooLong", params: { max: 30 } },
      subject: { key: "form.required" },
      page_count: { key: "form.positiveInteger" },
      files: { key: "form.fileRequired" },
    });
  });

  it("puts the server's messages on the fields they name", () => {
    const error = new ApiError(422, {
      code: "validation_error",
      message: "metadata.issued_date: Not a valid date.; files[1]: the file is empty",
      details: { form: { metadata: { issued_date: ["Not a valid date."] } }, files: { "files[1]": ["the file is empty"] } },
    });
    expect(serverErrors(error, INCOMING_FIELDS)).toEqual({
      issued_date: { key: "form.date" },
      files: { key: "form.refused" },
    });
  });

  it("never shows the server's English on a field: the usual checks keep their meaning", () => {
    expect(fieldMessage("Missing data for required field.")).toEqual({ key: "form.required" });
    expect(fieldMessage("Longer than maximum length 30.")).toEqual({ key: "form.tooLong", params: { max: 30 } });
    expect(fieldMessage("Length must be between 1 and 500.")).toEqual({ key: "form.tooLong", params: { max: 500 } });
    expect(fieldMessage("Not a valid integer.")).toEqual({ key: "form.positiveInteger" });
    expect(fieldMessage("Not a valid URL.")).toEqual({ key: "form.url" });
    expect(fieldMessage("user 7 may not review drafts: not a leader or specialist")).toEqual({ key: "form.refused" });
  });

  it("says a field's specific reason, or the error's own code, in the reader's words, not a generic sentence", () => {
    const fields = ["file", "password", "protection"] as const;
    const wrongPassword = new ApiError(422, {
      code: "validation_error",
      message: "password: the password does not open this PKCS#12 file",
      details: { form: { password: ["the password does not open this PKCS#12 file"] }, reasons: { password: "wrong_password" } },
    });
    expect(serverErrors(wrongPassword, fields)).toEqual({ password: { key: "reason.wrong_password" } });
    const notPkcs12 = new ApiError(422, {
      code: "validation_error",
      message: "file: not a PKCS#12 (.p12/.pfx) file",
      details: { files: { file: ["not a PKCS#12 (.p12/.pfx) file"] }, reasons: { file: "not_pkcs12" } },
    });
    expect(serverErrors(notPkcs12, fields)).toEqual({ file: { key: "reason.not_pkcs12" } });
    const expired = new ApiError(422, {
      code: "certificate_expired",
      message: "file: the certificate expired on 2025-01-01T00:00:00+00:00",
      details: { files: { file: ["the certificate expired on 2025-01-01T00:00:00+00:00"] } },
    });
    expect(serverErrors(expired, fields)).toEqual({ file: { key: "error.certificate_expired" } });
    // A reason this client does not know yet still reads in its words.
    const newer = new ApiError(422, {
      code: "validation_error",
      message: "file: something new",
      details: { files: { file: ["something new"] }, reasons: { file: "a_reason_from_a_newer_server" } },
    });
    expect(serverErrors(newer, fields)).toEqual({ file: { key: "reason.other" } });
  });

  it("shows an error about no known field as the message for its code on the form", () => {
    const error = new ApiError(415, { code: "unsupported_media_type", message: "a.exe: type not accepted" });
    expect(serverErrors(error, INCOMING_FIELDS)).toEqual({ _form: { key: "error.unsupported_media_type" } });
  });
});

describe("page count read from the main PDF", () => {
  it("fills an empty field and follows a new main file, but keeps what the clerk typed", () => {
    expect(proposePageCount("", null, 3)).toBe("3");
    expect(proposePageCount("3", "3", 5)).toBe("5");
    expect(proposePageCount("12", "3", 5)).toBe("12");
    expect(proposePageCount("12", null, 5)).toBe("12");
  });

  it("empties its own proposal when the new main file is not a readable PDF", () => {
    expect(proposePageCount("3", "3", null)).toBe("");
    expect(proposePageCount("12", "3", null)).toBe("12");
  });
});

describe("picked files", () => {
  const a = { name: "cv.pdf", size: 10, lastModified: 1 };
  const b = { name: "phu-luc.pdf", size: 20, lastModified: 2 };
  const c = { name: "bang.xlsx", size: 30, lastModified: 3 };

  it("ignores a file dropped twice", () => {
    expect(addFiles([a], [a, b, { ...a }])).toEqual([a, b]);
  });

  it("makes any file the main one and removes others", () => {
    expect(makeMain([a, b, c], 2)).toEqual([c, a, b]);
    expect(makeMain([a, b], 0)).toEqual([a, b]);
    expect(removeAt([a, b, c], 1)).toEqual([a, c]);
  });
});
