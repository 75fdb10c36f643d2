import { describe, expect, it } from "vitest";
import { catalogues, translate, type MessageKey } from "../src/i18n/translate";

// A parameter, or the number a plural form is chosen by ({count, plural, one {…} other {…}}).
const placeholders = (text: string) => {
  const outsideCases = text.replace(/(=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\}/g, "");
  return [...new Set([...outsideCases.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((match) => match[1]))].sort();
};

describe("catalogues", () => {
  it("English has every Vietnamese message with the same placeholders", () => {
    for (const key of Object.keys(catalogues.vi) as MessageKey[]) {
      expect(catalogues.en[key], key).toBeTruthy();
      expect(placeholders(catalogues.en[key]), key).toEqual(placeholders(catalogues.vi[key]));
    }
  });

  it("fills parameters and leaves unknown ones visible", () => {
    expect(translate("vi", "home.greeting", { name: "Nguyễn Văn A" })).toBe("Xin chào, Nguyễn Văn A");
    expect(translate("en", "home.greeting")).toBe("Hello, {name}");
  });

  it("says 1 vote and 2 votes in English, and the one form Vietnamese has", () => {
    expect(translate("en", "room.resultCount", { option: "Yes", count: 1 })).toBe("Yes: 1 vote");
    expect(translate("en", "room.resultCount", { option: "Yes", count: 2 })).toBe("Yes: 2 votes");
    expect(translate("en", "room.resultCount", { option: "Yes", count: 0 })).toBe("Yes: 0 votes");
    expect(translate("en", "room.resultTotal", { cast: 1, present: 1, eligible: 1 })).toBe("1 vote / 1 present / 1 member");
    expect(translate("en", "deadline.overdue", { days: 1 })).toBe("1 day overdue");
    expect(translate("en", "meeting.pages", { count: 1 })).toBe("1 page");
    expect(translate("vi", "room.resultCount", { option: "Tán thành", count: 1 })).toBe("Tán thành: 1 phiếu");
  });

  it("leaves no plural form unresolved in any message given its numbers", () => {
    for (const locale of ["vi", "en"] as const) {
      for (const key of Object.keys(catalogues.vi) as MessageKey[]) {
        const names = placeholders(catalogues[locale][key]);
        const text = translate(locale, key, Object.fromEntries(names.map((name) => [name, 1])));
        expect(text, `${locale} ${key}`).not.toMatch(/plural,/);
      }
    }
  });
});
