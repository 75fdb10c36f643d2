// The current language (Vietnamese by default, kept per browser) and t() for components.
import { ref } from "vue";
import { isLocale, translate, type Locale, type MessageKey, type Params } from "./translate";

const STORAGE_KEY = "eoffice.locale";

function initialLocale(): Locale {
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(STORAGE_KEY) : null;
  return isLocale(stored) ? stored : "vi";
}

export const locale = ref<Locale>(initialLocale());

export function setLocale(next: Locale): void {
  locale.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

export function t(key: MessageKey, params?: Params): string {
  return translate(locale.value, key, params);
}

export type { Locale, MessageKey } from "./translate";

/** A form message: a catalogue key in the current language, or the server's own words. */
export function message(value: { key: MessageKey; params?: Params } | { text: string } | null | undefined): string {
  if (!value) return "";
  return "text" in value ? value.text : t(value.key, value.params);
}
