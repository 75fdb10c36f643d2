import { describe, expect, it } from "vitest";
import type { Mailbox, MailReceipt } from "../src/api/mailbox";
import {
  mailboxFields,
  mailboxInput,
  pollState,
  receiptState,
  validateMailbox,
  withSecurity,
} from "../src/state/mailboxForm";

const configured: Mailbox = {
  agency_id: "000.00.00.H49",
  is_configured: true,
  host: "mail.quangnam.gov.vn",
  port: 993,
  security: "tls",
  username: "vanthu@quangnam.gov.vn",
  has_password: true,
  folder: "INBOX",
  processed_folder: "Đã xử lý",
  refused_folder: "Từ chối",
  is_enabled: true,
  checked_at: "2026-12-03T01:15:00+00:00",
  last_error: null,
};

const receipt = (changes: Partial<MailReceipt>): MailReceipt => ({
  id: 1,
  message_key: "<a@stc.quangnam.gov.vn>",
  outcome: "document",
  reason: null,
  sender: "vanthu@stc.quangnam.gov.vn",
  subject: "Công văn",
  document_id: 7,
  is_moved: true,
  move_error: null,
  refused_at: null,
  created_at: "2026-12-03T01:15:00+00:00",
  ...changes,
});

describe("mailbox form", () => {
  it("starts a new mailbox with IMAPS defaults and an existing one with what is saved, never a password", () => {
    expect(mailboxFields(null)).toMatchObject({ port: "993", security: "tls", folder: "INBOX", password: "", is_enabled: true });
    expect(mailboxFields(configured)).toMatchObject({ host: "mail.quangnam.gov.vn", processed_folder: "Đã xử lý", password: "" });
  });

  it("asks for a password only while none is saved, and sends it only when one was typed", () => {
    const fresh = { ...mailboxFields(null), host: "mail.quangnam.gov.vn", username: "vanthu" };
    expect(validateMailbox(fresh, false).password).toEqual({ key: "form.required" });
    expect(validateMailbox(fresh, true)).toEqual({});
    expect("password" in mailboxInput(mailboxFields(configured))).toBe(false);
    // A password is sent exactly as typed: spaces belong to it.
    expect(mailboxInput({ ...mailboxFields(configured), password: " mật khẩu " }).password).toBe(" mật khẩu ");
  });

  it("refuses a port out of range, missing fields and folders that are the same", () => {
    const fields = { ...mailboxFields(configured), host: " ", port: "70000", refused_folder: "INBOX" };
    expect(validateMailbox(fields, true)).toEqual({
      host: { key: "form.required" },
      port: { key: "mailbox.portRange" },
      refused_folder: { key: "mailbox.foldersDiffer" },
    });
    expect(validateMailbox({ ...fields, host: "h", port: "0", refused_folder: "R" }, true)).toEqual({
      port: { key: "mailbox.portRange" },
    });
  });

  it("sends the port as a number and trims what the admin typed", () => {
    const input = mailboxInput({ ...mailboxFields(configured), host: " mail.quangnam.gov.vn ", port: " 143 " });
    expect(input).toMatchObject({ host: "mail.quangnam.gov.vn", port: 143, security: "tls", is_enabled: true });
  });

  it("moves the port with the kind of connection, unless the admin typed another one", () => {
    expect(withSecurity(mailboxFields(null), "starttls").port).toBe("143");
    expect(withSecurity({ ...mailboxFields(null), security: "starttls", port: "143" }, "tls").port).toBe("993");
    expect(withSecurity({ ...mailboxFields(null), port: "1993" }, "starttls").port).toBe("1993");
  });
});

describe("what the worker made of the mailbox and its messages", () => {
  it("says whether the last look succeeded", () => {
    expect(pollState(null)).toBe("not_configured");
    expect(pollState({ agency_id: "x", is_configured: false })).toBe("not_configured");
    expect(pollState({ ...configured, checked_at: null })).toBe("never");
    expect(pollState(configured)).toBe("ok");
    expect(pollState({ ...configured, last_error: "login refused" })).toBe("failed");
    expect(pollState({ ...configured, is_enabled: false, last_error: "login refused" })).toBe("disabled");
  });

  it("tells a clerk's refusal from the intake's and a move still waiting from one that cannot happen", () => {
    expect(receiptState(receipt({}))).toBe("document");
    expect(receiptState(receipt({ outcome: "refused", reason: "too many attachments" }))).toBe("refused");
    expect(receiptState(receipt({ outcome: "refused", refused_at: "2026-12-04T00:00:00Z" }))).toBe("refused_by_clerk");
    expect(receiptState(receipt({ outcome: "refused", refused_at: "2026-12-04T00:00:00Z", is_moved: false }))).toBe("waiting_move");
    expect(receiptState(receipt({ is_moved: false, move_error: "gone" }))).toBe("not_moved");
  });
});
