// What every scenario of loadgen.js does with its devices: connect (token and device id at connect, as
// the web client does), join a meeting, and do something to many of them with a bounded number in flight.
"use strict";

const { io } = require("socket.io-client");

function say(line) {
  process.stdout.write(line + "\n");
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function inBatches(count, concurrency, action) {
  let next = 0;
  async function lane() {
    while (next < count) {
      const index = next++;
      await action(index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** A device: {token, device_id?, url?}; `reconnect` turns socket.io-client's reconnection on with the
 * web client's delays (frontend/src/api/room.ts). */
function connect(defaultUrl, namespace, device, reconnect = false) {
  const auth = device.device_id ? { token: device.token, device_id: device.device_id } : { token: device.token };
  return new Promise((resolve, reject) => {
    const socket = io((device.url || defaultUrl) + namespace, {
      auth,
      transports: ["websocket"],
      forceNew: true,
      reconnection: reconnect,
      reconnectionDelay: 500,
      reconnectionDelayMax: 1500,
      timeout: 60000,
    });
    socket.once("connect", () => resolve(socket));
    // With reconnection on, a lost server is retried; a refusal by the server (error.data) is final.
    socket.once("connect_error", (error) => {
      if (!reconnect || error.data) reject(new Error(`connect: ${error.message}`));
    });
  });
}

async function join(socket, meetingId) {
  const answer = await socket.timeout(60000).emitWithAck("join", { meeting_id: meetingId });
  if (!answer || !answer.ok) throw new Error(`join refused: ${JSON.stringify(answer)}`);
  return answer;
}

/** Each device connects and joins at once, `concurrency` in flight (tablets arriving in a hall):
 * (sockets, join answers, seconds). */
async function arriveTogether(url, namespace, devices, meetingIdOf, concurrency, reconnect = false) {
  const sockets = new Array(devices.length);
  const answers = new Array(devices.length);
  const began = performance.now();
  await inBatches(devices.length, concurrency, async (i) => {
    sockets[i] = await connect(url, namespace, devices[i], reconnect);
    answers[i] = await join(sockets[i], meetingIdOf(i));
  });
  return { sockets, answers, seconds: (performance.now() - began) / 1000 };
}

module.exports = { say, sleep, inBatches, connect, join, arriveTogether };
