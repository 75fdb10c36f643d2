"""PDFs signed as the outgoing flow signs them (the signer's approval, then issuance), and what
pyHanko and poppler's pdfsig read back from them."""

from __future__ import annotations

import io
import shutil
import subprocess

from pyhanko.pdf_utils.reader import PdfFileReader

from eoffice.pdfgen import text_pdf
from eoffice.signing import pdf
from eoffice.untrusted import Limits, pdf_text_box
from tests.conftest import service_missing
from tests.eoffice.signing.conftest import AGENCY, SIGNER, now

DRAFT = text_pdf("Quyết định", ["Về việc ban hành quy chế làm việc", "Trần Văn Minh"])


def name_box(instance, content: bytes) -> tuple[float, float, float, float] | None:
    """Where the signer's name is printed on the last page, found as signing finds it (in the child)."""
    found = pdf_text_box(io.BytesIO(content), -1, "Trần Văn Minh", Limits.of(instance.settings)).output
    return tuple(float(value) for value in found.split()) if found else None


def signed_by_signer(instance, content: bytes = DRAFT) -> bytes:
    with instance.keys.open_signer(SIGNER, None) as key:
        return pdf.sign_as_signer(
            content,
            key,
            instance.context(),
            signer_name="Trần Văn Minh",
            name_box=name_box(instance, content),
            moment=now(),
        )


def issued(instance, content: bytes = DRAFT) -> bytes:
    with instance.keys.open_signer(AGENCY, None) as key:
        return pdf.seal_issued(
            signed_by_signer(instance, content),
            key,
            instance.context(),
            agency_name="Ủy ban nhân dân tỉnh Quảng Nam",
            number_and_notation="15/QĐ-UBND",
            issued_date="02/12/2026",
            moment=now(),
        )


def pdfsig(content: bytes, tmp_path) -> str:
    if not shutil.which("pdfsig"):
        service_missing("pdfsig is not installed (apt-get install poppler-utils)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def field_values(content: bytes) -> dict[str, str]:
    reader = PdfFileReader(io.BytesIO(content))
    return {
        str(ref.get_object()["/T"]): str(ref.get_object().get("/V", ""))
        for ref in reader.root["/AcroForm"]["/Fields"]
        if ref.get_object().get("/FT") == "/Tx"
    }
