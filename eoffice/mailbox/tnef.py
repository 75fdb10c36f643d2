"""Outlook's winmail.dat (TNEF, [MS-OXTNEF]): the files it wraps and its plain-text body.

Outlook and Exchange send a message as TNEF when they think the recipient is another Outlook: the
documents are then inside one attachment, winmail.dat, that other clients cannot open. This reader
takes what the intake needs out of it: each attached file (its long name from the MAPI properties,
else its 8.3 title) and an embedded message's files, recursively a little way. Every length is checked
against the bytes that remain: a malformed or hostile stream raises TnefError, never reads past its end.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SIGNATURE = 0x223E9F78
SIGNATURE_BYTES = struct.pack("<I", SIGNATURE)
# An embedded message's TNEF inside an attachment's PR_ATTACH_DATA_OBJ, inside another: at most this deep.
MAX_DEPTH = 3

_LEVEL_MESSAGE, _LEVEL_ATTACHMENT = 1, 2
# Attribute identifiers ([MS-OXTNEF] 2.1.3.1): the attribute's type in the high word, its id in the low.
_ATT_BODY = 0x0002800C
_ATT_OEM_CODEPAGE = 0x00069007
_ATT_ATTACH_REND_DATA = 0x00069002
_ATT_ATTACH_TITLE = 0x00018010
_ATT_ATTACH_DATA = 0x0006800F
_ATT_ATTACHMENT = 0x00069005
_ATT_MSG_PROPS = 0x00069003

# MAPI property types ([MS-OXCDATA] 2.11.1) and the bytes one fixed-size value takes in TNEF (padded to 4).
_PT_STRING8, _PT_UNICODE, _PT_BINARY, _PT_OBJECT = 0x001E, 0x001F, 0x0102, 0x000D
_VARIABLE = frozenset({_PT_STRING8, _PT_UNICODE, _PT_BINARY, _PT_OBJECT})
_FIXED_SIZE = {
    0x0001: 4, 0x0002: 4, 0x0003: 4, 0x0004: 4, 0x000A: 4, 0x000B: 4,  # null, short, long, float, error, bool
    0x0005: 8, 0x0006: 8, 0x0007: 8, 0x0014: 8, 0x0040: 8,  # double, currency, apptime, int64, systime
    0x0048: 16,  # GUID
}  # fmt: skip
_MULTIPLE = 0x1000
# MAPI property ids read here.
_PR_ATTACH_DATA = 0x3701  # PR_ATTACH_DATA_BIN (binary) or PR_ATTACH_DATA_OBJ (an embedded message)
_PR_ATTACH_FILENAME = 0x3704
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_DISPLAY_NAME = 0x3001
_PR_BODY = 0x1000
_IID_LENGTH = 16


class TnefError(Exception):
    """The stream is not TNEF, or is cut short or inconsistent: the reason, for the clerk's trace."""


class TooManyFiles(TnefError):
    """More files inside than a message may bring."""


@dataclass
class TnefFile:
    name: str
    content: bytes


@dataclass
class Tnef:
    files: list[TnefFile] = field(default_factory=list)
    body: str = ""


def is_tnef(content: bytes) -> bool:
    return content[:4] == SIGNATURE_BYTES


def read_tnef(content: bytes, *, max_files: int, depth: int = 0) -> Tnef:
    """The files and plain body of a TNEF stream; more than max_files files raises TnefError."""
    if not is_tnef(content):
        raise TnefError("not a TNEF stream (no TNEF signature)")
    reader = _Reader(content, 6)  # the signature and the legacy key
    result = Tnef()
    codepage = "cp1252"
    current: _Attachment | None = None
    attachments: list[_Attachment] = []
    while not reader.at_end():
        level, attribute, data = reader.attribute()
        if attribute == _ATT_OEM_CODEPAGE and len(data) >= 4:
            codepage = _codec(struct.unpack_from("<I", data)[0])
        elif level == _LEVEL_MESSAGE:
            if attribute == _ATT_BODY and not result.body:
                result.body = _text(data, codepage)
            elif attribute == _ATT_MSG_PROPS and not result.body:
                body = _properties(data, codepage).get(_PR_BODY)
                if isinstance(body, str):
                    result.body = body
        elif level == _LEVEL_ATTACHMENT:
            if attribute == _ATT_ATTACH_REND_DATA or current is None:
                current = _Attachment()
                attachments.append(current)
            if attribute == _ATT_ATTACH_TITLE:
                current.title = _text(data, codepage)
            elif attribute == _ATT_ATTACH_DATA:
                current.data = data
            elif attribute == _ATT_ATTACHMENT:
                current.properties = _properties(data, codepage)
    for index, attachment in enumerate(attachments):
        for file in attachment.files(index, codepage, max_files, depth):
            result.files.append(file)
            if len(result.files) > max_files:
                raise TooManyFiles(f"winmail.dat holds more than {max_files} files")
    return result


@dataclass
class _Attachment:
    title: str = ""
    data: bytes | None = None
    properties: dict[int, object] = field(default_factory=dict)

    def files(self, index: int, codepage: str, max_files: int, depth: int) -> list[TnefFile]:
        stored = self.properties.get(_PR_ATTACH_DATA)
        if isinstance(stored, _Embedded):
            # A message attached to the message (Outlook's "attach item"): its own files count as ours.
            if depth + 1 >= MAX_DEPTH:
                raise TnefError("winmail.dat nests messages too deep")
            return (
                read_tnef(stored.content, max_files=max_files, depth=depth + 1).files
                if is_tnef(stored.content)
                else []
            )
        content = self.data if self.data is not None else stored if isinstance(stored, bytes) else None
        if content is None:
            return []
        name = next(
            (
                value
                for key in (_PR_ATTACH_LONG_FILENAME, _PR_ATTACH_FILENAME, _PR_DISPLAY_NAME)
                if isinstance(value := self.properties.get(key), str) and value.strip()
            ),
            self.title.strip() or f"winmail-{index + 1}",
        )
        return [TnefFile(name=name.strip(), content=content)]


@dataclass
class _Embedded:
    content: bytes


class _Reader:
    def __init__(self, data: bytes, offset: int = 0):
        self.data, self.offset = data, offset

    def at_end(self) -> bool:
        return self.offset >= len(self.data)

    def take(self, size: int) -> bytes:
        if size < 0 or self.offset + size > len(self.data):
            raise TnefError(f"cut short: {size} bytes wanted at offset {self.offset} of {len(self.data)}")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def number(self, form: str) -> int:
        return struct.unpack(form, self.take(struct.calcsize(form)))[0]

    def attribute(self) -> tuple[int, int, bytes]:
        level, attribute, length = self.number("<B"), self.number("<I"), self.number("<I")
        if level not in (_LEVEL_MESSAGE, _LEVEL_ATTACHMENT):
            raise TnefError(f"no attribute level {level} in TNEF (offset {self.offset - 9})")
        data = self.take(length)
        self.take(2)  # the checksum: what the base64 of the MIME part already guards
        return level, attribute, data

    def padded(self, size: int) -> bytes:
        chunk = self.take(size)
        self.take(-size % 4)
        return chunk


def _properties(data: bytes, codepage: str) -> dict[int, object]:
    """The MAPI properties of an attMsgProps or attAttachment attribute, by property id (single values)."""
    reader = _Reader(data)
    found: dict[int, object] = {}
    for _ in range(reader.number("<I")):
        kind, identifier = reader.number("<H"), reader.number("<H")
        if identifier >= 0x8000:  # a named property: its GUID and its name or number
            reader.take(16)
            if reader.number("<I") == 0:
                reader.take(4)
            else:
                reader.padded(reader.number("<I"))
        base = kind & ~_MULTIPLE
        count = reader.number("<I") if kind & _MULTIPLE or base in _VARIABLE else 1
        values = [_value(reader, base, codepage) for _ in range(count)]
        if values and not kind & _MULTIPLE:
            found[identifier] = values[0]
    return found


def _value(reader: _Reader, kind: int, codepage: str) -> object:
    if kind in _VARIABLE:
        raw = reader.padded(reader.number("<I"))
        if kind == _PT_STRING8:
            return _text(raw, codepage)
        if kind == _PT_UNICODE:
            return raw.decode("utf-16-le", "replace").split("\x00", 1)[0]
        if kind == _PT_OBJECT:
            return _Embedded(raw[_IID_LENGTH:])
        return raw
    size = _FIXED_SIZE.get(kind)
    if size is None:
        raise TnefError(f"unknown MAPI property type 0x{kind:04x}")
    return reader.take(size)


def _text(raw: bytes, codepage: str) -> str:
    return raw.split(b"\x00", 1)[0].decode(codepage, "replace")


def _codec(codepage: int) -> str:
    name = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name
