"""edXML packages as the axis tests build them: a well-made one to change, and a way to sign it again
after changing it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from eoffice.axis.package import EdocPackage, Organ, PackageFile
from eoffice.axis.xmlsig import DS, NS, add_signature_placeholder, hardened_parser, sign
from eoffice.pdfgen import text_pdf
from tests.eoffice.axis.conftest import RECIPIENT, SENDER

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "edxml-cong-van-unsigned.xml"
LIMIT = 5 * 1024 * 1024
SUBJECT = "Về việc triển khai nền tảng họp không giấy tờ và văn phòng điện tử năm 2027"


def no_certificate(_organ_id):
    return None


def a_package(**changes) -> EdocPackage:
    fields = dict(
        sender=Organ(SENDER, "Ủy ban nhân dân tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam"),
        recipients=[Organ(RECIPIENT, "Sở Nội vụ tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam")],
        document_type="QĐ",
        subject=SUBJECT,
        issued_date=date(2026, 11, 20),
        number=5,
        notation="QĐ-UBND",
        files=[
            PackageFile("Quyết định số 05.pdf", "application/pdf", text_pdf("Quyết định"), "Văn bản chính"),
            PackageFile("phụ-lục.bin", "application/octet-stream", bytes(range(256)) * 40, "Phụ lục"),
        ],
        signer_name="Lê Trí Thanh",
        signer_position="Chủ tịch",
        signer_competence="TM. ỦY BAN NHÂN DÂN",
        urgency="very_urgent",
        due_date=date(2026, 12, 31),
        page_count=3,
        to_places=["Sở Nội vụ tỉnh Quảng Nam", "Lưu: VT, VX"],
        traces=[(SENDER, datetime(2026, 11, 20, 2, 15, 0, tzinfo=UTC))],
    )
    return EdocPackage(**(fields | changes))


def resign(body: bytes, identity, change) -> bytes:
    """The package changed by `change(root)` and signed again: well signed, badly made."""
    root = etree.fromstring(body, parser=hardened_parser())
    signature = root.find(f".//{{{DS}}}Signature")
    header = signature.getparent()
    header.remove(signature)
    change(root)
    add_signature_placeholder(header)
    return sign(root, identity)


def element(root, name: str):
    return root.find(f".//{{{NS}}}{name}")


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><Subject>&secret;</Subject></edXML>"""
