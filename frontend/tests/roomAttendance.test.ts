// Check-ins as a device sees them: `attendance` events from several server processes arrive in any order.
import { describe, expect, it } from "vitest";
import type { AttendanceEvent, Attendee } from "../src/api/room";
import * as room from "../src/state/room";
import { joined } from "./roomFixtures";

const attendee = (userId: number, mode: Attendee["mode"] = "in_person"): Attendee => ({
  user_id: userId, role: "delegate", mode, checked_in_at: "2026-12-01T01:00:00+00:00",
});

/** Three check-ins (of a room of three voting members, joined at version 3) told in separate events. */
const events: AttendanceEvent[] = [
  { meeting_id: 1, version: 4, changed: [attendee(9)], voting_present: 1, voting_total: 3, quorum_percent: 50, quorum_met: false },
  { meeting_id: 1, version: 6, changed: [attendee(2)], voting_present: 2, voting_total: 3, quorum_percent: 50, quorum_met: true },
  { meeting_id: 1, version: 7, changed: [attendee(5)], voting_present: 3, voting_total: 3, quorum_percent: 50, quorum_met: true },
];

function applied(order: AttendanceEvent[]) {
  return order.reduce((model, event) => room.applyEvent(model, "attendance", event), joined());
}

describe("attendance", () => {
  it("ends at the true count whatever order the events arrive in", () => {
    const orders = [events, [...events].reverse(), [events[1], events[2], events[0]], [events[2], events[0], events[1]]];
    for (const order of orders) {
      const attendance = applied(order).attendance;
      expect(attendance?.present.map((p) => p.user_id)).toEqual([2, 5, 9]);
      expect(attendance).toMatchObject({ version: 7, voting_present: 3, quorum_met: true });
      expect(attendance).not.toHaveProperty("changed");
    }
  });

  it("takes counts only from a newer version than it holds, but every entry", () => {
    const newest = applied([events[2]]);
    const late = room.applyEvent(newest, "attendance", events[0]).attendance;
    expect(late).toMatchObject({ version: 7, voting_present: 3 });
    expect(late?.present.map((p) => p.user_id)).toEqual([5, 9]);
    // Not even an event of the version the join was read at moves the counts.
    const same = room.applyEvent(joined(), "attendance", { ...events[0], version: 3 }).attendance;
    expect(same).toMatchObject({ version: 3, voting_present: 0 });
    expect(same?.present.map((p) => p.user_id)).toEqual([9]);
  });

  it("keeps one entry per person: checking in again changes the mode", () => {
    const again = { ...events[1], version: 8, changed: [attendee(9, "online")] };
    const attendance = applied([events[0], again]).attendance;
    expect(attendance?.present).toEqual([attendee(9, "online")]);
    expect(room.isCheckedIn(applied([events[0]]), 9)).toBe(true);
  });
});
