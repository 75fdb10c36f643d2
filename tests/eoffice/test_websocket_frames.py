"""gevent-websocket reading clients' frames with eoffice.websocket_frames installed: the same messages,
the same refusals (the production worker installs it; tests/meetings/test_production_server.py reads
real clients' frames through it)."""

from __future__ import annotations

import io
import logging
import os
import random
import struct
from types import SimpleNamespace

import pytest
from geventwebsocket import websocket

from eoffice import websocket_frames


@pytest.fixture(autouse=True)
def installed(monkeypatch):
    monkeypatch.setattr(websocket, "Utf8Validator", websocket.Utf8Validator)
    monkeypatch.setattr(websocket.Header, "mask_payload", websocket.Header.mask_payload)
    monkeypatch.setattr(websocket.Header, "unmask_payload", websocket.Header.unmask_payload)
    websocket_frames.install()


def client_frame(
    payload: bytes, opcode: int = 0x1, fin: bool = True, mask: bytes = b"\x5a\x01\xf3\x88"
) -> bytes:
    """A frame as a client sends it: always masked (RFC 6455 §5.3)."""
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class Stream:
    def __init__(self, incoming: bytes):
        self.read = io.BytesIO(incoming).read
        self.written = bytearray()

    def write(self, data: bytes) -> None:
        self.written += data


def reading(*frames: bytes) -> tuple[websocket.WebSocket, Stream]:
    stream = Stream(b"".join(frames))
    handler = SimpleNamespace(logger=logging.getLogger(__name__), server=SimpleNamespace(application=None))
    return websocket.WebSocket({}, stream, handler), stream


def ends_with_a_close_frame(written: bytes) -> bool:
    # gevent-websocket 0.10.1 sends its close frame without a status code (1007 is what it means).
    return written[:1] == b"\x88"


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 125, 126, 65535, 65536, 200_000])
def test_a_masked_binary_payload_of_any_length_reads_back_unchanged(length):
    payload = os.urandom(length)
    ws, _ = reading(client_frame(payload, opcode=0x2))

    assert bytes(ws.receive()) == payload


def test_a_token_in_vietnamese_text_reads_back_as_sent():
    text = '40{"token":"' + "eyJ" * 150 + '","device_name":"Máy tính bảng Hội trường — Phòng họp số 2"}'
    ws, _ = reading(client_frame(text.encode()))

    assert ws.receive() == text


def test_a_character_split_across_two_frames_is_accepted():
    text = "Nghị quyết về kỳ họp thứ tám"
    encoded = text.encode()
    cut = encoded.index("ị".encode()) + 1  # inside the two bytes of "ị"
    ws, _ = reading(client_frame(encoded[:cut], fin=False), client_frame(encoded[cut:], opcode=0x0))

    assert ws.receive() == text


@pytest.mark.parametrize(
    "frames",
    [
        [client_frame(b'42["join",{"meeting_id":1}]\xff')],
        [client_frame("Hội".encode()[:2])],  # a message ending inside a character
        [client_frame(b"ok\xc3", fin=False), client_frame(b"(", opcode=0x0)],  # continued wrongly
        [client_frame(b"\xed\xa0\x80")],  # an encoded surrogate is not UTF-8
    ],
    ids=["invalid byte", "cut character", "continued wrongly", "surrogate"],
)
def test_invalid_utf8_closes_the_connection(frames):
    ws, stream = reading(*frames)

    assert ws.receive() is None
    assert ws.closed
    assert ends_with_a_close_frame(stream.written)


def test_a_close_frame_with_an_invalid_reason_closes_the_connection():
    ws, stream = reading(client_frame(struct.pack("!H", 1000) + b"bye\xff", opcode=0x8))

    assert ws.receive() is None
    assert ends_with_a_close_frame(stream.written)


def test_the_validator_reports_where_invalid_text_starts_across_chunks():
    validator = websocket_frames.Utf8Validator()

    assert validator.validate("Hộ".encode()[:-1]) == (True, False, 3, 3)
    assert validator.validate(b"\x80i\xff") == (False, False, 2, 5)
    validator.reset()
    assert validator.validate("Hội".encode()) == (True, True, 5, 5)


def test_the_validator_answers_as_gevent_websockets_own_over_random_chunks():
    from geventwebsocket.utf8validator import Utf8Validator as Original

    rng = random.Random(2026)
    text = "Ủy ban nhân dân tỉnh — Công văn số 12/UBND-VP về họp trực tuyến 😀".encode()
    for _ in range(2000):
        ours, theirs = websocket_frames.Utf8Validator(), Original()
        for _chunk in range(rng.randint(1, 3)):
            start = rng.randrange(len(text))
            chunk = text[start : start + rng.randint(0, 12)]
            if rng.random() < 0.3:
                chunk += bytes([rng.randrange(256)])
            answer = ours.validate(chunk)
            assert answer == theirs.validate(chunk), chunk
            if not answer[0]:
                break
