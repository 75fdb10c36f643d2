// The "Hộp thư công vụ" form: the mailbox's settings as the admin edits them, checked as the server checks
// them (eoffice/mailbox/schemas.py), and what the screen says of the worker's last look and of each message.
import type { Mailbox, MailboxInput, MailboxSecurity, MailReceipt } from "../api/mailbox";
import type { MessageKey } from "../i18n/translate";
import { collect, maxLength, required, type FieldErrors, type FieldMessage } from "./forms";

export interface MailboxFields {
  host: string;
  port: string;
  security: MailboxSecurity;
  username: string;
  /** Write-only: empty means "keep the saved one"; cleared once a save was sent. */
  password: string;
  folder: string;
  processed_folder: string;
  refused_folder: string;
  is_enabled: boolean;
}

export type MailboxField = Exclude<keyof MailboxFields, "is_enabled">;
export const MAILBOX_FIELDS: readonly MailboxField[] = [
  "host",
  "port",
  "security",
  "username",
  "password",
  "folder",
  "processed_folder",
  "refused_folder",
];

/** The port each kind of connection uses unless the server says otherwise. */
export const DEFAULT_PORTS: Record<MailboxSecurity, number> = { tls: 993, starttls: 143, none: 143 };

export function mailboxFields(mailbox: Mailbox | null): MailboxFields {
  const security = mailbox?.security ?? "tls";
  return {
    host: mailbox?.host ?? "",
    port: String(mailbox?.port ?? DEFAULT_PORTS[security]),
    security,
    username: mailbox?.username ?? "",
    password: "",
    folder: mailbox?.folder ?? "INBOX",
    processed_folder: mailbox?.processed_folder ?? "Processed",
    refused_folder: mailbox?.refused_folder ?? "Refused",
    is_enabled: mailbox?.is_enabled ?? true,
  };
}

/** A new kind of connection brings its usual port, unless the admin had typed another one. */
export function withSecurity(fields: MailboxFields, security: MailboxSecurity): MailboxFields {
  const usual = Object.values(DEFAULT_PORTS).map(String);
  const port = usual.includes(fields.port.trim()) || !fields.port.trim() ? String(DEFAULT_PORTS[security]) : fields.port;
  return { ...fields, security, port };
}

function port(value: string): FieldMessage | null {
  if (!value.trim()) return { key: "form.required" };
  const number = Number(value.trim());
  return /^\d+$/.test(value.trim()) && number >= 1 && number <= 65535 ? null : { key: "mailbox.portRange" };
}

function distinctFolders(fields: MailboxFields, field: "processed_folder" | "refused_folder"): FieldMessage | null {
  const others = field === "processed_folder" ? [fields.folder] : [fields.folder, fields.processed_folder];
  return others.map((folder) => folder.trim()).includes(fields[field].trim()) ? { key: "mailbox.foldersDiffer" } : null;
}

/** The first problem of each field; a password is needed only while none is saved. */
export function validateMailbox(fields: MailboxFields, hasPassword: boolean): FieldErrors<MailboxField> {
  return collect<MailboxField>({
    host: [required(fields.host), maxLength(fields.host, 255)],
    port: [port(fields.port)],
    security: [],
    username: [required(fields.username), maxLength(fields.username, 255)],
    password: [hasPassword ? null : required(fields.password), maxLength(fields.password, 1000)],
    folder: [required(fields.folder), maxLength(fields.folder, 255)],
    processed_folder: [required(fields.processed_folder), maxLength(fields.processed_folder, 255), distinctFolders(fields, "processed_folder")],
    refused_folder: [required(fields.refused_folder), maxLength(fields.refused_folder, 255), distinctFolders(fields, "refused_folder")],
  });
}

/** What is sent: trimmed, the port a number, the password only when one was typed (it is never trimmed). */
export function mailboxInput(fields: MailboxFields): MailboxInput {
  const input: MailboxInput = {
    host: fields.host.trim(),
    port: Number(fields.port.trim()),
    security: fields.security,
    username: fields.username.trim(),
    folder: fields.folder.trim(),
    processed_folder: fields.processed_folder.trim(),
    refused_folder: fields.refused_folder.trim(),
    is_enabled: fields.is_enabled,
  };
  if (fields.password) input.password = fields.password;
  return input;
}

export type PollState = "not_configured" | "disabled" | "never" | "ok" | "failed";
export const POLL_MESSAGES: Record<PollState, MessageKey> = {
  not_configured: "mailbox.status.not_configured",
  disabled: "mailbox.status.disabled",
  never: "mailbox.status.never",
  ok: "mailbox.status.ok",
  failed: "mailbox.status.failed",
};
export const SECURITY_LABELS: Record<MailboxSecurity, MessageKey> = {
  tls: "mailbox.security.tls",
  starttls: "mailbox.security.starttls",
  none: "mailbox.security.none",
};

/** What the worker's last look at the mailbox came to. */
export function pollState(mailbox: Mailbox | null): PollState {
  if (!mailbox?.is_configured) return "not_configured";
  if (!mailbox.is_enabled) return "disabled";
  if (mailbox.last_error) return "failed";
  return mailbox.checked_at ? "ok" : "never";
}

export type ReceiptState = "document" | "refused" | "refused_by_clerk" | "waiting_move" | "not_moved";
export const RECEIPT_MESSAGES: Record<ReceiptState, MessageKey> = {
  document: "mailbox.receipt.document",
  refused: "mailbox.receipt.refused",
  refused_by_clerk: "mailbox.receipt.refused_by_clerk",
  waiting_move: "mailbox.receipt.waiting_move",
  not_moved: "mailbox.receipt.not_moved",
};

/** A message as the list shows it: what it became, and whether the mailbox already shows that. */
export function receiptState(receipt: MailReceipt): ReceiptState {
  if (receipt.move_error) return "not_moved";
  if (!receipt.is_moved) return "waiting_move";
  if (receipt.outcome === "document") return "document";
  return receipt.refused_at ? "refused_by_clerk" : "refused";
}
