"""The faster reader of PDF hex strings gives what pyHanko's own gives, value, position and refusal alike."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError

from eoffice.signing.verify import PYHANKO_READ_HEX_STRING, read_hex_string

CASES = [
    b"<48656c6c6f> rest",
    b"<48 65\n6C\r6c\t6f\x00> rest",
    b"<486> rest",
    b"<> rest",
    b"<" + b"0123456789abcdef" * 10000 + b">",  # longer than one read
    b"<C3A1 % a comment\n62> rest",  # pyHanko skips comments: handed to it
    b"<48zz> rest",  # not hex: refused by pyHanko
    b"<4865",  # no closing '>'
    b"<",  # nothing after the opening
]


def outcome(reader, data: bytes):
    stream = io.BytesIO(data)
    try:
        value = reader(stream)
    except PdfReadError as exc:
        return type(exc), str(exc), stream.tell()
    return type(value), bytes(value.original_bytes), stream.tell()


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_the_same_outcome_as_pyhankos_reader(data):
    assert outcome(read_hex_string, data) == outcome(PYHANKO_READ_HEX_STRING, data)


def test_pyhanko_reads_hex_strings_with_it():
    value = generic.read_object(io.BytesIO(b"<C3A1> "), generic.Reference(0, 0))
    assert generic.read_hex_string_from_stream is read_hex_string
    assert bytes(value.original_bytes) == b"\xc3\xa1"
