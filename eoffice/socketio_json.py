"""The JSON of Socket.IO and Engine.IO packets: engineio's rules, with its decoder and encoder made once.

engineio.json.loads passes parse_int (refusing integers of more than 100 digits, which int() would
take quadratic time to read) and so makes a new JSONDecoder for every packet; each decoder and its
scanner hold each other, so every packet left a cycle for the garbage collector. With a thousand
tablets connecting and joining that was a tenth of the server's CPU. Same input, same output.
"""

from __future__ import annotations

import json
from typing import Any

MAX_INTEGER_DIGITS = 100


def _integer(text: str) -> int:
    if len(text) > MAX_INTEGER_DIGITS:
        raise ValueError("Integer is too large")
    return int(text)


_DECODER = json.JSONDecoder(parse_int=_integer)
_COMPACT = json.JSONEncoder(separators=(",", ":"))
_COMPACT_OPTIONS = {"separators": (",", ":")}


def loads(text: str | bytes | bytearray, **options: Any) -> Any:
    if options:
        return json.loads(text, **({"parse_int": _integer} | options))
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    return _DECODER.decode(text)


def dumps(value: Any, **options: Any) -> str:
    # python-socketio asks for compact separators; anything else is the standard library's.
    if options == _COMPACT_OPTIONS:
        return _COMPACT.encode(value)
    return json.dumps(value, **options)
