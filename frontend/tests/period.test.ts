import { describe, expect, it } from "vitest";
import { periodFor, registerFileName, validatePeriod } from "../src/state/period";

describe("register periods", () => {
  it("computes months and years around today, across the new year", () => {
    expect(periodFor("this_month", "2026-02-14")).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(periodFor("last_month", "2027-01-05")).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(periodFor("this_month", "2026-12-31")).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(periodFor("last_year", "2027-01-05")).toEqual({ from: "2026-01-01", to: "2026-12-31" });
  });

  it("refuses a reversed or too long period as the server would", () => {
    expect(validatePeriod({ from: "2026-02-01", to: "2026-01-31" })).toEqual({ key: "registers.toBeforeFrom" });
    expect(validatePeriod({ from: "2020-01-01", to: "2026-01-01" })).toMatchObject({ key: "registers.tooLong" });
    expect(validatePeriod({ from: "2026-01-01", to: "2026-01-01" })).toBeNull();
  });

  it("names the file as the server does", () => {
    expect(registerFileName("incoming", { from: "2026-01-01", to: "2026-12-31" }, "csv")).toBe(
      "so-van-ban-den-2026-01-01-2026-12-31.csv",
    );
    expect(registerFileName("follow-up", { from: "2026-01-01", to: "2026-03-31" }, "pdf")).toBe(
      "so-theo-doi-giai-quyet-van-ban-den-2026-01-01-2026-03-31.pdf",
    );
  });
});
