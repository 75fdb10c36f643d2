// Dates and times as Vietnamese officials read them, always in Vietnam time (UTC+7).
import type { Locale } from "./i18n/translate";

export const VIETNAM_TZ = "Asia/Ho_Chi_Minh";

const tags: Record<Locale, string> = { vi: "vi-VN", en: "en-GB" };

/** "2026-03-05" → "05/03/2026"; a calendar date has no time zone, so nothing is converted. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "";
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : value;
}

/** An instant (ISO 8601 with offset) shown as date and time in Vietnam. */
export function formatDateTime(value: string | null | undefined, locale: Locale = "vi"): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(tags[locale], {
    timeZone: VIETNAM_TZ,
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(date);
}

/** The fields of an instant in Vietnam time, two digits each (four for the year). */
function partsInVietnam(date: Date, withTime: boolean): (type: Intl.DateTimeFormatPartTypes) => string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: VIETNAM_TZ,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
  }).formatToParts(date);
  return (type) => parts.find((part) => part.type === type)?.value ?? "";
}

/** Today's date in Vietnam as "YYYY-MM-DD", whatever the device's own time zone. */
export function todayInVietnam(now: Date = new Date()): string {
  const get = partsInVietnam(now, false);
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Adds days to a "YYYY-MM-DD" date. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split("-").map(Number);
  const moved = new Date(Date.UTC(year, month - 1, day + days));
  return moved.toISOString().slice(0, 10);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** An instant as "dd/MM/yyyy HH:mm" in Vietnam time, whatever the language (signing times). */
export function formatDayAndTime(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const get = partsInVietnam(date, true);
  return `${get("day")}/${get("month")}/${get("year")} ${get("hour")}:${get("minute")}`;
}
