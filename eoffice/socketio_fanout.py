"""Socket.IO broadcasts written once per recipient socket, without a queue and a writer wake-up each.

python-socketio already encodes a broadcast once, but then hands the packet to every recipient's
Engine.IO queue, and each connection's writer greenlet wakes up, frames the text again and writes
it: two greenlet switches, a timer and a frame per recipient, which made a page turn to 2,000
tablets cost 3 times the CPU of Node's socket.io. Under gevent-websocket (the production server,
gunicorn.conf.py) this module instead

- gives every WebSocket connection an outbox (`WebSocketOutbox`, installed by
  `WebSocketOutboxMiddleware` before Engine.IO writes anything): every write of the connection,
  the Engine.IO writer's included, tries a non-blocking send and leaves what the kernel does not
  take, in order, to one greenlet; so no write ever waits for a slow tablet;
- and makes the client manager (`FanoutManager`, `FanoutRedisManager`) frame a broadcast once and
  put the frame straight into the outbox of each recipient whose Engine.IO queue is empty (then
  nothing queued earlier can be overtaken). A connection in any other state (long-polling, being
  upgraded or closed, something queued, no outbox under another server) gets the packet through
  Engine.IO exactly as before, as do events with an acknowledgement callback.

Nothing changes on the wire: the frame is the one gevent-websocket would have written.
"""

from __future__ import annotations

import collections
import logging
import socket
import struct
import time
from typing import Any

import gevent
import gevent.socket
import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from eoffice import metrics

log = logging.getLogger(__name__)

OUTBOX_KEY = "eoffice.websocket_outbox"
# A tablet that stops reading while this much waits for it is cut off (it reconnects and joins
# again, receiving the current state); the Engine.IO ping timeout would otherwise take 45 s.
MAX_BACKLOG_BYTES = 8 * 1024 * 1024


class WebSocketOutbox:
    """Ordered writes to one connection that never block the writer.

    What the kernel accepts at once is sent at once; the rest waits here, in order, and one greenlet
    sends it as the socket drains. Anything written meanwhile goes behind it.
    """

    __slots__ = ("websocket", "_socket", "_pending", "_pending_bytes", "_flusher", "failed")

    def __init__(self, sock: gevent.socket.socket, websocket: Any = None):
        self.websocket = websocket
        self._socket = sock
        self._pending: collections.deque[bytes] = collections.deque()
        self._pending_bytes = 0
        self._flusher: gevent.Greenlet | None = None
        self.failed = False

    @classmethod
    def attach(cls, websocket: Any) -> WebSocketOutbox | None:
        """Route every write of a gevent-websocket connection through an outbox; None if it is not one."""
        handler = getattr(websocket, "handler", None)
        sock = getattr(handler, "socket", None)
        if not isinstance(sock, gevent.socket.socket):
            return None
        if getattr(websocket, "raw_write", None) != sock.sendall:  # not the gevent-websocket we know
            return None
        outbox = cls(sock, websocket)
        websocket.raw_write = outbox.write
        return outbox

    @property
    def closed(self) -> bool:
        return self.failed or (self.websocket is not None and self.websocket.closed)

    @property
    def backlog(self) -> int:
        """Bytes written but not yet taken by the kernel."""
        return self._pending_bytes

    def write(self, data: bytes) -> None:
        if self.failed:
            raise OSError("the connection failed")
        if self._flusher is None:
            try:
                sent = self._socket.send(data, 0, 0.0)  # gevent: timeout 0 means never wait
            except BlockingIOError:
                sent = 0
            except OSError:
                self._fail()
                raise
            if sent == len(data):
                return
            data = data[sent:]
            self._flusher = gevent.spawn(self._flush)
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes > MAX_BACKLOG_BYTES:
            log.warning("a WebSocket client stopped reading (%d bytes wait)", self._pending_bytes)
            self._fail()
            raise OSError("the client does not read")

    def _flush(self) -> None:
        try:
            while self._pending:
                chunk = b"".join(self._pending)
                self._pending.clear()
                self._pending_bytes = 0
                self._socket.sendall(chunk)
        except OSError:
            self._fail()
        finally:
            self._flusher = None

    def _fail(self) -> None:
        self.failed = True
        self._pending.clear()
        self._pending_bytes = 0
        # The reading side then sees the end of the connection, and Engine.IO closes the session.
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class WebSocketOutboxMiddleware:
    """WSGI middleware: an outbox for each gevent-websocket connection, before the application writes."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        websocket = environ.get("wsgi.websocket")
        if websocket is not None and OUTBOX_KEY not in environ:
            outbox = WebSocketOutbox.attach(websocket)
            if outbox is not None:
                environ[OUTBOX_KEY] = outbox
        return self.app(environ, start_response)


def text_frame(text: str) -> bytes:
    """A final, unmasked WebSocket text frame (RFC 6455 §5.2), as a server sends it."""
    payload = text.encode("utf-8")
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


# An event after which the server ends each recipient's connection (a participant removed, an account
# disabled, a client flooding): emitted to a room, it reaches every process through the message queue,
# and each process disconnects the recipients it holds, right after the event itself.
FAREWELL = "farewell"


class FanoutManager(socketio.Manager):
    """The in-process client manager, writing each broadcast's frame straight to the recipients.

    It also keeps the rooms of each connection: python-socketio finds them by looking in every room of
    the namespace (each connection has two of its own, and ours enter a user's and a session's), so a
    hall of a thousand tablets leaving after a Wi-Fi blink cost a million lookups."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rooms_of: dict[tuple[str, str], set[Any]] = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._rooms_of[(namespace, sid)]

    def get_rooms(self, sid, namespace):
        return [room for room in self._rooms_of.get((namespace, sid), ()) if room is not None]

    def basic_disconnect(self, sid, namespace, **kwargs):
        # python-socketio's own, with the connection's rooms taken from the index instead of a search.
        if namespace not in self.rooms:
            return
        for room in list(self._rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self._rooms_of.pop((namespace, sid), None)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        room = to or room
        if event == FAREWELL:
            return self._say_farewell(data, namespace, room)
        if callback is not None or namespace not in self.rooms:
            return super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs
            )
        if isinstance(data, tuple):
            arguments = list(data)
        elif data is not None:
            arguments = [data]
        else:
            arguments = []
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *arguments]
        ).encode()
        if isinstance(encoded, list):  # binary attachments: several frames, left to Engine.IO
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, **kwargs)
        with metrics.BROADCAST_SECONDS.time():
            message = eio_packet.Packet(eio_packet.MESSAGE, encoded)
            frame = text_frame(message.encode())
            skipped = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
            self._deliver(
                message,
                frame,
                (eio_sid for sid, eio_sid in self.get_participants(namespace, room) if sid not in skipped),
            )

    def _say_farewell(self, data, namespace, room) -> None:
        sids = [sid for sid, _ in self.get_participants(namespace, room)]
        # Through Engine.IO's queue, as the disconnection that follows: the event goes out first.
        socketio.Manager.emit(self, FAREWELL, data, namespace, room=room)
        for sid in sids:
            self.server.disconnect(sid, namespace, ignore_queue=True)

    def _deliver(self, message: eio_packet.Packet, frame: bytes, eio_sids) -> None:
        eio = self.server.eio
        sockets = eio.sockets
        environs = self.server.environ
        ping_timeout = eio.ping_timeout
        now = time.time()
        for eio_sid in eio_sids:
            eio_socket = sockets.get(eio_sid)
            environ = environs.get(eio_sid)
            outbox = environ.get(OUTBOX_KEY) if environ is not None else None
            if (
                outbox is None
                or eio_socket is None
                or outbox.closed
                or eio_socket.closed
                or eio_socket.closing
                or not eio_socket.upgraded
                or eio_socket.upgrading
                or eio_socket.queue.qsize()
                # A client silent past the ping timeout: Engine.IO's send closes the session.
                or (eio_socket.last_ping and now - eio_socket.last_ping > ping_timeout)
            ):
                self.server._send_eio_packet(eio_sid, message)
                continue
            try:
                outbox.write(frame)
            except OSError:
                pass  # the connection is going away; Engine.IO closes the session


class FanoutRedisManager(socketio.RedisManager, FanoutManager):
    """Across processes through Redis; each process delivers what it hears like FanoutManager."""


def client_manager(redis_url: str | None, channel: str, timeout: float) -> socketio.Manager:
    if redis_url:
        # Publishing (inside a request) waits at most the timeout for a hung Redis; redis-py reads the
        # subscription without it, so quiet spells do not end in errors.
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        return FanoutRedisManager(redis_url, channel=channel, redis_options=options)
    return FanoutManager()
