// The live room's socket connection: joining, token renewal, reconnecting, refusing actions offline.
import { describe, expect, it, vi } from "vitest";
import { effectScope, shallowRef } from "vue";
import type { RoomJoinState, RoomSocket } from "../src/api/room";
import { RoomConnection, tokenExpiry } from "../src/api/room";
import { HEAL_AFTER_MS, HEAL_JITTER_MS, useAttendanceHealing } from "../src/state/attendance";
import * as room from "../src/state/room";
import { joinState, presentation } from "./roomFixtures";

class FakeSocket implements RoomSocket {
  connected = false;
  active = true;
  listeners = new Map<string, ((...args: any[]) => void)[]>();
  sent: { event: string; payload: any }[] = [];
  answers: ((event: string, payload: any) => any)[] = [];
  connects = 0;
  on(event: string, listener: (...args: any[]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  emit(event: string, payload: any, ack?: (answer: any) => void) {
    this.sent.push({ event, payload });
    const answer = this.answers.shift()?.(event, payload);
    if (ack && answer !== undefined) queueMicrotask(() => ack(answer));
  }
  connect() {
    this.connects++;
  }
  disconnect() {
    this.connected = false;
  }
  fire(event: string, ...args: any[]) {
    if (event === "connect") this.connected = true;
    if (event === "disconnect") this.connected = false;
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("RoomConnection", () => {
  it("joins on every connection, reports the lost connection and replaces the state on reconnect", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    const states: RoomJoinState[] = [];
    const events: [string, any][] = [];
    new RoomConnection(socket, 1, {
      state: (state) => states.push(state),
      status: (status) => statuses.push(status),
      event: (name, payload) => events.push([name, payload]),
    });
    socket.answers.push(() => ({ ok: true, state: joinState() }));
    socket.fire("connect");
    await flush();
    expect(socket.sent[0]).toEqual({ event: "join", payload: { meeting_id: 1 } });
    expect(statuses).toEqual(["live"]);

    socket.fire("presentation", presentation(3, 6));
    socket.fire("presentation", { ...presentation(3, 7), meeting_id: 99 });
    expect(events).toEqual([["presentation", presentation(3, 6)]]);

    socket.fire("disconnect", "transport close");
    expect(statuses.at(-1)).toBe("reconnecting");
    socket.answers.push(() => ({ ok: true, state: joinState({ presentation: presentation(5, 9) }) }));
    socket.fire("connect");
    await flush();
    expect(socket.sent.filter((s) => s.event === "join")).toHaveLength(2);
    expect(states.at(-1)?.presentation.seq).toBe(9);
    expect(statuses.at(-1)).toBe("live");
  });

  it("renews the token and connects again when the server refuses an expired one", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    let renewed = 0;
    new RoomConnection(
      socket,
      1,
      { state: () => undefined, status: (s) => statuses.push(s), event: () => undefined },
      async () => {
        renewed++;
      },
    );
    socket.active = false;
    socket.fire("connect_error", Object.assign(new Error("refused"), { data: { code: "unauthorized", message: "expired" } }));
    await flush();
    expect(renewed).toBe(1);
    expect(socket.connects).toBe(1);
    expect(statuses).not.toContain("refused");

    socket.fire("connect_error", Object.assign(new Error("refused"), { data: { code: "forbidden", message: "no" } }));
    expect(statuses.at(-1)).toBe("refused");
  });

  it("reconnects with a renewed token without showing the connection as lost, and catches up", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    const states: RoomJoinState[] = [];
    let connects = 0;
    socket.connect = () => {
      connects++;
    };
    const connection = new RoomConnection(socket, 1, {
      state: (state) => states.push(state),
      status: (s) => statuses.push(s),
      event: () => undefined,
    });
    socket.answers.push(() => ({ ok: true, state: joinState() }));
    socket.fire("connect");
    await flush();
    connection.reauthenticate();
    expect(connects).toBe(1);
    socket.fire("disconnect", "io client disconnect");
    socket.answers.push(() => ({ ok: true, state: joinState({ presentation: presentation(4, 8) }) }));
    socket.fire("connect");
    await flush();
    expect(statuses).toEqual(["live", "live"]);
    expect(states.at(-1)?.presentation.seq).toBe(8);
    // A later loss of the connection is reported again.
    socket.fire("disconnect", "transport close");
    expect(statuses.at(-1)).toBe("reconnecting");
  });

  it("reads the expiry of an access token", () => {
    const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "");
    expect(tokenExpiry(`${part({ alg: "HS256" })}.${part({ exp: 1_800_000_000, sub: "7" })}.sig`)).toBe(1_800_000_000_000);
    expect(tokenExpiry("not-a-token")).toBeNull();
  });

  it("a refused join is reported, and actions while offline are refused without sending", async () => {
    const socket = new FakeSocket();
    const statuses: string[] = [];
    const connection = new RoomConnection(socket, 1, {
      state: () => undefined,
      status: (s) => statuses.push(s),
      event: () => undefined,
    });
    const offline = await connection.call("speak_request", {});
    expect(offline.ok).toBe(false);
    expect(socket.sent).toHaveLength(0);
    socket.answers.push(() => ({ ok: false, error: { code: "forbidden", message: "not invited" } }));
    socket.fire("connect");
    await flush();
    expect(statuses).toEqual(["refused"]);
  });

  it("a room whose attendance missed an event asks for the whole of it and shows it", async () => {
    vi.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const model = shallowRef(room.emptyRoom());
      const connection = new RoomConnection(socket, 1, {
        state: (state) => (model.value = room.applyJoin(model.value, state)),
        status: () => undefined,
        event: (name, payload) => (model.value = room.applyEvent(model.value, name, payload)),
      });
      const scope = effectScope();
      scope.run(() => useAttendanceHealing(model, () => connection));
      const attendee = (user_id: number) => ({ user_id, role: "delegate", mode: "in_person" as const, checked_in_at: null });
      const attendance = { meeting_id: 1, voting_total: 3, quorum_percent: 50 };
      socket.answers.push(() => ({
        ok: true,
        state: joinState({ attendance: { ...attendance, version: 3, present: [], present_count: 0, voting_present: 0, quorum_met: false } }),
      }));
      socket.fire("connect");
      await vi.advanceTimersByTimeAsync(0);
      // The event of user 4's check-in was lost: the next one counts two.
      const counts = { ...attendance, version: 6, present_count: 2, voting_present: 2, quorum_met: true };
      socket.fire("attendance", { ...counts, changed: [attendee(5)] });
      const whole = { ...counts, present: [attendee(4), attendee(5)] };
      socket.answers.push((event) => (event === "attendance_full" ? { ok: true, attendance: whole } : undefined));
      await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS + HEAL_JITTER_MS);
      expect(socket.sent.at(-1)).toEqual({ event: "attendance_full", payload: { meeting_id: 1 } });
      expect(model.value.attendance).toEqual(whole);
      // Once the room is left, a gap asks nothing.
      scope.stop();
      socket.fire("attendance", { ...counts, version: 7, present_count: 3, changed: [] });
      await vi.advanceTimersByTimeAsync(HEAL_AFTER_MS * 10);
      expect(socket.sent.filter((sent) => sent.event === "attendance_full")).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
