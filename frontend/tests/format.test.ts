import { describe, expect, it } from "vitest";
import { addDays, formatDate, formatDateTime, formatDayAndTime, todayInVietnam } from "../src/format";

describe("Vietnam time", () => {
  it("shows calendar dates day first without shifting them", () => {
    expect(formatDate("2026-03-05")).toBe("05/03/2026");
    expect(formatDate(null)).toBe("");
  });

  it("shows instants in UTC+7 whatever the device's zone", () => {
    // 18:30 UTC is 01:30 the next day in Hà Nội.
    expect(formatDateTime("2026-12-31T18:30:00+00:00")).toContain("01/01/2027");
    expect(formatDateTime("2026-12-31T18:30:00+00:00")).toContain("01:30");
  });

  it("shows a signing time day first, 24-hour, in Vietnam time", () => {
    expect(formatDayAndTime("2026-12-31T18:30:00+00:00")).toBe("01/01/2027 01:30");
    expect(formatDayAndTime("2026-03-05T07:05:00Z")).toBe("05/03/2026 14:05");
    expect(formatDayAndTime(null)).toBe("");
  });

  it("knows today's date in Vietnam around midnight UTC", () => {
    expect(todayInVietnam(new Date("2026-06-30T16:59:00Z"))).toBe("2026-06-30");
    expect(todayInVietnam(new Date("2026-06-30T17:00:00Z"))).toBe("2026-07-01");
  });

  it("adds days across months and years", () => {
    expect(addDays("2026-12-30", 3)).toBe("2027-01-02");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});
