"""Registering incoming documents through the API: the contract, arrival numbers, duplicates, the
kinds of file accepted, and who may register."""

from __future__ import annotations

import hashlib
import io

import pytest

from eoffice.documents.models import Document
from tests.eoffice.documents.conftest import count, nothing_stored
from tests.eoffice.documents.intake.conftest import ATTACHMENT, PDF, upload
from tests.factories import incoming_metadata


def test_registration_returns_the_document_with_arrival_number_date_and_files(client, people, as_user):
    metadata = incoming_metadata(due_date="2026-12-01", page_count=3, note="Bản chính", language="vi")
    response = upload(
        client,
        as_user(people.clerk),
        metadata,
        files=[(io.BytesIO(PDF), "cong-van.pdf"), (io.BytesIO(ATTACHMENT), "phu-luc.pdf")],
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["arrival_number"] == 1
    assert body["arrival_date"] is not None
    assert body["status"] == "registered"
    for name in (
        "issuer_id",
        "issuer_name",
        "document_type",
        "number",
        "notation",
        "issued_date",
        "subject",
        "signer_name",
        "signer_position",
        "urgency",
        "confidentiality",
        "due_date",
        "page_count",
        "note",
    ):
        assert body[name] == metadata[name], name
    assert [(f["name"], f["size"], f["sha256"], f["content_type"], f["role"]) for f in body["files"]] == [
        ("cong-van.pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), "application/pdf", "main"),
        (
            "phu-luc.pdf",
            len(ATTACHMENT),
            hashlib.sha256(ATTACHMENT).hexdigest(),
            "application/pdf",
            "attachment",
        ),
    ]
    assert body["warnings"] == []
    download = client.get(
        f"/api/v1/documents/{body['id']}/files/{body['files'][1]['id']}", headers=as_user(people.clerk)
    )
    assert download.status_code == 200 and download.data == ATTACHMENT


def test_the_answer_to_a_registration_is_the_document_as_read_back(client, people, as_user):
    # The answer is built from what the request wrote, without reading it back: it must agree.
    headers = as_user(people.clerk)
    upload(client, headers, incoming_metadata(number=1))
    answer = upload(client, headers, incoming_metadata(number=1)).get_json()
    assert answer["warnings"] and answer["trace"] and answer["participants"]
    read_back = client.get(f"/api/v1/documents/{answer.pop('id')}", headers=headers).get_json()
    read_back.pop("id")
    assert {**answer, "warnings": []} == read_back


def test_arrival_numbers_follow_the_order_of_registration(client, people, as_user):
    numbers = [
        upload(client, as_user(people.clerk), incoming_metadata(number=n)).get_json()["arrival_number"]
        for n in range(1, 6)
    ]
    assert numbers == [1, 2, 3, 4, 5]


def test_a_probable_duplicate_is_registered_with_a_warning(client, people, as_user):
    first = upload(client, as_user(people.clerk)).get_json()
    other_number = upload(client, as_user(people.clerk), incoming_metadata(number=126)).get_json()

    again = upload(client, as_user(people.clerk2), incoming_metadata(notation="stc-ns"))

    assert again.status_code == 201
    assert other_number["warnings"] == []
    assert [(w["code"], w["document_id"]) for w in again.get_json()["warnings"]] == [
        ("probable_duplicate", first["id"])
    ]
    assert again.get_json()["arrival_number"] == 3
    detail = client.get(
        f"/api/v1/documents/{again.get_json()['id']}", headers=as_user(people.clerk)
    ).get_json()
    assert detail["trace"][0]["details"]["probable_duplicates"] == [first["id"]]


def test_a_probable_duplicate_is_found_before_registering_without_taking_a_number(client, people, as_user):
    first = upload(client, as_user(people.clerk)).get_json()
    metadata = incoming_metadata()
    check = {key: metadata[key] for key in ("issuer_id", "number", "notation")}
    documents_before = count(Document)

    found = client.post("/api/v1/documents/incoming/duplicates", json=check, headers=as_user(people.clerk2))
    other = client.post(
        "/api/v1/documents/incoming/duplicates", json={**check, "number": 999}, headers=as_user(people.clerk)
    )

    assert found.status_code == 200, found.get_json()
    assert [
        (d["document_id"], d["visible"], d["subject"], d["arrival_number"]) for d in found.get_json()
    ] == [(first["id"], True, first["subject"], first["arrival_number"])]
    assert found.get_json()[0]["number_and_notation"] == first["number_and_notation"]
    assert other.get_json() == []
    assert count(Document) == documents_before
    # The next registration still takes the next arrival number: the check took none.
    assert upload(client, as_user(people.clerk)).get_json()["arrival_number"] == first["arrival_number"] + 1


def test_the_duplicate_check_names_bad_fields_and_is_the_clerks(client, people, as_user):
    bad = client.post(
        "/api/v1/documents/incoming/duplicates",
        json={"issuer_id": "H49", "number": "12", "notation": ""},
        headers=as_user(people.clerk),
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["json"]) == {"issuer_id", "number", "notation"}
    refused = client.post(
        "/api/v1/documents/incoming/duplicates",
        json={"issuer_id": "000.00.12.H49", "number": 12, "notation": "STC-NS"},
        headers=as_user(people.handler),
    )
    assert refused.status_code == 403


def test_a_duplicate_with_vietnamese_letters_in_the_notation_is_noticed(client, people, as_user):
    first = upload(client, as_user(people.clerk), incoming_metadata(notation="SGDĐT-VP")).get_json()
    again = upload(client, as_user(people.clerk), incoming_metadata(notation="SGDĐT-VP")).get_json()
    assert [w["document_id"] for w in again["warnings"]] == [first["id"]]


def test_each_accepted_kind_of_file_is_registered(client, people, as_user):
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("phu-luc.txt", "Phụ lục")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    files = [
        (io.BytesIO(PDF), "chinh.pdf"),
        (io.BytesIO("Nội dung văn bản".encode()), "ghi-chu.txt"),
        (io.BytesIO(archive.getvalue()), "phu-luc.zip"),
        (io.BytesIO(png), "anh.png"),
    ]
    response = upload(client, as_user(people.clerk), files=files)
    assert response.status_code == 201, response.get_json()
    assert [f["content_type"] for f in response.get_json()["files"]] == [
        "application/pdf",
        "text/plain",
        "application/zip",
        "image/png",
    ]


def test_a_failure_after_the_files_were_stored_removes_them_again(app, client, people, as_user, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("eoffice.documents.numbering.number_arrival", broken)
    headers = as_user(people.clerk)
    with pytest.raises(RuntimeError, match="database went away"):
        upload(client, headers, files=[(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(ATTACHMENT), "b.pdf")])

    assert nothing_stored(app)


def test_only_clerks_register_and_a_refusal_stores_nothing(app, client, people, as_user):
    for user in (people.leader, people.handler, people.admin, people.platform_admin):
        response = upload(client, as_user(user))
        assert response.status_code == 403, user.username
    assert nothing_stored(app)


def test_a_request_that_is_not_multipart_is_refused(app, client, people, as_user):
    response = client.post(
        "/api/v1/documents/incoming", json=incoming_metadata(), headers=as_user(people.clerk)
    )
    assert response.status_code == 415
    assert nothing_stored(app)


def test_login_is_required(app, client, people):
    assert upload(client, {}).status_code == 401
    assert nothing_stored(app)
