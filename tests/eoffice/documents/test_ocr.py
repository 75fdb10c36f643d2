"""Scanned paper becomes searchable: the text worker recognises scans (OCRmyPDF, Tesseract's Vietnamese)
and keeps a searchable PDF beside the untouched original. Few tests: each OCR run costs CPU seconds."""

from __future__ import annotations

import hashlib
import io
import json
import shutil

import pypdf
import pytest
from sqlalchemy import func, select

from eoffice.documents.fulltext import fold
from eoffice.documents.models import TextExtraction
from eoffice.documents.tasks import index_queued_texts
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import storage
from eoffice.untrusted import pdf_text
from tests.conftest import service_missing
from tests.factories import incoming_metadata
from tests.fixtures.scans import ADMINISTRATIVE_LINES, image_bytes, render_page, scanned_pdf


@pytest.fixture(autouse=True)
def _ocr_installed() -> None:
    if shutil.which("ocrmypdf") is None or shutil.which("tesseract") is None:
        service_missing("OCRmyPDF and Tesseract are needed (apt-get install ocrmypdf tesseract-ocr-vie)")


@pytest.fixture
def app_env() -> dict[str, str]:
    # PDF/A costs a Ghostscript pass per scan: made in the first test only (EOFFICE_OCR_PDFA there).
    return {"EOFFICE_TEXT_EXTRACTION": "background", "EOFFICE_OCR_PDFA": "false"}


def _register(client, headers, files, subject="Công văn về phòng chống thiên tai"):
    response = client.post(
        "/api/v1/documents/incoming",
        data={"metadata": json.dumps(incoming_metadata(subject=subject)), "files": files},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _search(client, headers, query):
    response = client.get("/api/v1/documents", query_string={"q": query, "status": "all"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _document(client, headers, document_id):
    response = client.get(f"/api/v1/documents/{document_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _stored_bytes(file_id: int) -> bytes:
    from eoffice.storage.models import StoredFile

    return b"".join(storage().open(db.session.get(StoredFile, file_id).key))


@pytest.mark.parametrize("app_env", [{"EOFFICE_TEXT_EXTRACTION": "inline"}])
def test_a_scanned_image_becomes_a_searchable_pdf_a_main_file_beside_the_untouched_original(
    client, people, as_user, app_env
):
    headers = as_user(people.clerk)
    # A sheet fed askew through a dusty scanner, stamped.
    scan = image_bytes(render_page(noise=0.01, skew=2.5, stamp=True), "PNG")
    document = _register(client, headers, [(io.BytesIO(scan), "cong-van-den.png")])
    # Registered at once with its number; its words are not found before the OCR.
    assert document["arrival_number"] == 1
    assert _search(client, headers, "sat lo dat") == []

    assert index_queued_texts() == 1

    assert _search(client, headers, "rà soát phương án sơ tán") == [document["id"]]
    after = _document(client, headers, document["id"])
    files = {file["role"]: file for file in after["files"]}
    assert set(files) == {"main", "original"}
    original, searchable = files["original"], files["main"]
    assert original["sha256"] == hashlib.sha256(scan).hexdigest()
    assert _stored_bytes(original["id"]) == scan
    assert (searchable["name"], searchable["content_type"]) == ("cong-van-den-ocr.pdf", "application/pdf")
    assert searchable["derived_from"] == original["id"]
    # The searchable PDF carries the text as its own layer, and is a PDF/A.
    content = _stored_bytes(searchable["id"])
    assert "sạt lở đất" in pdf_text(io.BytesIO(content)).output
    assert b"pdfaid:part" in content
    recognised = [step for step in after["trace"] if step["action"] == "text_recognised"]
    assert len(recognised) == 1 and recognised[0]["details"]["pdfa"] is True
    assert db.session.scalar(select(func.count()).select_from(TextExtraction)) == 0


def test_a_mixed_pdf_is_recognised_only_on_its_pages_without_text(client, people, as_user):
    headers = as_user(people.clerk)
    typed = text_pdf("Tờ trình", ["Kính trình Ủy ban nhân dân tỉnh phê duyệt dự toán kinh phí."])
    writer = pypdf.PdfWriter()
    writer.append(io.BytesIO(typed))
    writer.append(io.BytesIO(scanned_pdf([render_page(ADMINISTRATIVE_LINES[4:])])))
    mixed = io.BytesIO()
    writer.write(mixed)
    document = _register(client, headers, [(io.BytesIO(mixed.getvalue()), "to-trinh.pdf")])

    assert index_queued_texts() == 1

    # The typed page by its text layer, the scanned one by the OCR: both found.
    assert _search(client, headers, "phe duyet du toan") == [document["id"]]
    assert _search(client, headers, "khẩn trương rà soát") == [document["id"]]
    after = _document(client, headers, document["id"])
    step = next(step for step in after["trace"] if step["action"] == "text_recognised")
    assert step["details"]["pages"] == [2]
    searchable = next(file for file in after["files"] if file["role"] == "main")
    pages = pdf_text(io.BytesIO(_stored_bytes(searchable["id"]))).output.split("\f")
    assert "phê duyệt dự toán" in pages[0] and "sat lo dat" in fold(pages[1])


def test_a_scan_that_cannot_be_recognised_is_registered_and_its_trace_says_why(client, people, as_user):
    headers = as_user(people.clerk)
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    document = _register(client, headers, [(io.BytesIO(broken), "scan-hong.png")])

    assert index_queued_texts() == 1

    after = _document(client, headers, document["id"])
    assert [(file["role"], file["sha256"]) for file in after["files"]] == [
        ("main", hashlib.sha256(broken).hexdigest())
    ]
    noted = [step for step in after["trace"] if step["action"] == "text_not_extracted"]
    assert len(noted) == 1 and noted[0]["details"]["file"] == "scan-hong.png"
    assert "tệp không đọc được" in noted[0]["note"]
    assert after["status"] == "registered"
    assert db.session.scalar(select(func.count()).select_from(TextExtraction)) == 0


@pytest.mark.parametrize(
    "app_env",
    [
        {
            "EOFFICE_TEXT_EXTRACTION": "background",
            "EOFFICE_OCR_PDFA": "false",
            "EOFFICE_OCR_MAX_MEMORY_MB": "64",
        }
    ],
)
def test_a_scan_whose_ocr_needs_more_memory_than_the_limit_is_registered_and_its_trace_says_so(
    client, people, as_user, app_env
):
    headers = as_user(people.clerk)
    scan = image_bytes(render_page(), "PNG")
    document = _register(client, headers, [(io.BytesIO(scan), "cong-van-scan.png")])

    assert index_queued_texts() == 1

    after = _document(client, headers, document["id"])
    assert after["status"] == "registered" and after["arrival_number"] == 1
    assert [(file["role"], file["sha256"]) for file in after["files"]] == [
        ("main", hashlib.sha256(scan).hexdigest())
    ]
    (noted,) = [step for step in after["trace"] if step["action"] == "text_not_extracted"]
    assert noted["details"]["file"] == "cong-van-scan.png" and noted["details"]["reason"] == "too_large"
    assert noted["details"]["detail"] == "the OCR needed more memory than its limit of 64 MiB"
    assert "vượt giới hạn xử lý" in noted["note"]
    assert db.session.scalar(select(func.count()).select_from(TextExtraction)) == 0
