"""The WebSocket outbox and frames of eoffice.socketio_fanout, on real gevent sockets."""

from __future__ import annotations

import socket

import gevent
import gevent.socket
import pytest
from geventwebsocket.websocket import Header, WebSocket

from eoffice import socketio_fanout
from eoffice.socketio_fanout import WebSocketOutbox, text_frame


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
