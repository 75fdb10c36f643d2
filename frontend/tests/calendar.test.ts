import { describe, expect, it } from "vitest";
import {
  agendaList,
  defaultView,
  meetingDays,
  meetingsByDay,
  monthGrid,
  periodOf,
  periodQuery,
  shiftAnchor,
  timeRange,
  vietnamDate,
  vietnamTime,
  weekDays,
} from "../src/state/calendar";

const meeting = (id: number, starts_at: string, ends_at: string) => ({ id, starts_at, ends_at });

describe("Vietnam time", () => {
  it("puts an instant on its Vietnam day, not the UTC one", () => {
    // 17:00 UTC is midnight in Vietnam: the next day begins.
    expect(vietnamDate("2026-12-01T16:59:59Z")).toBe("2026-12-01");
    expect(vietnamDate("2026-12-01T17:00:00Z")).toBe("2026-12-02");
    expect(vietnamDate("2026-12-02T06:30:00+07:00")).toBe("2026-12-02");
    expect(vietnamTime("2026-12-01T01:00:00+00:00")).toBe("08:00");
  });

  it("asks the API for a period from Vietnam midnight to Vietnam midnight", () => {
    expect(periodQuery(periodOf("week", "2026-12-02"))).toEqual({
      from: "2026-11-30T00:00:00+07:00",
      to: "2026-12-07T00:00:00+07:00",
    });
  });
});

describe("week grid", () => {
  it("runs Monday to Sunday around any day of the week", () => {
    expect(weekDays("2026-12-06")).toEqual([
      "2026-11-30",
      "2026-12-01",
      "2026-12-02",
      "2026-12-03",
      "2026-12-04",
      "2026-12-05",
      "2026-12-06",
    ]);
    expect(weekDays("2026-11-30")[0]).toBe("2026-11-30");
    expect(weekDays("2027-01-01")[0]).toBe("2026-12-28");
  });

  it("moves by a week or a month across year ends", () => {
    expect(shiftAnchor("week", "2026-12-30", 1)).toBe("2027-01-06");
    expect(shiftAnchor("month", "2026-12-15", 1)).toBe("2027-01-01");
    expect(shiftAnchor("list", "2026-01-31", -1)).toBe("2025-12-01");
  });
});

describe("month grid", () => {
  it("covers the month in whole weeks, Monday first, marking the days of other months", () => {
    const weeks = monthGrid("2026-12-17");
    expect(weeks).toHaveLength(5);
    expect(weeks[0][0]).toEqual({ date: "2026-11-30", inMonth: false });
    expect(weeks[0][1]).toEqual({ date: "2026-12-01", inMonth: true });
    expect(weeks[4][6]).toEqual({ date: "2027-01-03", inMonth: false });
    expect(weeks.flat().filter((cell) => cell.inMonth)).toHaveLength(31);
  });

  it("gives February 2027 (starting on a Monday) exactly four weeks and six for a long month", () => {
    expect(monthGrid("2027-02-10")).toHaveLength(4);
    expect(monthGrid("2026-08-01")).toHaveLength(6);
    expect(periodOf("month", "2027-02-10")).toEqual({ start: "2027-02-01", end: "2027-03-01" });
  });
});

describe("meetings on days", () => {
  it("places an early-morning Vietnam meeting on its Vietnam day although UTC is still the day before", () => {
    const period = periodOf("week", "2026-12-02");
    const early = meeting(1, "2026-12-01T23:30:00Z", "2026-12-02T01:00:00Z"); // 06:30–08:00 on the 2nd
    const late = meeting(2, "2026-12-01T15:00:00Z", "2026-12-01T16:30:00Z"); // 22:00–23:30 on the 1st
    const days = meetingsByDay([early, late], period);
    expect(days.get("2026-12-02")?.map((m) => m.id)).toEqual([1]);
    expect(days.get("2026-12-01")?.map((m) => m.id)).toEqual([2]);
    expect([...days.keys()]).toHaveLength(7);
  });

  it("shows a meeting over midnight on both days, and one ending at midnight only on its first", () => {
    expect(meetingDays(meeting(1, "2026-12-01T23:00:00+07:00", "2026-12-02T01:00:00+07:00"))).toEqual([
      "2026-12-01",
      "2026-12-02",
    ]);
    expect(meetingDays(meeting(2, "2026-12-01T22:00:00+07:00", "2026-12-02T00:00:00+07:00"))).toEqual([
      "2026-12-01",
    ]);
  });

  it("orders a day's meetings by start and lists only the days that have some", () => {
    const period = periodOf("list", "2026-12-10");
    const list = agendaList(
      [
        meeting(3, "2026-12-03T14:00:00+07:00", "2026-12-03T16:00:00+07:00"),
        meeting(4, "2026-12-03T08:00:00+07:00", "2026-12-03T09:00:00+07:00"),
        meeting(5, "2026-11-30T08:00:00+07:00", "2026-11-30T09:00:00+07:00"),
      ],
      period,
    );
    expect(list).toEqual([{ date: "2026-12-03", meetings: [expect.objectContaining({ id: 4 }), expect.objectContaining({ id: 3 })] }]);
  });

  it("writes time ranges in Vietnam time, with dates when a meeting runs over several days", () => {
    expect(timeRange(meeting(1, "2026-12-01T01:00:00Z", "2026-12-01T04:30:00Z"))).toBe("08:00–11:30");
    expect(timeRange(meeting(1, "2026-12-01T08:00:00+07:00", "2026-12-02T11:00:00+07:00"))).toBe(
      "01/12 08:00–02/12 11:00",
    );
  });

  it("opens on the list on a tablet held upright and on the week grid when wider", () => {
    expect(defaultView(800)).toBe("list");
    expect(defaultView(1280)).toBe("week");
  });
});
