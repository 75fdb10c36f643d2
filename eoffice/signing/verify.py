"""Validation of every signature in a PDF, as plain data the API and the file records carry.

`validate_signatures` parses an untrusted PDF: it runs in the bounded child of eoffice.untrusted
(task pdf_signatures, through eoffice.signing.operations.check_signatures), which loads this file
alone. Hence no import of eoffice here: what to trust arrives as arguments, the result is JSON-ready.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from datetime import UTC
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

# pyHanko's own reader of hex strings, kept for what the faster one leaves to it.
PYHANKO_READ_HEX_STRING = generic.read_hex_string_from_stream
_HEX_AND_SPACE = re.compile(rb"[0-9A-Fa-f \n\r\t\f\x00]*")
_SPACE = re.compile(rb"[ \n\r\t\f\x00]+")


def read_hex_string(stream):
    """A PDF hex string `<...>` read in one pass, as pyHanko's reader reads it.

    pyHanko reads one byte at a time through its tokenizer; a signature's /Contents is tens of
    kilobytes of hex, read once to check it and again to add the next signature (what that costs is in
    docs/performance.md). Anything but hex digits and whitespace before
    the closing `>` (a comment, a bad byte, no `>`) goes to pyHanko's reader, so that the outcome is
    its outcome.
    """
    start = stream.tell()
    stream.read(1)
    # Most hex strings are short (an /ID): read a little first, then more each time.
    chunks, size, end = [], 256, -1
    while end < 0:
        more = stream.read(size)
        if not more:
            break
        end = more.find(b">")
        chunks.append(more)
        size = min(size * 4, 1 << 20)
    text = b"".join(chunks)
    end = len(text) - len(chunks[-1]) + end if end >= 0 else -1
    if end < 0 or not _HEX_AND_SPACE.fullmatch(text, 0, end):
        stream.seek(start)
        return PYHANKO_READ_HEX_STRING(stream)
    stream.seek(start + end + 2)
    digits = _SPACE.sub(b"", text[:end])
    return generic.pdf_string(binascii.unhexlify(digits + b"0" * (len(digits) % 2)))


generic.read_hex_string_from_stream = read_hex_string


class NotAPdf(Exception):
    """The bytes are not a PDF that can be read (or it is encrypted): the message says which."""


_MODIFICATIONS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "none",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
_REVOKED = {AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE}


def _name_part(certificate: asn1_x509.Certificate, field: str) -> str | None:
    value = certificate.subject.native.get(field)
    return value[-1] if isinstance(value, list) else value


def _embedded_revocation(
    reader: PdfFileReader,
) -> tuple[list[bytes], list[bytes], list[asn1_x509.Certificate]]:
    """CRLs, OCSP answers and certificates a B-LT signature carries in the document security store."""
    try:
        store = reader.root["/DSS"]
    except KeyError:
        return [], [], []

    def streams(key: str) -> list[bytes]:
        return [ref.get_object().data for ref in store.get(key, [])]

    return streams("/CRLs"), streams("/OCSPs"), [asn1_x509.Certificate.load(d) for d in streams("/Certs")]


class _Trust:
    """What the server trusts (roots, its CRLs, whether to fetch revocation information), decoded once."""

    def __init__(self, trust_roots: list[str], crls: list[str], fetch_revocation: bool):
        self.roots = [asn1_x509.Certificate.load(base64.b64decode(der)) for der in trust_roots]
        self.crls = [base64.b64decode(der) for der in crls]
        self.fetch_revocation = fetch_revocation


def _context(trust: _Trust, embedded: tuple[list, list, list], mode: str) -> ValidationContext:
    crls, ocsps, certs = embedded
    return ValidationContext(
        trust_roots=trust.roots,
        crls=[*trust.crls, *crls],
        ocsps=ocsps,
        other_certs=certs,
        allow_fetching=trust.fetch_revocation,
        revocation_mode=mode,
    )


def _validate(signature, trust: _Trust, embedded) -> tuple[PdfSignatureStatus, bool, str]:
    """Status, trusted, revocation: revocation is `good` only when it was actually checked.

    Trusted means the chain reaches a configured root and nothing in it is known to be revoked.
    """
    strict = validate_pdf_signature(signature, _context(trust, embedded, "hard-fail"))
    if strict.trusted:
        return strict, True, "good"
    if strict.revocation_details is not None or strict.trust_problem_indic in _REVOKED:
        return strict, False, "revoked"
    # No revocation information could be had: is the chain itself good? (The difference analysis
    # of the strict pass stands.)
    lenient = validate_pdf_signature(signature, _context(trust, embedded, "soft-fail"), skip_diff=True)
    return strict, lenient.trusted, "unknown"


def _problems(status: PdfSignatureStatus, modification: str, revocation: str, whole: bool) -> list[str]:
    problems = []
    if not status.intact:
        problems.append("Nội dung đã bị thay đổi sau khi ký: chữ ký không còn khớp.")
    elif not status.valid:
        problems.append("Chữ ký không hợp lệ về mặt mật mã.")
    if modification == "other":
        problems.append("Tệp đã bị sửa sau khi ký theo cách không được phép (thêm, xóa hoặc đổi nội dung).")
    elif modification == "annotations":
        problems.append("Tệp có thêm chú thích sau khi ký.")
    if revocation == "revoked":
        problems.append("Chứng thư số của người ký đã bị thu hồi.")
    elif revocation == "unknown":
        problems.append("Không kiểm tra được tình trạng thu hồi của chứng thư số.")
    if not whole:
        problems.append("Chữ ký không bao trùm toàn bộ tệp.")
    return problems


def validate_signatures(
    content: bytes, *, trust_roots: list[str], crls: list[str], fetch_revocation: bool
) -> list[dict[str, Any]]:
    """One entry per signature, in the order they were made; [] for an unsigned PDF; NotAPdf otherwise.

    trust_roots and crls: DER, base64-encoded (they arrive as JSON).
    """
    trust = _Trust(trust_roots, crls, fetch_revocation)
    if content[:1024].find(b"%PDF-") < 0:
        raise NotAPdf("the file is not a PDF")
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        if reader.encrypted:
            raise NotAPdf("the PDF is encrypted: its signatures cannot be read")
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise NotAPdf(f"the PDF cannot be read ({exc})") from exc
    embedded = _embedded_revocation(reader)
    results = []
    for signature in signatures:
        status, trusted, revocation = _validate(signature, trust, embedded)
        modification = _MODIFICATIONS.get(status.modification_level, "other")
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
            status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and modification == "none"
        )
        # A TSA's signature time-stamp vouches for the time; without one, the signer's own claim is all.
        stamp = status.timestamp_validity
        signed_at = stamp.timestamp if stamp else status.signer_reported_dt
        problems = _problems(status, modification, revocation, whole)
        if stamp and not (stamp.intact and stamp.valid and stamp.trusted):
            problems.append("Dấu thời gian của chữ ký không hợp lệ hoặc không được tin cậy.")
        results.append(
            {
                "field": signature.field_name,
                "signer_name": _name_part(status.signing_cert, "common_name"),
                "organization": _name_part(status.signing_cert, "organization_name"),
                "signed_at": signed_at.astimezone(UTC).isoformat() if signed_at else None,
                "signed_at_source": ("timestamp" if stamp else "claimed") if signed_at else None,
                "intact": bool(status.intact and status.valid),
                "modification": modification,
                "trusted": trusted,
                "revocation": revocation,
                "covers_whole_document": whole,
                "problems": problems,
            }
        )
    return results
