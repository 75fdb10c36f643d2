// Reference for bench/meeting_fanout.py: a bare Socket.IO broadcast server with the same events as
// the /meetings namespace (token at connect, join -> ack with state, present -> `presentation` to the
// room with seq), no authorisation beyond a non-empty token and no persistence.
"use strict";

const { Server } = require("socket.io");

const port = Number(process.argv[2] || 0);
const io = new Server(port, { transports: ["websocket"], serveClient: false });
const meetings = new Map();

function stateOf(meetingId) {
  if (!meetings.has(meetingId)) {
    meetings.set(meetingId, { meeting_id: meetingId, document_id: null, page: null, seq: 0, presenter_id: null });
  }
  return meetings.get(meetingId);
}

function isId(value) {
  return Number.isInteger(value) && value >= 1;
}

const room = io.of("/meetings");
room.use((socket, next) => {
  const token = socket.handshake.auth && socket.handshake.auth.token;
  if (typeof token !== "string" || token.length === 0) {
    return next(new Error("unauthorized"));
  }
  socket.data.userId = token;
  next();
});

room.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    if (!data || !isId(data.meeting_id)) {
      return ack && ack({ ok: false, error: { code: "validation_error", message: "meeting_id" } });
    }
    socket.join(`meeting:${data.meeting_id}`);
    ack && ack({ ok: true, state: { presentation: stateOf(data.meeting_id) } });
  });
  socket.on("present", (data, ack) => {
    if (!data || !isId(data.meeting_id) || !isId(data.document_id) || !isId(data.page)) {
      return ack && ack({ ok: false, error: { code: "validation_error", message: "payload" } });
    }
    const state = stateOf(data.meeting_id);
    state.seq += 1;
    state.document_id = data.document_id;
    state.page = data.page;
    state.presenter_id = socket.data.userId;
    room.to(`meeting:${data.meeting_id}`).emit("presentation", { ...state });
    ack && ack({ ok: true, seq: state.seq });
  });
});

console.log(`listening ${port}`);
