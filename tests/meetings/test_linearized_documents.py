"""Meeting documents are stored linearised (page 1 first, range-friendly) when qpdf can do it, as uploaded
otherwise; the meeting document's route is revalidated, the file's own route kept for good."""

from __future__ import annotations

import subprocess

import pytest

from eoffice import linearize
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
