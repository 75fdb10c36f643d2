// When a meeting's book downloads by itself (the meeting's offline_download setting), in Vietnam's days.
import type { AutoDownload } from "../api/offline";
import { addDays, todayInVietnam } from "../format";
import { vietnamDate } from "../state/calendar";

export interface SchedulableMeeting {
  status: string;
  starts_at: string;
  offline_download?: AutoDownload;
}

/**
 * on_invitation: as soon as the invitation is out (and while the meeting runs); day_before: from the day
 * before the meeting's day on; manual: never by itself. A draft, closed or cancelled meeting: never.
 */
export function autoDownloadDue(meeting: SchedulableMeeting, now: Date): boolean {
  if (meeting.status !== "invited" && meeting.status !== "in_progress") return false;
  switch (meeting.offline_download ?? "manual") {
    case "on_invitation":
      return true;
    case "day_before":
      return todayInVietnam(now) >= addDays(vietnamDate(meeting.starts_at), -1);
    default:
      return false;
  }
}

/** The window of meetings looked at when the app opens: those running or starting within 60 days. */
export function autoDownloadWindow(now: Date): { from: string; to: string } {
  const day = 24 * 60 * 60 * 1000;
  return { from: new Date(now.getTime() - day).toISOString(), to: new Date(now.getTime() + 60 * day).toISOString() };
}
