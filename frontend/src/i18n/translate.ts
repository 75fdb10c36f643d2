// Message lookup with {name} parameters; the Vietnamese catalogue is the reference, English follows it.
import { en } from "./en";
import { vi } from "./vi";

export type Locale = "vi" | "en";
export type MessageKey = keyof typeof vi;
export type Params = Record<string, string | number>;

export const catalogues: Record<Locale, Record<MessageKey, string>> = { vi, en };
export const LOCALES: Locale[] = ["vi", "en"];

// ICU's plural form, enough for the catalogues: {count, plural, one {# vote} other {# votes}}; # is the number.
const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const PLURAL_CASE = /(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}/g;

function plural(locale: Locale, count: number, cases: string): string {
  const options = new Map([...cases.matchAll(PLURAL_CASE)].map((match) => [match[1], match[2]]));
  const chosen = options.get(`=${count}`) ?? options.get(new Intl.PluralRules(locale).select(count)) ?? options.get("other") ?? "";
  return chosen.replace(/#/g, String(count));
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const template = catalogues[locale][key] ?? catalogues.vi[key] ?? key;
  if (!params) return template;
  return template
    .replace(PLURAL, (whole, name: string, cases: string) =>
      name in params ? plural(locale, Number(params[name]), cases) : whole,
    )
    .replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function isLocale(value: unknown): value is Locale {
  return value === "vi" || value === "en";
}

/** The message key for an error code of the server (eoffice/errors.py); an unknown code reads as a refusal. */
export function errorKey(code: string): MessageKey {
  const key = `error.${code}`;
  return key in catalogues.vi ? (key as MessageKey) : "error.error";
}

/** The message key for a reason code of the server (eoffice/errors.py ReasonCode: why a field was refused,
 * what a warning is about); an unknown one asks for a check. */
export function reasonKey(code: string): MessageKey {
  const key = `reason.${code}`;
  return key in catalogues.vi ? (key as MessageKey) : "reason.other";
}
