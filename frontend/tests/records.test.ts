import { describe, expect, it } from "vitest";
import { currentYear, isFileable, needsReason, parseRetention } from "../src/state/records";

describe("records rules", () => {
  it("files handled or issued documents only", () => {
    expect(isFileable("completed")).toBe(true);
    expect(isFileable("issued")).toBe(true);
    expect(isFileable("assigned")).toBe(false);
    expect(isFileable("draft")).toBe(false);
  });

  it("asks the archivist's reason once a case file is closed", () => {
    expect(needsReason("open")).toBe(false);
    expect(needsReason("closed")).toBe(true);
    expect(needsReason("proposed")).toBe(true);
  });

  it("reads a retention as years or permanent", () => {
    expect(parseRetention("10")).toBe(10);
    expect(parseRetention("")).toBeNull();
    expect(parseRetention("permanent")).toBeNull();
    expect(parseRetention("0")).toBeUndefined();
    expect(parseRetention("2.5")).toBeUndefined();
    expect(currentYear("2026-12-03")).toBe(2026);
  });
});
