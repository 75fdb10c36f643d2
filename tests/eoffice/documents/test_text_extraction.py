"""The text of PDFs reaches search before the upload is answered (inline) or a moment later (background)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from sqlalchemy import func, select

from eoffice.documents.models import DocumentSearch, TextExtraction
from eoffice.documents.tasks import index_queued_texts
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import settings, storage
from eoffice.storage.backend import StorageError
from eoffice.storage.models import StoredFile
from tests.factories import incoming_metadata, outgoing_metadata
from tests.fixtures.hostile_pdfs import MB, PeakRss, inflating_pdf


@pytest.fixture(params=["inline", "background"])
def app_env(request) -> dict[str, str]:
    return {"EOFFICE_TEXT_EXTRACTION": request.param}


def _register(client, headers, metadata, files):
    response = client.post(
        "/api/v1/documents/incoming",
        data={"metadata": json.dumps(metadata), "files": files},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _search(client, headers, query):
    response = client.get("/api/v1/documents", query_string={"q": query, "status": "all"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _queued() -> int:
    return db.session.scalar(select(func.count()).select_from(TextExtraction))


def test_the_text_of_a_pdf_is_searchable_at_once_inline_and_after_the_worker_in_the_background(
    client, people, as_user
):
    headers = as_user(people.clerk)
    pdf = text_pdf("Kế hoạch", ["Các địa phương sơ tán dân khỏi vùng sạt lở đất."])
    annex = b"Bang ke chi tiet kinh phi"
    document = _register(
        client,
        headers,
        incoming_metadata(subject="Kế hoạch phòng chống thiên tai"),
        [(io.BytesIO(pdf), "kh.pdf"), (io.BytesIO(annex), "bang-ke.txt")],
    )
    # Registered in full either way: number, files with their hash, trace, metadata searchable.
    assert document["arrival_number"] == 1
    assert [file["sha256"] for file in document["files"]] == [
        hashlib.sha256(pdf).hexdigest(),
        hashlib.sha256(annex).hexdigest(),
    ]
    assert [step["action"] for step in document["trace"]] == ["register"]
    assert _search(client, headers, "phong chong thien tai") == [document["id"]]
    if settings().extracts_text_inline:
        assert _queued() == 0
        assert _search(client, headers, "sat lo dat") == [document["id"]]
        assert index_queued_texts() == 0
    else:
        # Only the PDF is queued; its words are not found until the worker has read it.
        assert _queued() == 1
        assert _search(client, headers, "sat lo dat") == []
        assert index_queued_texts() == 1
        assert _queued() == 0
        assert _search(client, headers, "sat lo dat") == [document["id"]]
        assert index_queued_texts() == 0
    # The metadata stays searchable next to the PDF's text.
    assert _search(client, headers, "phong chong thien tai") == [document["id"]]


def test_a_refused_upload_queues_nothing(client, people, as_user):
    headers = as_user(people.clerk)
    response = client.post(
        "/api/v1/documents/incoming",
        data={
            "metadata": json.dumps(incoming_metadata(issued_date="not a date")),
            "files": [(io.BytesIO(text_pdf("Văn bản")), "vb.pdf")],
        },
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert _queued() == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_the_worker_keeps_a_metadata_change_made_after_the_upload(client, people, as_user):
    drafter = as_user(people.handler)
    created = client.post(
        "/api/v1/documents/outgoing",
        data={
            "metadata": json.dumps(outgoing_metadata(subject="Dự thảo quy chế cũ")),
            "files": [
                (io.BytesIO(text_pdf("Quy chế", ["Điều 1. Phạm vi điều chỉnh về lưu trữ."])), "qc.pdf")
            ],
        },
        headers=drafter,
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.get_json()
    document_id = created.get_json()["id"]
    changed = client.patch(
        f"/api/v1/documents/{document_id}", json={"subject": "Quy chế mới"}, headers=drafter
    )
    assert changed.status_code == 200, changed.get_json()
    index_queued_texts()
    assert _search(client, drafter, "quy che moi") == [document_id]
    assert _search(client, drafter, "pham vi dieu chinh") == [document_id]
    assert _search(client, drafter, "du thao") == []
    # A later change of the metadata keeps the PDF's text in the index.
    client.patch(f"/api/v1/documents/{document_id}", json={"subject": "Quy chế lưu trữ"}, headers=drafter)
    assert _search(client, drafter, "pham vi dieu chinh") == [document_id]
    assert _search(client, drafter, "quy che moi") == []


def test_a_queued_pdf_that_cannot_be_read_is_indexed_without_its_text(client, people, as_user):
    headers = as_user(people.clerk)
    broken = _register(
        client,
        headers,
        incoming_metadata(subject="Tờ trình hỏng", number=1),
        [(io.BytesIO(b"%PDF-1.7 x"), "a.pdf")],
    )
    gone = _register(
        client,
        headers,
        incoming_metadata(subject="Tờ trình mất tệp", number=2),
        [(io.BytesIO(text_pdf("Mất", ["Nội dung đã mất"])), "b.pdf")],
    )
    if not settings().extracts_text_inline:
        storage().delete(db.session.get(StoredFile, gone["files"][0]["id"]).key)
        # Neither holds up the queue: both leave it, searchable by their metadata.
        assert index_queued_texts() == 2
        assert _queued() == 0
    assert _search(client, headers, "to trinh hong") == [broken["id"]]
    assert _search(client, headers, "to trinh mat tep") == [gone["id"]]
    search = db.session.get(DocumentSearch, gone["id"])
    assert ("noi dung da mat" in search.body) is settings().extracts_text_inline


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # ~300 KB whose one page inflates to 300 MB: PDFium needs ~620 MB to read it, over the default limit.
    return inflating_pdf(300 * MB)


def test_a_pdf_bomb_is_registered_without_its_text_and_its_trace_says_why(client, people, as_user, bomb):
    headers = as_user(people.clerk)
    with PeakRss() as peak:
        document = _register(
            client,
            headers,
            incoming_metadata(subject="Tờ trình kèm tệp quá khổ"),
            [
                (io.BytesIO(bomb), "to-trinh.pdf"),
                (io.BytesIO(text_pdf("Phụ lục", ["Bảng kê kinh phí"])), "pl.pdf"),
            ],
        )
        if not settings().extracts_text_inline:
            assert index_queued_texts() == 2
    # Stated bound: the server grows by less than 200 MB (reading the bomb in its process took ~620 MB).
    assert peak.growth < 200 * MB

    # The next request is answered, and shows the document with both files and why one has no text.
    shown = client.get(f"/api/v1/documents/{document['id']}", headers=headers)
    assert shown.status_code == 200, shown.get_json()
    body = shown.get_json()
    assert [file["name"] for file in body["files"]] == ["to-trinh.pdf", "pl.pdf"]
    [entry] = [step for step in body["trace"] if step["action"] == "text_not_extracted"]
    assert (entry["details"]["file"], entry["details"]["reason"]) == ("to-trinh.pdf", "too_large")
    assert "memory limit" in entry["details"]["detail"]
    assert "to-trinh.pdf" in entry["note"] and entry["actor_id"] is None
    # Found by its metadata and by the other file's text.
    assert _search(client, headers, "to trinh kem tep qua kho") == [document["id"]]
    assert _search(client, headers, "bang ke kinh phi") == [document["id"]]
    assert _queued() == 0


def test_an_object_store_outage_keeps_the_queued_pdfs_for_the_next_round(
    client, people, as_user, monkeypatch
):
    headers = as_user(people.clerk)
    document = _register(
        client,
        headers,
        incoming_metadata(subject="Báo cáo chờ đọc", number=3),
        [(io.BytesIO(text_pdf("Chờ", ["Nội dung chờ kho lưu trữ"])), "c.pdf")],
    )
    if settings().extracts_text_inline:
        return
    backend = storage()

    def store_down(*args, **kwargs):
        raise StorageError("connection refused")

    monkeypatch.setattr(backend, "open", store_down)
    with pytest.raises(StorageError):
        index_queued_texts()
    db.session.rollback()
    # Not the PDF's fault: still queued, no "text not extracted" in its trace.
    assert _queued() == 1
    trace = client.get(f"/api/v1/documents/{document['id']}", headers=headers).get_json()["trace"]
    assert "text_not_extracted" not in [entry["action"] for entry in trace]
    monkeypatch.undo()
    assert index_queued_texts() == 1
    assert _search(client, headers, "noi dung cho kho") == [document["id"]]
