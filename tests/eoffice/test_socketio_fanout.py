"""The WebSocket outbox and frames of eoffice.socketio_fanout, on real gevent sockets."""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import socket
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import gevent.socket
import pytest
import redis
from geventwebsocket.websocket import Header, WebSocket

from eoffice import socketio_fanout
from eoffice.socketio_fanout import WebSocketOutbox, text_frame
from tests.conftest import service_missing
from tests.fixtures.freezable_proxy import FreezableProxy


def small_socketpair() -> tuple[gevent.socket.socket, gevent.socket.socket]:
    """A connected pair whose kernel buffers fill after a few tens of kilobytes."""
    writer, reader = gevent.socket.socketpair()
    writer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return writer, reader


def read_exactly(sock: gevent.socket.socket, size: int) -> bytes:
    chunks, got = [], 0
    with gevent.Timeout(10):
        while got < size:
            chunk = sock.recv(65536)
            assert chunk, f"connection ended after {got} of {size} bytes"
            chunks.append(chunk)
            got += len(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("length", [0, 5, 125, 126, 65535, 65536, 200_000])
def test_a_frame_is_the_one_gevent_websocket_writes(length):
    text = ("Trang " + "ệ" * length)[:length]
    payload = text.encode("utf-8")
    expected = bytes(Header.encode_header(True, WebSocket.OPCODE_TEXT, b"", len(payload), 0)) + payload
    assert text_frame(text) == expected


def test_writes_reach_the_peer_at_once_and_in_order():
    writer, reader = gevent.socket.socketpair()
    outbox = WebSocketOutbox(writer)
    messages = [text_frame(f'42/meetings,["presentation",{{"seq":{n}}}]') for n in range(50)]
    for message in messages:
        outbox.write(message)
    assert outbox.backlog == 0
    assert read_exactly(reader, sum(map(len, messages))) == b"".join(messages)


def test_a_peer_that_stops_reading_never_blocks_the_writer_and_later_gets_everything_in_order():
    writer, reader = small_socketpair()
    outbox = WebSocketOutbox(writer)
    messages = [text_frame(f"{n:06d}" + "biên bản " * 2000) for n in range(200)]  # ~3.6 MB
    # Nobody reads: a blocking write would wait here forever (and the timeout would fail the test).
    with gevent.Timeout(5):
        for message in messages:
            outbox.write(message)
    assert outbox.backlog > 1_000_000
    assert read_exactly(reader, sum(map(len, messages))) == b"".join(messages)
    assert outbox.backlog == 0 and not outbox.failed
    # Once drained, writes go straight out again.
    outbox.write(b"after")
    assert outbox.backlog == 0
    assert read_exactly(reader, 5) == b"after"


def test_a_peer_that_stops_reading_past_the_limit_is_cut_off(monkeypatch):
    monkeypatch.setattr(socketio_fanout, "MAX_BACKLOG_BYTES", 200_000)
    writer, reader = small_socketpair()
    outbox = WebSocketOutbox(writer)
    with pytest.raises(OSError), gevent.Timeout(5):
        for _ in range(100):
            outbox.write(b"x" * 10_000)
    assert outbox.failed and outbox.closed
    with pytest.raises(OSError):
        outbox.write(b"more")
    # The peer sees the connection end after what the kernel had already taken.
    with gevent.Timeout(5):
        while reader.recv(65536):
            pass


def test_writing_to_a_closed_peer_fails_the_outbox():
    writer, reader = gevent.socket.socketpair()
    outbox = WebSocketOutbox(writer)
    reader.close()
    with pytest.raises(OSError), gevent.Timeout(5):
        for _ in range(100):  # the first write may still be accepted before the reset
            outbox.write(b"x" * 10_000)
    assert outbox.failed


def test_only_gevent_websocket_connections_get_an_outbox():
    class ThreadedWebSocket:  # what simple-websocket gives under the threading server
        raw_write = None

    assert WebSocketOutbox.attach(ThreadedWebSocket()) is None


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("EOFFICE_TEST_REDIS_URL")
    if not url:
        service_missing("Redis not configured: set EOFFICE_TEST_REDIS_URL")
    return url


@pytest.fixture
def frozen_redis(redis_url):
    """The test Redis behind a proxy that is frozen: connections accepted, nothing answered."""
    parts = urlsplit(redis_url)
    proxy = FreezableProxy(parts.hostname, parts.port or 6379)
    proxy.freeze()
    yield f"redis://127.0.0.1:{proxy.port}{parts.path}"
    proxy.close()


def test_a_broadcast_to_a_frozen_redis_gives_up_instead_of_holding_the_request(frozen_redis):
    manager = socketio_fanout.client_manager(frozen_redis, "eoffice-test-frozen", timeout=0.2)
    publishing = threading.Thread(target=manager._publish, args=({"method": "emit"},), daemon=True)
    publishing.start()
    publishing.join(30)
    assert not publishing.is_alive()


def test_the_subscription_outlives_quiet_spells_longer_than_the_redis_timeout(redis_url):
    channel = f"eoffice-test-{uuid.uuid4().hex}"
    manager = socketio_fanout.client_manager(redis_url, channel, timeout=0.2)
    manager._redis_connect()
    manager.pubsub.subscribe(channel)
    heard: list[bytes] = []
    arrived = threading.Event()

    def listen():
        for message in manager.pubsub.listen():
            heard.append(message["data"])
            arrived.set()
            return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    # Quiet for five times the timeout, then one message.
    threading.Event().wait(1.0)
    publisher = redis.Redis.from_url(redis_url)
    publisher.publish(channel, b"after the quiet spell")
    publisher.close()
    assert arrived.wait(30)
    assert heard == [b"after the quiet spell"]
    manager.pubsub.close()


# socketio_fanout works with internals of these libraries, not their public API: a new version must be
# read again before it is trusted. The pins live in requirements.txt, which says why.
_PINNED = ("python-socketio", "python-engineio", "gevent-websocket")


def _pins() -> dict[str, str]:
    requirements = Path(__file__).resolve().parents[2] / "requirements.txt"
    pins = {}
    for line in requirements.read_text().splitlines():
        name, _, version = line.partition("==")
        if version:
            pins[name.strip().lower()] = version.strip()
    return pins


@pytest.mark.parametrize("distribution", _PINNED)
def test_the_libraries_whose_internals_the_fanout_uses_are_the_pinned_versions(distribution):
    pinned = _pins()[distribution]
    installed = importlib.metadata.version(distribution)
    assert installed == pinned, (
        f"{distribution} {installed} is installed, {pinned} is pinned: eoffice/socketio_fanout.py uses its "
        "internals; check them against the new version, then move the pin in requirements.txt"
    )


def test_the_internals_the_fanout_uses_are_there():
    """What FanoutManager and WebSocketOutbox read and call, on the installed versions."""
    import engineio
    import socketio as sio

    server = sio.Server(client_manager=socketio_fanout.FanoutManager())
    assert inspect.signature(server.manager.get_participants).parameters.keys() == {"namespace", "room"}
    assert list(inspect.signature(server._send_eio_packet).parameters) == ["eio_sid", "eio_pkt"]
    assert "ignore_queue" in inspect.signature(server.disconnect).parameters
    assert isinstance(server.environ, dict) and isinstance(server.eio.sockets, dict)
    assert isinstance(server.eio.ping_timeout, int | float)
    assert server.packet_class is sio.packet.Packet
    eio_socket = engineio.socket.Socket(server.eio, "sid")
    for name in ("closed", "closing", "upgraded", "upgrading", "last_ping"):
        assert hasattr(eio_socket, name), name
    assert eio_socket.queue.qsize() == 0
    # gevent-websocket: the write the outbox takes over, and where its socket is.
    assert "raw_write" in inspect.getsource(WebSocket.__init__)
    assert "handler" in inspect.signature(WebSocket.__init__).parameters


def _rooms_after(manager, steps) -> dict:
    """The rooms of the namespace and of each connection after the steps, connections named as in steps."""
    import socketio as sio

    sio.Server(client_manager=manager)
    sids = {}
    for step, name, *room in steps:
        if step == "connect":
            sids[name] = manager.connect(f"eio-{name}", "/meetings")
        elif step == "enter":
            manager.enter_room(sids[name], "/meetings", room[0])
        elif step == "leave":
            manager.leave_room(sids[name], "/meetings", room[0])
        elif step == "close":
            manager.close_room(room[0], "/meetings")
        else:
            manager.disconnect(sids.pop(name), "/meetings")
    names = {sid: name for name, sid in sids.items()}
    return {
        "rooms": {
            names.get(room, room): sorted(names[sid] for sid in members)
            for room, members in manager.rooms.get("/meetings", {}).items()
        },
        "own": {
            name: sorted(names.get(room, room) for room in manager.get_rooms(sid, "/meetings"))
            for name, sid in sids.items()
        },
    }


def test_the_managers_index_of_rooms_leaves_the_rooms_as_python_socketio_does():
    """FanoutManager finds a connection's rooms in an index instead of searching every room; after any
    sequence of joins, leaves, closed rooms and disconnections, the rooms are python-socketio's."""
    import socketio as sio

    steps = [("connect", name) for name in "abcd"]
    steps += [("enter", name, room) for name in "abcd" for room in ("meeting:1", f"user:{ord(name) % 2}")]
    steps += [
        ("enter", "a", "meeting:2"),
        ("leave", "b", "meeting:1"),
        ("disconnect", "a"),
        ("close", "c", "user:1"),
        ("enter", "d", "meeting:2"),
        ("disconnect", "c"),
        ("connect", "e"),
        ("enter", "e", "meeting:1"),
    ]
    assert _rooms_after(socketio_fanout.FanoutManager(), steps) == _rooms_after(sio.Manager(), steps)
    assert _rooms_after(socketio_fanout.FanoutManager(), steps)["own"]["d"] == [
        "d",
        "meeting:1",
        "meeting:2",
        "user:0",
    ]


@pytest.mark.parametrize(
    "text",
    [
        '["join",{"meeting_id":12}]',
        '{"token":"eyJ.a.b","device_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","device_name":"Máy bảng"}',
        '[1.5e3,-0,true,null,"\\u0111\\u1ea1i bi\\u1ec3u",{"a":[[]]}]',
        "9" * 100,
    ],
)
def test_packets_read_and_write_as_engineio_reads_and_writes_them(text):
    import engineio.json

    from eoffice import socketio_json

    value = engineio.json.loads(text)
    assert socketio_json.loads(text) == value and socketio_json.loads(text.encode()) == value
    compact = {"separators": (",", ":")}
    assert socketio_json.dumps(value, **compact) == engineio.json.dumps(value, **compact)
    assert socketio_json.dumps(value) == engineio.json.dumps(value)


def test_an_integer_too_long_to_read_cheaply_is_refused_and_the_server_reads_packets_so(app):
    from engineio import packet as eio_packet

    from eoffice import socketio_json
    from eoffice.extensions import socketio

    with pytest.raises(ValueError, match="too large"):
        socketio_json.loads("[" + "9" * 101 + "]")
    assert socketio.server.packet_class.json is socketio_json
    assert eio_packet.Packet.json is socketio_json
