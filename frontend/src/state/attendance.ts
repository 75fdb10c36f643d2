// The attendance a device shows, kept current by `attendance` events. Check-ins commit side by side and
// their events arrive in any order (several server processes, each telling its own check-ins together),
// so every entry is merged and the counts are taken only from a newer room version than the one held:
// whatever the order, the device ends at the true count, as a fresh join shows it. An event can also be
// lost (a server process stopping, a lost Redis message): the list then falls short of `present_count`,
// and a gap that outlasts the events still on their way is healed by asking for the whole attendance.
import { onScopeDispose, watch, type ShallowRef } from "vue";
import type { Ack, Attendee, AttendanceEvent, AttendanceState, RoomConnection } from "../api/room";
import type { RoomModel } from "./room";

/**
 * A gap waits this long after the newest event for those still on their way before the device asks (a few
 * intervals); while events keep coming (a check-in wave over several server processes, each event counting
 * check-ins the others have not told yet) the wait starts again with each.
 */
export const HEAL_AFTER_MS = 2_000;
/** Plus up to this much at random: a hall's tablets that missed the same event do not ask at once. */
export const HEAL_JITTER_MS = 3_000;
/** And asks at most this often (a gap that stays: a change racing the answer, or a server that refuses). */
export const HEAL_AT_MOST_EVERY_MS = 10_000;

/** Attendees merged into the present list by user_id (a later entry of a user replaces theirs). */
function mergeAttendees(present: Attendee[], entries: Attendee[]): Attendee[] {
  const byUser = new Map(present.map((entry) => [entry.user_id, entry]));
  for (const entry of entries) byUser.set(entry.user_id, entry);
  return [...byUser.values()].sort((a, b) => a.user_id - b.user_id);
}

export function applyAttendance(model: RoomModel, event: AttendanceEvent): RoomModel {
  const held = model.attendance;
  if (!held) return model;
  const present = mergeAttendees(held.present, event.changed);
  if (event.version <= held.version) return { ...model, attendance: { ...held, present } };
  const { changed: _changed, ...counts } = event;
  return { ...model, attendance: { ...counts, present } };
}

/** The present list held disagrees with the count of the newest version held: an event was missed. */
export function attendanceGap(model: RoomModel): boolean {
  const held = model.attendance;
  return !!held && typeof held.present_count === "number" && held.present.length !== held.present_count;
}

/**
 * The `attendance_full` answer in place of the held attendance. An answer older than the version held
 * (an event overtook it) only adds the people the list lacked: what the device holds is newer.
 */
export function applyFullAttendance(model: RoomModel, full: AttendanceState): RoomModel {
  const held = model.attendance;
  if (!held) return model;
  return { ...model, attendance: newestAttendance(held, full) };
}

/**
 * A whole attendance (`attendance_full`, a join's) against the one held: the newer version wins; an older
 * one only adds the people the held list lacked. Another meeting's replaces it.
 */
export function newestAttendance(held: AttendanceState | null, whole: AttendanceState | null): AttendanceState | null {
  if (!held || !whole || held.meeting_id !== whole.meeting_id || whole.version >= held.version) return whole;
  return { ...held, present: mergeAttendees(whole.present, held.present) };
}

/** Asks for the whole attendance when a gap in the held list outlasts HEAL_AFTER_MS. */
export class AttendanceHealing {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private asking = false;
  private disposed = false;
  private lastAsked = Number.NEGATIVE_INFINITY;
  /** The version held when the timer was set: a newer event starts the wait again. */
  private timerVersion = -1;

  constructor(
    private readonly current: () => RoomModel,
    private readonly ask: () => Promise<Ack<{ attendance: AttendanceState }>>,
    private readonly replace: (full: AttendanceState) => void,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** After every change of the held attendance (a join, an event). */
  watch(): void {
    if (this.disposed) return;
    const model = this.current();
    const version = model.attendance?.version ?? -1;
    if (!attendanceGap(model) || (this.timer !== undefined && version > this.timerVersion)) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (!attendanceGap(model)) return;
    }
    if (this.timer !== undefined || this.asking) return;
    const settled = HEAL_AFTER_MS + this.random() * HEAL_JITTER_MS;
    const wait = Math.max(settled, this.lastAsked + HEAL_AT_MOST_EVERY_MS - this.now());
    this.timerVersion = version;
    this.timer = setTimeout(() => void this.heal(), wait);
  }

  private async heal(): Promise<void> {
    this.timer = undefined;
    if (this.disposed || !attendanceGap(this.current())) return;
    this.asking = true;
    this.lastAsked = this.now();
    try {
      const answer = await this.ask();
      if (answer.ok && !this.disposed) this.replace(answer.attendance);
    } finally {
      this.asking = false;
    }
    this.watch();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}

/** The room view's healing: watches the model's attendance, asks through the room's connection. */
export function useAttendanceHealing(model: ShallowRef<RoomModel>, connection: () => RoomConnection | null) {
  const healing = new AttendanceHealing(
    () => model.value,
    async () => connection()?.fullAttendance() ?? { ok: false, error: { code: "offline", message: "not connected" } },
    (full) => (model.value = applyFullAttendance(model.value, full)),
  );
  watch(() => model.value.attendance, () => healing.watch());
  onScopeDispose(() => healing.dispose());
  return healing;
}
