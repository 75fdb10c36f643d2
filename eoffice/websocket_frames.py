"""gevent-websocket's reading of a client's frames, at C speed instead of a Python loop per byte.

Every frame a client sends is masked (RFC 6455 §5.3), and gevent-websocket unmasks it one byte at a
time in Python; every text frame is checked to be UTF-8 by a Python state machine, byte by byte, once
per frame and once more for the whole message (its C checker, the `wsaccel` package, is optional).
A tablet's connect carries its access token: ~450 bytes, ~65 µs of the worker's CPU a connection
spent in those two loops, 6 % of what a hall's thousand tablets arriving at once cost it.

`install()` replaces the two, with the same results and the same refusals: the unmasking XORs the
payload as one integer; the check is Python's incremental UTF-8 decoder (so a character split across
two frames is still accepted, an invalid byte still closes the connection). Called once
by the production server's worker (gunicorn.conf.py); requirements.txt pins gevent-websocket, whose
`Header.mask_payload` and module-level `Utf8Validator` this replaces.
"""

from __future__ import annotations

import codecs

from geventwebsocket import websocket

_INCREMENTAL_UTF8 = codecs.getincrementaldecoder("utf-8")


class Utf8Validator:
    """gevent-websocket's validator interface: `validate(chunk)` gives (valid so far, ends on a whole
    character, index in the chunk where it stopped, index in all chunks since `reset`)."""

    __slots__ = ("_decoder", "_total")

    def __init__(self):
        self._decoder = _INCREMENTAL_UTF8()
        self._total = 0

    def reset(self) -> None:
        self._decoder.reset()
        self._total = 0

    def validate(self, chunk) -> tuple[bool, bool, int, int]:
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError as error:
            # Where the byte that cannot be UTF-8 is: a start byte, or the continuation that does not
            # fit; counted from the bytes the decoder held back from the last chunk.
            bad = error.start if error.reason == "invalid start byte" else error.end
            index = max(0, bad - (len(error.object) - len(chunk)))
            self._decoder.reset()
            self._total += index
            return False, False, index, self._total
        self._total += len(chunk)
        pending, _ = self._decoder.getstate()
        return True, not pending, len(chunk), self._total


def unmask(header: websocket.Header, payload: bytes) -> bytes:
    """A frame's payload XORed with its 4-byte mask (the same operation masks and unmasks)."""
    length = len(payload)
    if not length:
        return b""
    mask = bytes(header.mask)
    key = (mask * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(length, "little")


def install() -> None:
    """Replace gevent-websocket's per-byte loops for every connection made after this call."""
    websocket.Utf8Validator = Utf8Validator
    websocket.Header.mask_payload = unmask
    websocket.Header.unmask_payload = unmask
