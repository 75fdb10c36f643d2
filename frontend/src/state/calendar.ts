// The meetings calendar: week and month grids and the list, all in Vietnam time whatever the device's zone.
import type { Meeting } from "../api/meetings";
import { addDays } from "../format";

/** Vietnam keeps UTC+7 all year (no daylight saving since 1975), so a fixed offset is exact. */
export const VIETNAM_OFFSET = "+07:00";
const OFFSET_MS = 7 * 3600 * 1000;

export type CalendarView = "week" | "month" | "list";
export const CALENDAR_VIEWS: CalendarView[] = ["week", "month", "list"];

/** Below this width (a 10-inch tablet held upright) the list reads better than a grid. */
export const GRID_MIN_WIDTH = 1000;

export function defaultView(width: number): CalendarView {
  return width >= GRID_MIN_WIDTH ? "week" : "list";
}

function shifted(iso: string): string {
  return new Date(Date.parse(iso) + OFFSET_MS).toISOString();
}

/** The Vietnam calendar date of an instant: "2026-12-01T18:30:00Z" → "2026-12-02". */
export function vietnamDate(iso: string): string {
  return shifted(iso).slice(0, 10);
}

/** The Vietnam wall-clock time of an instant, "HH:MM". */
export function vietnamTime(iso: string): string {
  return shifted(iso).slice(11, 16);
}

/** The instant a Vietnam day begins, as the API takes it. */
export function vietnamMidnight(date: string): string {
  return `${date}T00:00:00${VIETNAM_OFFSET}`;
}

/** 1 = Monday … 7 = Sunday of a "YYYY-MM-DD" date. */
export function isoWeekday(date: string): number {
  const [year, month, day] = date.split("-").map(Number);
  return ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
}

/** Weeks start on Monday, as Vietnamese calendars print them. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

export function startOfMonth(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

function addMonths(date: string, months: number): string {
  const [year, month] = date.split("-").map(Number);
  const moved = new Date(Date.UTC(year, month - 1 + months, 1));
  return moved.toISOString().slice(0, 10);
}

export function weekDays(anchor: string): string[] {
  const monday = startOfWeek(anchor);
  return Array.from({ length: 7 }, (_, index) => addDays(monday, index));
}

export interface MonthCell {
  date: string;
  inMonth: boolean;
}

/** Whole weeks (Monday first) covering the anchor's month; days of the months around it are marked. */
export function monthGrid(anchor: string): MonthCell[][] {
  const first = startOfMonth(anchor);
  const next = addMonths(first, 1);
  const weeks: MonthCell[][] = [];
  for (let monday = startOfWeek(first); monday < next; monday = addDays(monday, 7)) {
    weeks.push(weekDays(monday).map((date) => ({ date, inMonth: date.slice(0, 7) === first.slice(0, 7) })));
  }
  return weeks;
}

export interface Period {
  /** First day shown and the day after the last, Vietnam dates. */
  start: string;
  end: string;
}

/** The days a view shows; the list shows the anchor's month. */
export function periodOf(view: CalendarView, anchor: string): Period {
  if (view === "week") {
    const start = startOfWeek(anchor);
    return { start, end: addDays(start, 7) };
  }
  if (view === "month") {
    const weeks = monthGrid(anchor);
    return { start: weeks[0][0].date, end: addDays(weeks[weeks.length - 1][6].date, 1) };
  }
  return { start: startOfMonth(anchor), end: addMonths(startOfMonth(anchor), 1) };
}

/** The query of GET /api/v1/meetings for a period: from Vietnam midnight to Vietnam midnight. */
export function periodQuery(period: Period): { from: string; to: string } {
  return { from: vietnamMidnight(period.start), to: vietnamMidnight(period.end) };
}

/** The anchor one week or month earlier (step -1) or later (+1). */
export function shiftAnchor(view: CalendarView, anchor: string, step: number): string {
  return view === "week" ? addDays(anchor, 7 * step) : addMonths(anchor, step);
}

/** The Vietnam days a meeting touches (its end is exclusive: ending at midnight stays on the day before). */
export function meetingDays(meeting: Pick<Meeting, "starts_at" | "ends_at">): string[] {
  const first = vietnamDate(meeting.starts_at);
  const endInstant = Math.max(Date.parse(meeting.ends_at) - 1, Date.parse(meeting.starts_at));
  const last = vietnamDate(new Date(endInstant).toISOString());
  const days: string[] = [];
  for (let day = first; day <= last && days.length < 366; day = addDays(day, 1)) days.push(day);
  return days;
}

function byStart<M extends Pick<Meeting, "starts_at" | "id">>(a: M, b: M): number {
  return Date.parse(a.starts_at) - Date.parse(b.starts_at) || a.id - b.id;
}

/** Each day of the period with the meetings on it, earliest first. */
export function meetingsByDay<M extends Pick<Meeting, "id" | "starts_at" | "ends_at">>(
  meetings: readonly M[],
  period: Period,
): Map<string, M[]> {
  const days = new Map<string, M[]>();
  for (let day = period.start; day < period.end; day = addDays(day, 1)) days.set(day, []);
  for (const meeting of [...meetings].sort(byStart)) {
    for (const day of meetingDays(meeting)) days.get(day)?.push(meeting);
  }
  return days;
}

/** The list view: only the days that have meetings, in order. */
export function agendaList<M extends Pick<Meeting, "id" | "starts_at" | "ends_at">>(
  meetings: readonly M[],
  period: Period,
): { date: string; meetings: M[] }[] {
  return [...meetingsByDay(meetings, period)]
    .filter(([, list]) => list.length > 0)
    .map(([date, list]) => ({ date, meetings: list }));
}

/** "08:00–11:30", or with the dates when the meeting runs over several days. */
export function timeRange(meeting: Pick<Meeting, "starts_at" | "ends_at">): string {
  const sameDay = vietnamDate(meeting.starts_at) === vietnamDate(meeting.ends_at);
  const at = (iso: string) => (sameDay ? vietnamTime(iso) : `${dayMonth(vietnamDate(iso))} ${vietnamTime(iso)}`);
  return `${at(meeting.starts_at)}–${at(meeting.ends_at)}`;
}

/** "2026-12-02" → "02/12". */
export function dayMonth(date: string): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}`;
}

const LOCALE_TAGS = { vi: "vi-VN", en: "en-GB" } as const;

/** "Thứ Tư" / "Wednesday" of a Vietnam date (a date has no zone: read as UTC so it never shifts). */
export function weekdayName(date: string, locale: keyof typeof LOCALE_TAGS, style: "long" | "short" = "long"): string {
  const [year, month, day] = date.split("-").map(Number);
  return new Intl.DateTimeFormat(LOCALE_TAGS[locale], { weekday: style, timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

/** The heading of a period: "30/11 – 06/12/2026" for a week, month and year for a month or the list. */
export function periodLabel(view: CalendarView, anchor: string): { month: number; year: number } | string {
  if (view !== "week") return { month: Number(anchor.slice(5, 7)), year: Number(anchor.slice(0, 4)) };
  const days = weekDays(anchor);
  return `${dayMonth(days[0])} – ${dayMonth(days[6])}/${days[6].slice(0, 4)}`;
}
