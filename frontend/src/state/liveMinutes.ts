// The minutes kept live on one screen (the room, the minutes page): the model of state/minutes.ts in a Vue
// ref, the room's events applied to it, and the secretary's typing saved a moment after it pauses.
import { computed, ref, shallowRef } from "vue";
import type { MinutesSection, MinutesStatusPayload, MinutesVote } from "../api/minutes";
import type { Ack, RoomConnection, RoomMinutes } from "../api/room";
import * as minutes from "./minutes";

/** Typing is sent this long after the last keystroke (and at once when the field is left). */
export const SAVE_AFTER_MS = 800;

export function useLiveMinutes(connection: () => RoomConnection | null, onRefused: (code: string) => void) {
  const model = shallowRef<minutes.MinutesModel>(minutes.emptyMinutes());
  const saving = ref(new Set<minutes.SectionKey>());
  const timers = new Map<minutes.SectionKey, ReturnType<typeof setTimeout>>();
  const get = () => model.value;
  const set = (next: minutes.MinutesModel) => (model.value = next);

  const send: minutes.SendEdit = async (edit) => {
    const room = connection();
    if (!room) return { ok: false, error: { code: "offline", message: "not connected" } };
    const answer = (await room.call("minutes_edit", { ...edit })) as Ack<{ version: number }> & {
      section?: MinutesSection;
    };
    if (answer.ok) return { ok: true, version: answer.version };
    return { ok: false, error: answer.error, section: answer.section };
  };

  const inflight = new Map<minutes.SectionKey, Promise<void>>();

  /** Send a section's typing now; resolves once the server holds it (or refused it). */
  async function flush(key: minutes.SectionKey): Promise<void> {
    clearTimeout(timers.get(key));
    timers.delete(key);
    // One save of a section at a time: wait for the one under way, then send what is left.
    while (inflight.has(key)) await inflight.get(key);
    if (!minutes.pendingEdit(model.value, key)) return;
    const run = save(key);
    inflight.set(key, run);
    try {
      await run;
    } finally {
      inflight.delete(key);
    }
  }

  async function save(key: minutes.SectionKey) {
    saving.value = new Set(saving.value).add(key);
    try {
      const answer = await minutes.saveSection(key, get, set, send);
      if (!answer.ok) onRefused(answer.code);
    } finally {
      const rest = new Set(saving.value);
      rest.delete(key);
      saving.value = rest;
    }
    // Typing that arrived while the last edit travelled.
    if (minutes.pendingEdit(model.value, key)) schedule(key);
  }

  function schedule(key: minutes.SectionKey) {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => void flush(key), SAVE_AFTER_MS),
    );
  }

  function edit(key: minutes.SectionKey, field: minutes.MinutesField, value: string) {
    model.value = minutes.editDraft(model.value, key, field, value);
    schedule(key);
  }

  /** The user settled a conflict: that text is sent at once. */
  function resolve(key: minutes.SectionKey, field: minutes.MinutesField, text: string) {
    model.value = minutes.resolveConflict(model.value, key, field, text);
    void flush(key);
  }

  function load(state: (RoomMinutes | (MinutesStatusPayload & { sections: MinutesSection[]; votes: MinutesVote[] })) | null) {
    model.value = minutes.loadMinutes(model.value, state);
    // Typing kept through a reconnection goes out again.
    for (const key of minutes.unsaved(model.value)) schedule(key);
  }

  function onEvent(name: string, payload: any) {
    if (name === "minutes_section") model.value = minutes.applySection(model.value, payload);
    else if (name === "minutes_status") model.value = minutes.applyStatus(model.value, payload);
    else if (name === "vote_closed" && payload.result) {
      model.value = minutes.applyClosedVote(model.value, {
        vote_id: payload.vote_id,
        question: payload.question,
        options: payload.options,
        is_secret: payload.is_secret,
        closed_at: payload.closed_at ?? null,
        result: payload.result,
      });
    }
  }

  /** Send every section's typing now (leaving the screen): resolves once each is held or refused. */
  async function flushAll(): Promise<void> {
    await Promise.all(minutes.unsaved(model.value).map((key) => flush(key)));
  }

  /** The page is being left with typing the server does not hold yet: the browser asks first. */
  function warnBeforeUnload(event: BeforeUnloadEvent) {
    if (unsaved.value) event.preventDefault();
  }
  window.addEventListener("beforeunload", warnBeforeUnload);

  function dispose() {
    window.removeEventListener("beforeunload", warnBeforeUnload);
    timers.forEach((timer) => clearTimeout(timer));
    timers.clear();
  }

  const unsaved = computed(() => minutes.unsaved(model.value).length > 0 || saving.value.size > 0);
  return { model, saving, unsaved, edit, resolve, flush, flushAll, load, onEvent, dispose };
}

export type LiveMinutes = ReturnType<typeof useLiveMinutes>;
