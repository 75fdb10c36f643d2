// Outcome messages of actions ("Registered as no. 12"), shown in a live region and fading out.
import { reactive } from "vue";

export interface Notice {
  id: number;
  kind: "ok" | "error";
  text: string;
}

export const notices = reactive<Notice[]>([]);
let nextId = 1;

export function notify(text: string, kind: Notice["kind"] = "ok", ttlMs = 6000): number {
  const id = nextId++;
  notices.push({ id, kind, text });
  if (ttlMs > 0) setTimeout(() => dismiss(id), ttlMs);
  return id;
}

export function dismiss(id: number): void {
  const index = notices.findIndex((notice) => notice.id === id);
  if (index >= 0) notices.splice(index, 1);
}
