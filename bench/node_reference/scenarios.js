// The scenarios of bench/meeting_day.py, run by loadgen.js (config.scenario): a reconnect storm, a
// province's meeting day (many rooms at once) and a check-in storm. Each resolves to its result object.
"use strict";

const readline = require("readline");
const { say, sleep, arriveTogether } = require("./devices");

const ACK_TIMEOUT_MS = 30000;
// A chair's page turn this much behind its schedule (the previous one not yet acknowledged) is late.
const LATE_MS = 50;

function present(chair, meetingId, documentId, page) {
  return chair
    .timeout(ACK_TIMEOUT_MS)
    .emitWithAck("present", { meeting_id: meetingId, document_id: documentId, page })
    .catch((error) => ({ ok: false, error: { code: "timeout", message: String(error) } }));
}

async function until(condition, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await sleep(5);
  return condition();
}

function nextLine() {
  const lines = readline.createInterface({ input: process.stdin });
  return new Promise((resolve) => lines.once("line", (line) => (lines.close(), resolve(line))));
}

/** H tablets with reconnection on, a page presented; the benchmark restarts the server (it writes a line
 * once the old process is gone). Every tablet joins again on reconnecting and must show the last page;
 * a page turn applied twice (a seq seen again) or going backwards (an older seq, by event or join state)
 * is counted. Then a few more page turns reach everyone. */
async function reconnect(config) {
  const { url, namespace, meeting_id: meetingId, document_id: documentId, pages, devices } = config;
  const n = devices.length;
  const { sockets, answers, seconds } = await arriveTogether(
    url, namespace, devices, () => meetingId, config.concurrency || 100, Boolean(config.reconnect),
  );
  const seq = answers.map((answer) => answer.state.presentation.seq);
  const page = answers.map((answer) => answer.state.presentation.page);
  const rejoinedAt = new Float64Array(n).fill(NaN);
  let duplicates = 0;
  let backwards = 0;
  let staleJoins = 0;
  let disconnects = 0;
  let refusedJoins = 0;
  let lastPage = null;

  async function rejoin(i) {
    const answer = await sockets[i]
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck("join", { meeting_id: meetingId })
      .catch(() => null);
    if (!answer || !answer.ok) {
      refusedJoins += 1;
      if (sockets[i].connected) setTimeout(() => rejoin(i), 500);
      return;
    }
    const shown = answer.state.presentation;
    if (shown.seq < seq[i]) backwards += 1;
    if (shown.page !== lastPage) staleJoins += 1;
    seq[i] = shown.seq;
    page[i] = shown.page;
    if (shown.page === lastPage) rejoinedAt[i] = performance.now();
  }

  sockets.forEach((socket, i) => {
    socket.on("presentation", (payload) => {
      if (payload.seq === seq[i]) duplicates += 1;
      else if (payload.seq < seq[i]) backwards += 1;
      else {
        seq[i] = payload.seq;
        page[i] = payload.page;
      }
    });
    socket.on("disconnect", () => {
      disconnects += 1;
      rejoinedAt[i] = NaN;
    });
    socket.on("connect", () => rejoin(i));
  });

  async function turns(count, first) {
    const everyone = [];
    let lost = 0;
    for (let k = 0; k < count; k += 1) {
      lastPage = ((first + k) % pages) + 1;
      const sent = performance.now();
      const answer = await present(sockets[0], meetingId, documentId, lastPage);
      if (!answer.ok) throw new Error(`present refused: ${JSON.stringify(answer)}`);
      const reached = await until(() => seq.every((s) => s >= answer.seq), 10000);
      if (reached) everyone.push(performance.now() - sent);
      else lost += seq.filter((s) => s < answer.seq).length;
    }
    return { all_clients_ms: everyone, lost };
  }

  const before = await turns(config.turns_before, 0);
  say("phase joined");
  await nextLine();
  // The old process is gone: the first answer of /readyz is the new server's.
  let readyAt = null;
  while (readyAt === null) {
    const answer = await fetch(`${url}/readyz`).catch(() => null);
    if (answer && answer.status === 200) readyAt = performance.now();
    else await sleep(20);
  }
  say("phase ready");
  const back = await until(() => rejoinedAt.every((at) => at > 0), config.rejoin_timeout_ms || 120000);
  const lastBack = Math.max(...rejoinedAt.filter((at) => at > 0));
  const rejoined = rejoinedAt.filter((at) => at > 0).length;
  const lostConnections = disconnects;
  say("phase rejoined");
  const after = await turns(config.turns_after, config.turns_before);
  for (const socket of sockets) socket.disconnect();
  return {
    devices: n,
    arrival_seconds: seconds,
    turns_before: before,
    turns_after: after,
    disconnects: lostConnections,
    rejoined,
    all_back: back,
    ready_to_all_back_seconds: Number.isFinite(lastBack) ? (lastBack - readyAt) / 1000 : null,
    stale_joins: staleJoins,
    refused_joins: refusedJoins,
    duplicates,
    backwards,
  };
}

/** Rooms of tablets, each room's chair (its first device) turning pages every `interval_ms` for
 * `seconds`, every room at once (their starts spread over one interval). Per room: the all-clients
 * latency of each turn, deliveries lost, and events a device received from a room it is not in. */
async function day(config) {
  const { namespace, rooms } = config;
  const owners = [];
  const devices = [];
  rooms.forEach((room, r) => room.devices.forEach((device) => (owners.push(r), devices.push(device))));
  const { sockets, answers, seconds } = await arriveTogether(
    config.url, namespace, devices, (i) => rooms[owners[i]].meeting_id, config.concurrency || 100,
  );
  say("phase joined");
  const horizonMs = config.seconds * 1000;
  const state = rooms.map((room, r) => {
    const first = owners.indexOf(r);
    const capacity = Math.ceil(horizonMs / room.interval_ms) + 1;
    return {
      first,
      baseSeq: answers[first].state.presentation.seq,
      sendTimes: new Float64Array(capacity).fill(NaN),
      received: new Int32Array(capacity),
      lastReceive: new Float64Array(capacity),
      latencies: new Float64Array(room.devices.length * capacity).fill(NaN),
      capacity,
      accepted: 0,
      refused: [],
      late: 0,
      duplicates: 0,
      outOfOrder: 0,
      foreign: 0,
      unexpected: 0,
    };
  });
  const lastSeq = new Float64Array(devices.length).fill(-1);
  sockets.forEach((socket, i) => {
    const r = owners[i];
    const mine = state[r];
    const slot = i - mine.first;
    socket.on("presentation", (payload) => {
      const now = performance.now();
      if (payload.meeting_id !== rooms[r].meeting_id) {
        mine.foreign += 1;
        return;
      }
      if (payload.seq === lastSeq[i]) mine.duplicates += 1;
      else if (payload.seq < lastSeq[i]) mine.outOfOrder += 1;
      lastSeq[i] = Math.max(lastSeq[i], payload.seq);
      const k = payload.seq - mine.baseSeq - 1;
      if (!(k >= 0 && k < mine.capacity) || Number.isNaN(mine.sendTimes[k])) {
        mine.unexpected += 1;
        return;
      }
      const at = slot * mine.capacity + k;
      if (!Number.isNaN(mine.latencies[at])) return;
      mine.latencies[at] = now - mine.sendTimes[k];
      mine.received[k] += 1;
      mine.lastReceive[k] = now;
    });
  });

  say("phase present");
  const began = performance.now();
  await Promise.all(
    rooms.map(async (room, r) => {
      const mine = state[r];
      const offset = (r / rooms.length) * room.interval_ms;
      for (let turn = 0; offset + turn * room.interval_ms < horizonMs; turn += 1) {
        const wait = began + offset + turn * room.interval_ms - performance.now();
        if (wait > 0) await sleep(wait);
        else if (wait < -LATE_MS) mine.late += 1;
        const k = mine.accepted;
        mine.sendTimes[k] = performance.now();
        const page = (turn % room.pages) + 1;
        const answer = await present(sockets[mine.first], room.meeting_id, room.document_id, page);
        if (!answer.ok) {
          mine.sendTimes[k] = NaN;
          mine.refused.push(answer.error);
          continue;
        }
        if (answer.seq !== mine.baseSeq + k + 1) throw new Error(`room ${room.meeting_id}: seq ${answer.seq}`);
        mine.accepted += 1;
      }
    }),
  );
  say("phase drain");
  await sleep(2000);
  say("phase done");
  const result = rooms.map((room, r) => {
    const mine = state[r];
    const allClients = [];
    for (let k = 0; k < mine.accepted; k += 1) {
      if (mine.received[k] === room.devices.length) allClients.push(mine.lastReceive[k] - mine.sendTimes[k]);
    }
    const delivered = Array.from(mine.latencies).filter((value) => !Number.isNaN(value));
    return {
      meeting_id: room.meeting_id,
      devices: room.devices.length,
      interval_ms: room.interval_ms,
      sent: mine.accepted,
      refused: mine.refused.length,
      refusals: mine.refused.slice(0, 3),
      late: mine.late,
      expected: mine.accepted * room.devices.length,
      delivered: delivered.length,
      delivery_ms: delivered,
      all_clients_ms: allClients,
      duplicates: mine.duplicates,
      out_of_order: mine.outOfOrder,
      foreign: mine.foreign,
      unexpected: mine.unexpected,
    };
  });
  for (const socket of sockets) socket.disconnect();
  return { arrival_seconds: seconds, devices: devices.length, rooms: result };
}

/** H tablets joined; each checks in at its moment, spread evenly over `spread_seconds`. Each applies its
 * `attendance` events as the web client does (state/attendance.ts: entries merged by user_id, counts only
 * from a newer room version than it holds); it shows the true count once its present list has
 * `expected_present` people and its voting_present is `expected_voting`. The result says when every
 * tablet showed it after the last check-in that adds someone was sent (the first of its user's devices:
 * a device's `user_id`; a user's other devices check in again), and the events and JSON payload bytes
 * the tablets received. */
async function checkin(config) {
  const { url, namespace, meeting_id: meetingId, devices, expected_present: expected } = config;
  const n = devices.length;
  const { sockets, answers, seconds } = await arriveTogether(
    url, namespace, devices, () => meetingId, config.concurrency || 100,
  );
  const expectedVoting = config.expected_voting;
  const held = answers.map(({ state }) => ({
    present: new Map(state.attendance.present.map((entry) => [entry.user_id, entry])),
    version: state.attendance.version,
    votingPresent: state.attendance.voting_present,
  }));
  const showsTrueCount = (h) => h.present.size === expected && h.votingPresent === expectedVoting;
  const reachedAt = new Float64Array(n).fill(NaN);
  const received = new Uint32Array(n);
  let events = 0;
  let payloadBytes = 0;
  sockets.forEach((socket, i) => {
    socket.on("attendance", (payload) => {
      events += 1;
      received[i] += 1;
      payloadBytes += Buffer.byteLength(JSON.stringify(payload));
      const h = held[i];
      for (const entry of payload.changed) h.present.set(entry.user_id, entry);
      if (payload.version > h.version) [h.version, h.votingPresent] = [payload.version, payload.voting_present];
      if (!showsTrueCount(h)) reachedAt[i] = NaN;
      else if (Number.isNaN(reachedAt[i])) reachedAt[i] = performance.now();
    });
  });
  say("phase joined");
  say("phase checkin");
  const began = performance.now();
  const sentAt = new Float64Array(n);
  const ackMs = [];
  const refusals = [];
  await Promise.all(
    sockets.map(async (socket, i) => {
      await sleep((i * config.spread_seconds * 1000) / n);
      sentAt[i] = performance.now();
      const answer = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck("check_in", { meeting_id: meetingId, mode: "in_person" })
        .catch((error) => ({ ok: false, error: { code: "timeout", message: String(error) } }));
      ackMs.push(performance.now() - sentAt[i]);
      if (!answer.ok) refusals.push(answer.error);
    }),
  );
  const firstOfUser = new Map();
  devices.forEach((device, i) => {
    const user = device.user_id ?? i;
    firstOfUser.set(user, Math.min(firstOfUser.get(user) ?? Infinity, sentAt[i]));
  });
  const lastSent = Math.max(...firstOfUser.values());
  say("phase settle");
  const converged = await until(() => held.every(showsTrueCount), config.settle_timeout_ms || 30000);
  say("phase done");
  const unsettled = held.filter((h) => !showsTrueCount(h)).map((h) => h.present.size);
  for (const socket of sockets) socket.disconnect();
  return {
    devices: n,
    arrival_seconds: seconds,
    expected_present: expected,
    spread_seconds: (Math.max(...sentAt) - began) / 1000,
    checked_in: n - refusals.length,
    refusals: refusals.slice(0, 5),
    refused: refusals.length,
    ack_ms: ackMs,
    attendance_events: events,
    attendance_events_per_tablet: [Math.min(...received), Math.max(...received)],
    attendance_payload_bytes: payloadBytes,
    converged,
    last_checkin_to_all_seconds: converged ? (Math.max(...reachedAt) - lastSent) / 1000 : null,
    unsettled: unsettled.length,
    unsettled_shown: unsettled.length ? [Math.min(...unsettled), Math.max(...unsettled)] : null,
  };
}

module.exports = { reconnect, day, checkin };
