"""Registering incoming documents through the API: the contract, duplicates, and bad input storing nothing."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from eoffice.documents import operations
from eoffice.documents.models import Channel, Document
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import count, nothing_stored, stored_objects
from tests.factories import incoming_metadata, pdf_file

# Above the generated PDFs (which embed a font subset), below what the oversize cases send.
LIMIT = 64 * 1024
PDF = text_pdf("Công văn số 125/STC-NS")
ATTACHMENT = text_pdf("Phụ lục kèm theo")


@pytest.fixture
def app_env():
    return {"EOFFICE_MAX_UPLOAD_SIZE": str(LIMIT)}


def upload(client, headers, metadata=None, files=None, raw_metadata=None):
    if files is None:
        files = [(io.BytesIO(PDF), "cong-van.pdf")]
    data = {"files": files}
    if raw_metadata is not None:
        data["metadata"] = raw_metadata
    elif metadata is not False:
        data["metadata"] = json.dumps(metadata if metadata is not None else incoming_metadata())
    return client.post(
        "/api/v1/documents/incoming", data=data, headers=headers, content_type="multipart/form-data"
    )


def error_of(response) -> dict:
    return response.get_json()["error"]


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


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("hồ sơ/2026/Công văn 12.pdf", "Công văn 12.pdf"),
        ("tờ\ttrình\u200b.pdf", "tờtrình.pdf"),
    ],
)
def test_file_names_lose_paths_and_control_characters(client, people, as_user, name, expected):
    response = upload(client, as_user(people.clerk), files=[(io.BytesIO(PDF), name)])
    assert response.status_code == 201
    assert response.get_json()["files"][0]["name"] == expected


def test_control_characters_in_a_channel_file_name_are_removed(app, people):
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[
            operations.IncomingFile("cong\x00van\x1b\n.pdf", io.BytesIO(PDF)),
            operations.IncomingFile("C:\\Users\\vanthu\\Công văn 12.pdf", io.BytesIO(ATTACHMENT)),
        ],
    )
    with commit_or_discard():
        document, _ = operations.register_upload(record, people.clerk)
    assert [link.stored_file.name for link in document.files] == ["congvan.pdf", "Công văn 12.pdf"]


def _metadata_without(field):
    metadata = incoming_metadata()
    del metadata[field]
    return metadata


@pytest.mark.parametrize(
    "kwargs, status, field",
    [
        ({"metadata": False}, 422, "metadata"),
        ({"raw_metadata": '{"issuer_id": "000.00.12.H49",'}, 422, "metadata"),
        ({"raw_metadata": "[1, 2]"}, 422, "metadata"),
        ({"metadata": _metadata_without("subject")}, 422, "metadata.subject"),
        ({"metadata": _metadata_without("issuer_id")}, 422, "metadata.issuer_id"),
        ({"metadata": incoming_metadata(subject="   ")}, 422, "metadata.subject"),
        ({"metadata": incoming_metadata(number="mười hai")}, 422, "metadata.number"),
        ({"metadata": incoming_metadata(number=0)}, 422, "metadata.number"),
        ({"metadata": incoming_metadata(issued_date="20/11/2026")}, 422, "metadata.issued_date"),
        ({"metadata": incoming_metadata(arrival_number=7)}, 422, "metadata.arrival_number"),
        ({"metadata": incoming_metadata(issuer_id="H49")}, 422, "metadata.issuer_id"),
        ({"metadata": incoming_metadata(issuer_id="000.00.12.h49 ")}, 422, "metadata.issuer_id"),
        ({"metadata": incoming_metadata(document_type="XYZ")}, 422, "metadata.document_type"),
        ({"metadata": incoming_metadata(urgency="rất khẩn")}, 422, "metadata.urgency"),
        ({"metadata": incoming_metadata(confidentiality="mật")}, 422, "metadata.confidentiality"),
        ({"metadata": incoming_metadata(notation="x" * 31)}, 422, "metadata.notation"),
        ({"files": lambda: []}, 422, "files"),
        ({"files": lambda: [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(b""), "rong.pdf")]}, 422, "files[1]"),
        (
            {"files": lambda: [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(b"x" * (LIMIT + 1)), "lon.txt")]},
            413,
            "files[1]",
        ),
        (
            {"files": lambda: [(io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 100), "virus.pdf")]},
            415,
            "files[0]",
        ),
        (
            {
                "files": lambda: [
                    (io.BytesIO(PDF), "a.pdf"),
                    (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "b.exe"),
                ]
            },
            415,
            "files[1]",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    app, client, people, as_user, kwargs, status, field
):
    # Streams are built per run: a test client closes the ones it sends.
    kwargs = {key: value() if callable(value) else value for key, value in kwargs.items()}
    response = upload(client, as_user(people.clerk), **kwargs)

    assert response.status_code == status, response.get_json()
    error = error_of(response)
    assert error["message"].startswith(field), error["message"]
    assert nothing_stored(app)


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


def test_an_arrival_by_the_axis_waits_for_a_clerk_and_arrives_once(app, people):
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[pdf_file()],
        channel=Channel.AXIS,
        source_reference="000.00.12.H49,2026/11/20,125/STC-NS",
    )
    with commit_or_discard():
        document, _ = operations.receive_incoming(record)
    with commit_or_discard():
        again, _ = operations.receive_incoming(record)

    assert again.id == document.id
    assert count(Document) == 1 and len(stored_objects(app)) == 1
    document = db.session.get(Document, document.id)
    assert (document.status, document.arrival_number, document.channel) == (
        "pending_registration",
        None,
        "axis",
    )
    assert [(e.action, e.actor_id, e.actor_name) for e in document.trace] == [
        ("receive", None, "Trục liên thông văn bản quốc gia")
    ]


def test_two_deliveries_of_one_document_racing_make_one_document_and_the_second_finds_it(app, people):
    """The second delivery passes its look-up before the first commits; its insert then waits for the
    first and hits the unique source reference: it must answer with the first document, not fail."""
    import threading
    import time

    def delivery():
        return operations.InboundRecord(
            agency_id=people.clerk.agency_id,
            metadata=incoming_metadata(),
            files=[pdf_file()],
            channel=Channel.AXIS,
            source_reference="000.00.12.H49,2026/11/20,125/STC-NS",
        )

    first_written, release = threading.Event(), threading.Event()
    found: dict[str, int] = {}
    failures: list[BaseException] = []

    def receive(name: str, before=None, after=None):
        try:
            with app.app_context():
                if before:
                    before.wait(10)
                with commit_or_discard():
                    document, _ = operations.receive_incoming(delivery())
                    found[name] = document.id
                    if after:
                        after.set()
                        release.wait(10)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [
        threading.Thread(target=receive, args=("first", None, first_written)),
        threading.Thread(target=receive, args=("second", first_written, None)),
    ]
    for thread in threads:
        thread.start()
    first_written.wait(10)
    time.sleep(1.5)  # the second delivery is now waiting on the first one's insert
    release.set()
    for thread in threads:
        thread.join(30)

    assert failures == []
    assert found["first"] == found["second"]
    assert count(Document) == 1
    assert len(stored_objects(app)) == 1


def test_a_registration_written_by_insert_now_leaves_nothing_pending_and_its_search_row_exists(
    app, people, monkeypatch
):
    """register_upload writes the new document's rows with eoffice.insert_now, past the unit of work: right
    after it the session holds nothing of them still to flush, and the search row is in the database."""
    from sqlalchemy import select

    from eoffice.documents.fulltext import fold
    from eoffice.documents.models import DocumentSearch
    from eoffice.documents.operations import intake
    from eoffice.insert_now import insert_now

    seen = {}

    def insert_and_look(session, objects):
        insert_now(session, objects)
        written = {id(item) for item in objects}
        seen["pending"] = [
            item for item in [*session.new, *session.dirty, *session.deleted] if id(item) in written
        ]
        seen["written"] = len(objects)
        seen["document_id"] = document_id = next(item.id for item in objects if isinstance(item, Document))
        # A statement of its own with autoflush off: only what insert_now wrote can answer it.
        with session.no_autoflush:
            seen["search"] = session.execute(
                select(DocumentSearch.__table__.c.body).where(
                    DocumentSearch.__table__.c.document_id == document_id
                )
            ).scalar_one_or_none()

    monkeypatch.setattr(intake, "insert_now", insert_and_look)
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[operations.IncomingFile("cong-van.pdf", io.BytesIO(PDF))],
    )
    with commit_or_discard():
        operations.register_upload(record, people.clerk)

    # The document, its stored file and link, its participant, search row, text-extraction job and trace.
    assert seen["written"] >= 6
    assert seen["pending"] == []
    assert seen["search"] is not None and fold("dự toán ngân sách") in seen["search"]
    assert db.session.get(DocumentSearch, seen["document_id"]).agency_id == people.clerk.agency_id
