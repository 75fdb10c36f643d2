"""Meeting documents are stored linearised (page 1 first, range-friendly) when qpdf can do it, as uploaded
otherwise; the meeting document's route is revalidated, the file's own route kept for good."""

from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from eoffice import linearize
from eoffice.pdfgen import text_pdf
from tests.meetings.conftest import make_pdf, meeting_body, upload


@pytest.fixture
def meeting_id(client, login, people) -> int:
    created = client.post("/api/v1/meetings", json=meeting_body(people), headers=login("vanthu"))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _stored(client, headers, meeting_id: int, document: dict) -> bytes:
    url = f"/api/v1/meetings/{meeting_id}/documents/{document['id']}/content"
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.data


def test_an_uploaded_pdf_is_stored_linearised_with_its_pages(client, login, people, meeting_id, tmp_path):
    organiser = login("vanthu")
    original = make_pdf(4)
    assert b"/Linearized" not in original
    document = upload(client, organiser, meeting_id, original).get_json()
    stored = _stored(client, organiser, meeting_id, document)
    # The linearisation dictionary is the first object of the file.
    assert b"/Linearized 1" in stored[:1024]
    path = tmp_path / "stored.pdf"
    path.write_bytes(stored)
    checked = subprocess.run(["qpdf", "--check-linearization", str(path)], capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    shown = subprocess.run(["qpdf", "--show-npages", str(path)], capture_output=True, timeout=30)
    assert shown.stdout.strip() == b"4" and document["page_count"] == 4
    assert document["size"] == len(stored)


def _page_tree(pdf: bytes) -> tuple[int, list[int]]:
    """The depth of a PDF's page tree and the number of kids of each of its /Pages nodes."""
    fanouts: list[int] = []

    def walk(node, depth: int) -> int:
        kids = node.get("/Kids")
        if kids is None:
            return depth
        fanouts.append(len(kids))
        return max(walk(kid.get_object(), depth + 1) for kid in kids)

    depth = walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Pages"], 0)
    return depth, fanouts


def test_a_flat_300_page_book_is_stored_with_a_balanced_page_tree_and_linearised(
    client, login, people, meeting_id, tmp_path
):
    # ReportLab hangs all 300 pages under one node; pdf.js would read every page object to reach the last.
    original = text_pdf("Dự thảo quy hoạch", [f"Trang {n}" for n in range(1, 301)], page_per_paragraph=True)
    assert _page_tree(original)[1] == [300]
    organiser = login("vanthu")
    document = upload(client, organiser, meeting_id, original).get_json()
    stored = _stored(client, organiser, meeting_id, document)
    depth, fanouts = _page_tree(stored)
    assert max(fanouts) <= linearize.FANOUT and depth == 2
    path = tmp_path / "stored.pdf"
    path.write_bytes(stored)
    checked = subprocess.run(["qpdf", "--check-linearization", str(path)], capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    pages = PdfReader(io.BytesIO(stored)).pages
    assert len(pages) == 300 == document["page_count"]
    for number in (1, 33, 150, 300):
        assert f"Trang {number}" in pages[number - 1].extract_text()


def test_pages_keep_what_they_inherited_from_the_flat_node(client, login, people, meeting_id):
    # Page size and fonts given once on the /Pages node: each page holds them once that node is split.
    writer = PdfWriter(
        clone_from=PdfReader(
            io.BytesIO(text_pdf("Phụ lục", [f"Bảng {n}" for n in range(1, 41)], page_per_paragraph=True))
        )
    )
    root = writer.root_object["/Pages"]
    first = root["/Kids"][0].get_object()
    root[NameObject("/MediaBox")] = first["/MediaBox"]
    root[NameObject("/Resources")] = first["/Resources"]
    for kid in root["/Kids"]:
        del kid.get_object()["/MediaBox"]
        del kid.get_object()["/Resources"]
    buffer = io.BytesIO()
    writer.write(buffer)
    organiser = login("vanthu")
    document = upload(client, organiser, meeting_id, buffer.getvalue()).get_json()
    stored = _stored(client, organiser, meeting_id, document)
    assert max(_page_tree(stored)[1]) <= linearize.FANOUT
    pages = PdfReader(io.BytesIO(stored)).pages
    assert [round(float(page.mediabox.width)) for page in pages] == [595] * 40
    assert "Bảng 40" in pages[39].extract_text()


def test_a_short_pdf_keeps_its_one_page_node(client, login, people, meeting_id):
    organiser = login("vanthu")
    document = upload(client, organiser, meeting_id, make_pdf(linearize.FANOUT)).get_json()
    assert _page_tree(_stored(client, organiser, meeting_id, document)) == (1, [linearize.FANOUT])


def test_without_qpdf_the_pdf_is_stored_as_uploaded(client, login, people, meeting_id, monkeypatch):
    monkeypatch.setattr(linearize, "QPDF", "/nonexistent/qpdf")
    original = make_pdf(2)
    document = upload(client, login("vanthu"), meeting_id, original)
    assert document.status_code == 201, document.get_json()
    assert _stored(client, login("vanthu"), meeting_id, document.get_json()) == original


def test_a_pdf_qpdf_refuses_is_stored_as_uploaded(client, login, people, meeting_id, monkeypatch, tmp_path):
    failing = tmp_path / "qpdf"
    failing.write_text("#!/bin/sh\necho 'damaged beyond repair' >&2\nexit 2\n")
    failing.chmod(0o755)
    monkeypatch.setattr(linearize, "QPDF", str(failing))
    original = make_pdf(2)
    document = upload(client, login("vanthu"), meeting_id, original).get_json()
    assert _stored(client, login("vanthu"), meeting_id, document) == original


def test_a_signed_pdf_is_never_rewritten(client, login, people, meeting_id):
    # Rewriting the bytes a signature covers would break it: the signed file is kept exactly.
    signed = make_pdf(1).replace(b"%%EOF", b"% /ByteRange [0 10 20 30]\n%%EOF")
    document = upload(client, login("vanthu"), meeting_id, signed).get_json()
    assert _stored(client, login("vanthu"), meeting_id, document) == signed


def test_the_document_route_is_revalidated_and_the_file_route_kept(client, login, people, meeting_id):
    organiser = login("vanthu")
    document = upload(client, organiser, meeting_id, make_pdf(1)).get_json()
    by_document = client.get(
        f"/api/v1/meetings/{meeting_id}/documents/{document['id']}/content", headers=organiser
    )
    assert by_document.headers["Cache-Control"] == "private, no-cache"
    by_file = client.get(f"/api/v1/files/{document['file_id']}/content", headers=organiser)
    assert by_file.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert by_file.headers["ETag"] == by_document.headers["ETag"]
    again = client.get(
        f"/api/v1/meetings/{meeting_id}/documents/{document['id']}/content",
        headers={**organiser, "If-None-Match": by_document.headers["ETag"]},
    )
    assert again.status_code == 304 and again.data == b""
