import { describe, expect, it } from "vitest";
import { catalogues, translate, type MessageKey } from "../src/i18n/translate";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

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
});
