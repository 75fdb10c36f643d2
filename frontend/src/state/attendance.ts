// The attendance a device shows, kept current by `attendance` events. Check-ins commit side by side and
// their events arrive in any order (several server processes, each telling its own check-ins together),
// so every entry is merged and the counts are taken only from a newer room version than the one held:
// whatever the order, the device ends at the true count, as a fresh join shows it.
import type { Attendee, AttendanceEvent } from "../api/room";
import type { RoomModel } from "./room";

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
