import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/errors";
import { describeError } from "../src/errors";
import serverCodes from "../src/i18n/errorCodes.json";
import serverReasons from "../src/i18n/reasonCodes.json";
import { catalogues, errorKey, reasonKey } from "../src/i18n/translate";

describe("error codes", () => {
  // errorCodes.json is the server's enum (eoffice/errors.py), kept equal to it by a server test.
  it("every code of the server has a Vietnamese and an English message", () => {
    expect(serverCodes.length).toBeGreaterThan(0);
    const missing = serverCodes.flatMap((code) =>
      (["vi", "en"] as const)
        .filter((locale) => !(catalogues[locale] as Record<string, string>)[`error.${code}`])
        .map((locale) => `${locale}: error.${code}`),
    );
    expect(missing).toEqual([]);
  });

  it("has no message for a code the server no longer sends", () => {
    const known = new Set(serverCodes.map((code) => `error.${code}`));
    expect(Object.keys(catalogues.vi).filter((key) => key.startsWith("error.") && !known.has(key))).toEqual([]);
  });

  it("shows the client's message for the code, never the server's words", () => {
    const refused = new ApiError(409, { code: "vote_closed", message: "vote 7 is closed" });
    expect(describeError(refused)).toBe(catalogues.vi["error.vote_closed"]);
    expect(describeError(refused)).not.toContain("vote 7");
    expect(errorKey("a_code_from_a_newer_server")).toBe("error.error");
  });
});

describe("reason codes", () => {
  // reasonCodes.json is the server's ReasonCode enum (eoffice/errors.py), kept equal to it by a server test.
  it("every reason of the server has a Vietnamese and an English message", () => {
    expect(serverReasons.length).toBeGreaterThan(0);
    const missing = serverReasons.flatMap((code) =>
      (["vi", "en"] as const)
        .filter((locale) => !(catalogues[locale] as Record<string, string>)[`reason.${code}`])
        .map((locale) => `${locale}: reason.${code}`),
    );
    expect(missing).toEqual([]);
  });

  it("has no message for a reason the server no longer gives", () => {
    const known = new Set([...serverReasons.map((code) => `reason.${code}`), "reason.other"]);
    expect(Object.keys(catalogues.vi).filter((key) => key.startsWith("reason.") && !known.has(key))).toEqual([]);
    expect(reasonKey("a_reason_from_a_newer_server")).toBe("reason.other");
  });
});
