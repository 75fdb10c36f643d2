// The period of a register: presets by month and year in Vietnam time, or chosen days.
import type { RegisterFormat, RegisterKind } from "../api/documents";
import type { FieldMessage } from "./forms";
import { addDays } from "../format";

export type Preset = "this_month" | "last_month" | "this_year" | "last_year" | "custom";
export const PRESETS: Preset[] = ["this_month", "last_month", "this_year", "last_year", "custom"];

// As the server allows (reports_api.MAX_PERIOD_DAYS).
export const MAX_PERIOD_DAYS = 3 * 366;

export interface Period {
  from: string;
  to: string;
}

function monthStart(year: number, month: number): string {
  const date = new Date(Date.UTC(year, month - 1, 1));
  return date.toISOString().slice(0, 10);
}

/** The days of a preset around today (a "YYYY-MM-DD" date in Vietnam). */
export function periodFor(preset: Exclude<Preset, "custom">, today: string): Period {
  const [year, month] = today.split("-").map(Number);
  switch (preset) {
    case "this_month":
      return { from: monthStart(year, month), to: addDays(monthStart(year, month + 1), -1) };
    case "last_month":
      return { from: monthStart(year, month - 1), to: addDays(monthStart(year, month), -1) };
    case "this_year":
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    case "last_year":
      return { from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
  }
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

export function validatePeriod(period: Period): FieldMessage | null {
  if (!period.from || !period.to) return { key: "form.required" };
  if (period.to < period.from) return { key: "registers.toBeforeFrom" };
  if (daysBetween(period.from, period.to) > MAX_PERIOD_DAYS) {
    return { key: "registers.tooLong", params: { days: MAX_PERIOD_DAYS } };
  }
  return null;
}

// As the server names them (registers.FILE_NAMES).
const REGISTER_FILES: Record<RegisterKind, string> = {
  incoming: "so-van-ban-den",
  outgoing: "so-van-ban-di",
  "follow-up": "so-theo-doi-giai-quyet-van-ban-den",
};

export function registerFileName(kind: RegisterKind, period: Period, format: RegisterFormat): string {
  return `${REGISTER_FILES[kind]}-${period.from}-${period.to}.${format}`;
}
