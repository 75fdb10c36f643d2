// The agency's official mailbox (eoffice/mailbox/api.py): its IMAP settings and the messages taken from it.
import type { ApiClient } from "./client";

export type MailboxSecurity = "tls" | "starttls" | "none";

export interface Mailbox {
  agency_id: string;
  /** False (and nothing else given) before the first save. */
  is_configured: boolean;
  host?: string;
  port?: number;
  security?: MailboxSecurity;
  username?: string;
  /** The password itself is never sent back. */
  has_password?: boolean;
  folder?: string;
  processed_folder?: string;
  refused_folder?: string;
  is_enabled?: boolean;
  checked_at?: string | null;
  last_error?: string | null;
}

export interface MailboxInput {
  host: string;
  port: number;
  security: MailboxSecurity;
  username: string;
  /** Left out: the password saved before stays. */
  password?: string;
  folder: string;
  processed_folder: string;
  refused_folder: string;
  is_enabled: boolean;
}

export interface MailReceipt {
  id: number;
  message_key: string;
  outcome: "document" | "refused";
  reason: string | null;
  sender: string | null;
  subject: string | null;
  document_id: number | null;
  is_moved: boolean;
  move_error: string | null;
  refused_at: string | null;
  created_at: string;
}

function path(agencyId: string): string {
  return `/api/v1/mailboxes/${encodeURIComponent(agencyId)}`;
}

export function mailboxApi(client: ApiClient) {
  return {
    get(agencyId: string): Promise<Mailbox> {
      return client.get<Mailbox>(path(agencyId));
    },
    save(agencyId: string, input: MailboxInput): Promise<Mailbox> {
      return client.put<Mailbox>(path(agencyId), input);
    },
    messages(agencyId: string): Promise<MailReceipt[]> {
      return client.get<MailReceipt[]>(`${path(agencyId)}/messages`);
    },
  };
}
