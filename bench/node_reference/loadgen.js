// Load generator of bench/meeting_fanout.py and bench/meeting_day.py: socket.io-client connections in this
// one process. Reads a JSON config (argv[2]), prints "phase <name>" lines while it runs, writes its result
// as JSON to the file named by argv[3] (a pipe would be cut short at exit). Without config.scenario, one
// room's page turns (below); "reconnect", "day" and "checkin" are in scenarios.js.
"use strict";

const fs = require("fs");
const { say, sleep, inBatches, connect, join, arriveTogether } = require("./devices");
const scenarios = require("./scenarios");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { url, namespace, meeting_id: meetingId, document_id: documentId, pages, events } = config;
// A device: {token, device_id} (a device id named at connect, as the web client does) or a bare token.
const devices = config.devices || (config.tokens || []).map((token) => ({ token }));
const n = devices.length;
const concurrency = config.concurrency || 100;
const deliveryTimeoutMs = config.delivery_timeout_ms || 10000;

async function pageTurns() {
  let sockets = new Array(n);
  let baseSeq = null;
  let connectSeconds = null;
  let joinSeconds = null;
  let arrivalSeconds = null;
  let began = performance.now();
  if (config.arrival === "together") {
    // As tablets arrive in a hall: each connects and joins at once, `concurrency` of them at a time.
    const arrived = await arriveTogether(url, namespace, devices, () => meetingId, concurrency);
    sockets = arrived.sockets;
    baseSeq = arrived.answers[0].state.presentation.seq;
    arrivalSeconds = arrived.seconds;
  } else {
    await inBatches(n, concurrency, async (i) => {
      sockets[i] = await connect(url, namespace, devices[i]);
    });
    connectSeconds = (performance.now() - began) / 1000;
    began = performance.now();
    await inBatches(n, concurrency, async (i) => {
      const answer = await join(sockets[i], meetingId);
      if (i === 0) baseSeq = answer.state.presentation.seq;
    });
    joinSeconds = (performance.now() - began) / 1000;
  }
  say("phase joined");

  // Delivery bookkeeping: sendTimes[k] for the k-th page turn, latency of (client, k) in one array.
  const sendTimes = new Float64Array(events).fill(NaN);
  const latencies = new Float64Array(n * events).fill(NaN);
  const receivedPerEvent = new Int32Array(events);
  const firstReceive = new Float64Array(events).fill(NaN);
  const lastReceive = new Float64Array(events);
  let duplicates = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let waiter = null;
  const lastSeq = new Float64Array(n).fill(-1);

  sockets.forEach((socket, i) => {
    socket.on("presentation", (payload) => {
      const now = performance.now();
      const k = payload.seq - baseSeq - 1;
      if (!(k >= 0 && k < events) || Number.isNaN(sendTimes[k])) {
        foreign += 1;
        return;
      }
      if (payload.seq <= lastSeq[i]) outOfOrder += 1;
      lastSeq[i] = Math.max(lastSeq[i], payload.seq);
      const slot = i * events + k;
      if (!Number.isNaN(latencies[slot])) {
        duplicates += 1;
        return;
      }
      latencies[slot] = now - sendTimes[k];
      receivedPerEvent[k] += 1;
      if (Number.isNaN(firstReceive[k])) firstReceive[k] = now;
      lastReceive[k] = now;
      if (waiter && waiter.k === k && receivedPerEvent[k] === n) waiter.resolve();
    });
  });

  say("phase present");
  const presenter = sockets[0];
  const ackLatencies = [];
  const refused = [];
  for (let k = 0; k < events; k += 1) {
    const everyone = new Promise((resolve) => {
      waiter = { k, resolve };
    });
    const timer = new Promise((resolve) => setTimeout(resolve, deliveryTimeoutMs));
    sendTimes[k] = performance.now();
    const answer = await presenter
      .timeout(deliveryTimeoutMs)
      .emitWithAck("present", { meeting_id: meetingId, document_id: documentId, page: (k % pages) + 1 })
      .catch((error) => ({ ok: false, error: { code: "timeout", message: String(error) } }));
    ackLatencies.push(performance.now() - sendTimes[k]);
    if (!answer.ok) {
      refused.push(answer.error);
      sendTimes[k] = NaN;
      continue;
    }
    if (answer.seq !== baseSeq + k + 1) throw new Error(`seq ${answer.seq}, expected ${baseSeq + k + 1}`);
    if (receivedPerEvent[k] < n) await Promise.race([everyone, timer]);
  }
  say("phase drain");
  // Stragglers still count as delivered (late); whatever is missing after this is lost.
  await sleep(2000);
  say("phase done");

  // Of each page turn everyone received: when the last copy was read (all-clients), when the first was
  // (how long the server took to begin), and the spread between them, which is at least the time this
  // one process takes to read n copies: the floor under any server's all-clients figure.
  const allClients = [];
  const firstClient = [];
  const spread = [];
  for (let k = 0; k < events; k += 1) {
    if (receivedPerEvent[k] !== n) continue;
    allClients.push(lastReceive[k] - sendTimes[k]);
    firstClient.push(firstReceive[k] - sendTimes[k]);
    spread.push(lastReceive[k] - firstReceive[k]);
  }
  const delivered = Array.from(latencies).filter((value) => !Number.isNaN(value));
  const sent = events - refused.length;
  const result = {
    clients: n,
    events,
    sent,
    refused: refused.slice(0, 5),
    connect_seconds: connectSeconds,
    join_seconds: joinSeconds,
    arrival_seconds: arrivalSeconds,
    delivery_ms: delivered,
    all_clients_ms: allClients,
    first_client_ms: firstClient,
    spread_ms: spread,
    ack_ms: ackLatencies,
    expected: n * sent,
    delivered: delivered.length,
    duplicates,
    out_of_order: outOfOrder,
    foreign,
    loadgen_cpu_seconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
  for (const socket of sockets) socket.disconnect();
  return result;
}

async function main() {
  const run = { reconnect: scenarios.reconnect, day: scenarios.day, checkin: scenarios.checkin }[config.scenario];
  const result = await (run || pageTurns)(config);
  fs.writeFileSync(process.argv[3], JSON.stringify(result));
  say("phase finished");
  setTimeout(() => process.exit(0), 200);
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
