// The offline meeting book (meetings/offline), the idempotent writes of a device's outbox, and the devices
// a user works from (eoffice/devices).
import type { ApiClient } from "./client";

export type AutoDownload = "manual" | "on_invitation" | "day_before";
export const AUTO_DOWNLOAD: AutoDownload[] = ["manual", "on_invitation", "day_before"];

export interface OfflineDocument {
  id: number;
  file_id: number;
  name: string;
  size: number;
  page_count?: number | null;
  /** The download's ETag, quotes included. */
  etag: string;
  content_type: string;
  agenda_item_id: number | null;
  /** Where to download it: names this version for good. */
  url: string;
  /** With S3, the store's own signed URL of the same bytes, taken without the token until it expires. */
  direct_url?: string | null;
  direct_url_expires_at?: string | null;
}

export interface OfflineBook {
  meeting_id: number;
  /** Base64 of the 32-byte AES key this user's devices encrypt this book with. */
  key: string;
  key_id: string;
  /** Erase the book then; null while the meeting is not closed. */
  keep_until: string | null;
  auto_download: AutoDownload;
  documents: OfflineDocument[];
}

export interface AnnotationBody {
  document_id: number;
  page: number;
  data: Record<string, unknown>;
  shared: boolean;
  /** The UUID the device gave it: sent again, the server answers the first one and stores nothing. */
  client_id: string;
}

export interface Device {
  device_id: string;
  name: string;
  first_seen_at: string;
  last_seen_at: string;
  revoked_at: string | null;
  revoked_by_id: number | null;
  is_current: boolean;
}

export function offlineApi(client: ApiClient) {
  return {
    book: (meetingId: number) => client.get<OfflineBook>(`/api/v1/meetings/${meetingId}/offline`),
    annotate: (meetingId: number, body: AnnotationBody) =>
      client.post<Record<string, unknown>>(`/api/v1/meetings/${meetingId}/annotations`, body),
    devices: (userId?: number) => client.get<Device[]>("/api/v1/devices", { user_id: userId }),
    revokeDevice: (deviceId: string, userId?: number) =>
      client.request<Device>("POST", `/api/v1/devices/${encodeURIComponent(deviceId)}/revoke`, {
        query: { user_id: userId },
        json: {},
      }),
  };
}

export type OfflineApi = ReturnType<typeof offlineApi>;
