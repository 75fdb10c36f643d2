"""Signatures on real PDFs: what we issue validates with pyHanko and with poppler's pdfsig, sits where
the signer's name is printed, and only a plain PDF is signed."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from eoffice.pdfgen import text_pdf
from eoffice.signing import pdf
from eoffice.signing.operations import SignaturesUnchecked, check_signatures
from tests.eoffice.signing.pdfs import DRAFT, field_values, issued, name_box, pdfsig, signed_by_signer


def test_an_issued_document_carries_both_signatures_valid_for_pyhanko(instance):
    content = issued(instance)

    signer, agency = check_signatures(content, instance.settings)
    assert (signer["signer_name"], signer["organization"]) == (
        "Trần Văn Minh",
        "Ủy ban nhân dân tỉnh Quảng Nam",
    )
    assert signer["intact"] and signer["trusted"] and signer["revocation"] == "good"
    # Issuance filled the number and date and added the agency's signature: form filling, allowed.
    assert signer["modification"] == "form_filling"
    assert not signer["covers_whole_document"]
    assert agency["signer_name"] == "Ủy ban nhân dân tỉnh Quảng Nam"
    assert agency["intact"] and agency["trusted"] and agency["revocation"] == "good"
    assert agency["modification"] == "none" and agency["covers_whole_document"]
    assert agency["problems"] == []
    assert field_values(content) == {
        "so_ky_hieu": "Số: 15/QĐ-UBND",
        "ngay_ban_hanh": "Ngày ban hành: 02/12/2026",
    }


def test_signatures_that_outgrow_the_room_reserved_for_them_are_made_with_pyhankos_estimate(
    instance, monkeypatch
):
    monkeypatch.setattr(pdf, "_reserved_size", lambda signer: 64)

    signer, agency = check_signatures(issued(instance), instance.settings)

    assert signer["intact"] and signer["trusted"] and signer["modification"] == "form_filling"
    assert agency["intact"] and agency["trusted"] and agency["covers_whole_document"]


def test_the_room_reserved_for_a_signature_holds_it_without_pyhankos_estimate(instance, caplog):
    content = issued(instance)

    assert [record.getMessage() for record in caplog.records if "reserved" in record.getMessage()] == []
    assert [check["intact"] for check in check_signatures(content, instance.settings)] == [True, True]


def test_an_issued_document_validates_with_pdfsig_both_signatures_valid(instance, tmp_path):
    report = pdfsig(issued(instance), tmp_path)

    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Trần Văn Minh" in report and "Ủy ban nhân dân tỉnh Quảng Nam" in report


def test_a_multi_page_document_is_signed_on_its_last_page_and_numbered_on_its_first(instance):
    content = issued(
        instance, text_pdf("Quyết định", ["Điều 1", "Điều 2", "Điều 3"], page_per_paragraph=True)
    )

    signer, agency = check_signatures(content, instance.settings)
    assert (signer["intact"], signer["modification"]) == (True, "form_filling")
    assert (agency["intact"], agency["modification"]) == (True, "none")
    reader = PdfFileReader(io.BytesIO(content))
    kids = reader.root["/Pages"].raw_get("/Kids")
    first, last = kids.raw_get(0).idnum, kids.raw_get(len(kids) - 1).idnum
    fields = [ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"]]
    pages = {str(field["/T"]): field.raw_get("/P").idnum for field in fields}
    assert pages["so_ky_hieu"] == pages["ngay_ban_hanh"] == first
    assert pages["chu_ky_nguoi_ky"] == pages["chu_ky_co_quan"] == last != first


def signature_rect(content: bytes, name: str) -> list[float]:
    reader = PdfFileReader(io.BytesIO(content))
    field = next(
        ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"] if ref.get_object()["/T"] == name
    )
    return [float(v) for v in field["/Rect"]]


def test_the_signature_sits_above_the_signers_printed_name_else_at_the_bottom_right(instance):
    name = name_box(instance, DRAFT)
    left, bottom, right, top = signature_rect(signed_by_signer(instance), "chu_ky_nguoi_ky")
    assert bottom >= name[3] and bottom - name[3] < 20
    assert left < name[0] and right > name[2]
    seal_left, _, seal_right, _ = signature_rect(signed_by_signer(instance), "chu_ky_co_quan")
    # The seal covers the left third of the signature, and stays on the page.
    assert 0 < seal_left < left < seal_right < right
    assert abs((seal_right - left) - (right - left) / 3) < 1

    nameless = text_pdf("Quyết định", ["Không có tên người ký"])
    left, bottom, right, _ = signature_rect(signed_by_signer(instance, nameless), "chu_ky_nguoi_ky")
    assert right > 595 - 80 and bottom < 100


def test_an_unsigned_pdf_has_no_signatures_and_other_bytes_are_not_a_pdf(instance):
    assert check_signatures(DRAFT, instance.settings) == []
    with pytest.raises(SignaturesUnchecked) as unchecked:
        check_signatures(b"PK\x03\x04 not a pdf", instance.settings)
    assert unchecked.value.failure == "unreadable"


def test_an_encrypted_pdf_is_refused_before_signing(instance):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(DRAFT)))
    writer.encrypt("mật-khẩu")
    encrypted = io.BytesIO()
    writer.write(encrypted)

    with pytest.raises(pdf.PdfRefused, match="encrypted"):
        signed_by_signer(instance, encrypted.getvalue())
