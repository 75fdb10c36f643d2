// Check-ins as a device sees them: `attendance` events from several server processes arrive in any order.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Ack, AttendanceEvent, AttendanceState, Attendee } from "../src/api/room";
import {
  AttendanceHealing,
  HEAL_AFTER_MS,
  HEAL_AT_MOST_EVERY_MS,
  HEAL_JITTER_MS,
  applyFullAttendance,
  attendanceGap,
} from "../src/state/attendance";
import * as room from "../src/state/room";
import { joinState, joined } from "./roomFixtures";

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

/** The events above with the present count of their version (everyone checked in as of it). */
const counted = events.map((event, index) => ({ ...event, present_count: index + 1 }));

/** The whole attendance `attendance_full` answers, at a version. */
const whole = (version: number, userIds: number[]): AttendanceState => ({
  meeting_id: 1, version, present: userIds.map((id) => attendee(id)), present_count: userIds.length,
  voting_present: userIds.length, voting_total: 3, quorum_percent: 50, quorum_met: userIds.length > 1,
});

describe("attendance that missed an event", () => {
  afterEach(() => vi.useRealTimers());

  it("sees a gap when its list falls short of the newest version's count, and none once all arrived", () => {
    const missed = [counted[0], counted[2]].reduce((model, e) => room.applyEvent(model, "attendance", e), joined());
    expect(missed.attendance?.present.map((p) => p.user_id)).toEqual([5, 9]);
    expect(attendanceGap(missed)).toBe(true);
    // The missing event was only late: no gap.
    expect(attendanceGap(room.applyEvent(missed, "attendance", counted[1]))).toBe(false);
    // A newer count arriving before the event it counts is a gap too, until that event arrives.
    const ahead = room.applyEvent(joined(), "attendance", counted[1]);
    expect(attendanceGap(ahead)).toBe(true);
    expect(attendanceGap(room.applyEvent(ahead, "attendance", counted[0]))).toBe(false);
    // A room kept on the device by an older client has no count: nothing to compare.
    expect(attendanceGap(applied(events))).toBe(false);
  });

  it("takes the whole attendance in place of its own, or only the people it lacked from an older one", () => {
    const missed = [counted[0], counted[2]].reduce((model, e) => room.applyEvent(model, "attendance", e), joined());
    const healed = applyFullAttendance(missed, whole(7, [2, 5, 9]));
    expect(healed.attendance).toEqual(whole(7, [2, 5, 9]));
    expect(attendanceGap(healed)).toBe(false);
    // An answer read before the newest event the device holds: its counts stay, the lacking entry is added,
    // and an entry the device holds newer is kept.
    const newer = room.applyEvent(missed, "attendance", { ...counted[2], version: 9, changed: [attendee(9, "online")] });
    const older = applyFullAttendance(newer, whole(8, [2, 9]));
    expect(older.attendance).toMatchObject({ version: 9, voting_present: 3, present_count: 3 });
    expect(older.attendance?.present).toEqual([attendee(2), attendee(5), attendee(9, "online")]);
  });

  it("asks once a gap outlasts the events still on their way, and replaces its list", async () => {
    vi.useFakeTimers();
    let model = room.applyEvent(joined(), "attendance", counted[0]);
    const asked: number[] = [];
    const answers: Ack<{ attendance: AttendanceState }>[] = [];
    const healing = new AttendanceHealing(
      () => model,
      async () => {
        asked.push(Date.now());
        return answers.shift() ?? { ok: false, error: { code: "timeout", message: "no answer" } };
      },
      (full) => (model = applyFullAttendance(model, full)),
      Date.now,
      () => 0,
    );
    // A late event closes the gap before the device would ask: it does not.
    model = room.applyEvent(model, "attendance", counted[2]);
    healing.watch();
    await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS / 2);
    model = room.applyEvent(model, "attendance", counted[1]);
    healing.watch();
    await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS * 2);
    expect(asked).toEqual([]);

    // A lost event: the device asks once the gap outlasted HEAL_AFTER_MS, and shows the whole list.
    model = room.applyEvent(model, "attendance", { ...counted[2], version: 9, changed: [], present_count: 4 });
    healing.watch();
    healing.watch();
    await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS - 1);
    expect(asked).toHaveLength(0);
    answers.push({ ok: false, error: { code: "rate_limited", message: "slow down" } });
    await vi.advanceTimersByTimeAsync(1);
    expect(asked).toHaveLength(1);
    // Refused: asked again, not before HEAL_AT_MOST_EVERY_MS.
    answers.push({ ok: true, attendance: whole(9, [2, 4, 5, 9]) });
    await vi.advanceTimersByTimeAsync(HEAL_AT_MOST_EVERY_MS - 1);
    expect(asked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(asked).toHaveLength(2);
    expect(model.attendance?.present.map((p) => p.user_id)).toEqual([2, 4, 5, 9]);
    expect(attendanceGap(model)).toBe(false);
    await vi.advanceTimersByTimeAsync(HEAL_AT_MOST_EVERY_MS * 3);
    expect(asked).toHaveLength(2);
    healing.dispose();
  });

  it("waits while events keep coming, and a hall's tablets ask spread over the jitter", async () => {
    vi.useFakeTimers();
    let model = joined();
    const asked: number[] = [];
    const healing = (random: number) =>
      new AttendanceHealing(
        () => model,
        async () => {
          asked.push(Date.now());
          return { ok: false, error: { code: "timeout", message: "no answer" } };
        },
        () => undefined,
        Date.now,
        () => random,
      );
    const early = healing(0);
    const late = healing(1);
    const start = Date.now();
    // A check-in wave over two processes: every event counts one check-in the other has not told yet.
    for (let version = 4; version < 14; version += 1) {
      const changed = [attendee(100 + version)];
      model = room.applyEvent(model, "attendance", {
        ...counted[0], version, changed, present_count: model.attendance!.present.length + 2,
      });
      early.watch();
      late.watch();
      await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS - 500);
    }
    expect(asked).toEqual([]);
    const lastEvent = Date.now() - (HEAL_AFTER_MS - 500);
    await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS + HEAL_JITTER_MS);
    expect(asked.map((at) => at - lastEvent)).toEqual([HEAL_AFTER_MS, HEAL_AFTER_MS + HEAL_JITTER_MS]);
    expect(lastEvent - start).toBeGreaterThan(HEAL_AFTER_MS * 5);
    early.dispose();
    late.dispose();
  });

  it("keeps what it holds when an event read after the join overtook the join's answer", () => {
    const ahead = room.applyEvent(joined(), "attendance", counted[2]);
    const rejoined = room.applyJoin(ahead, joinState({ attendance: whole(3, [2]) }));
    expect(rejoined.attendance).toMatchObject({ version: 7, voting_present: 3, present_count: 3 });
    expect(rejoined.attendance?.present.map((p) => p.user_id)).toEqual([2, 5]);
    // A newer join replaces it; another meeting's too.
    expect(room.applyJoin(ahead, joinState({ attendance: whole(8, [2, 5, 9]) })).attendance).toEqual(whole(8, [2, 5, 9]));
    const elsewhere = { ...whole(2, [4]), meeting_id: 2 };
    expect(room.applyJoin(ahead, joinState({ attendance: elsewhere })).attendance).toEqual(elsewhere);
  });
});
