"""Meeting documents: page counts, refused files storing nothing, who uploads and reads them through
every file path, confidential items, the upload limit."""

from __future__ import annotations

import dataclasses
import io
import re
from unittest.mock import ANY

from pypdf import PdfReader, PdfWriter

from eoffice.extensions import db
from eoffice.storage.models import StoredFile
from meetings.models import MeetingDocument
from tests.eoffice.documents.conftest import count
from tests.factories import create_user
from tests.meetings.conftest import create_meeting, make_pdf, upload


def test_a_pdf_gets_its_page_count_and_other_files_none(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    response = upload(client, login("vanthu"), meeting_id, make_pdf(7), name="Tờ trình số 15.pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] and body["name"] == "Tờ trình số 15.pdf" and body["page_count"] == 7
    other = upload(client, login("chutich"), meeting_id, b"plain text agenda", name="ghichu.txt")
    assert other.status_code == 201 and other.get_json()["page_count"] is None


def test_a_broken_pdf_or_a_missing_file_is_refused_and_nothing_is_stored(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    broken = upload(client, login("vanthu"), meeting_id, b"%PDF-1.7\nthis is not a pdf at all")
    assert broken.status_code == 422 and broken.get_json()["error"]["message"].startswith("file:")
    missing = client.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        data={"agenda_item_id": "1"},
        headers=login("vanthu"),
        content_type="multipart/form-data",
    )
    assert missing.status_code in (404, 422)
    assert count(StoredFile) == 0 and count(MeetingDocument) == 0


def test_a_pdf_encrypted_in_a_way_pypdf_cannot_open_is_422_naming_file(client, login, people):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(2))))
    writer.encrypt("", "chu-so-huu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    # The encryption dictionary names a version no reader implements (pypdf and PDFium refuse it alike).
    encrypted = re.sub(rb"/V \d", b"/V 9", buffer.getvalue(), count=1)
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    refused = upload(client, login("vanthu"), meeting_id, encrypted)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"json": {"file": [ANY]}}
    assert count(StoredFile) == 0 and count(MeetingDocument) == 0


def test_only_invitees_download_and_delegates_cannot_upload(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    pdf = make_pdf(2)
    document_id = upload(client, login("vanthu"), meeting_id, pdf).get_json()["id"]
    url = f"/api/v1/meetings/{meeting_id}/documents/{document_id}/content"
    response = client.get(url, headers=login("khachmoi"))
    # Stored linearised (tests/meetings/test_linearized_documents.py): the same two pages.
    assert response.status_code == 200 and len(PdfReader(io.BytesIO(response.data)).pages) == 2
    assert client.get(url, headers=login("nguoingoai")).status_code == 403
    listing = client.get(f"/api/v1/meetings/{meeting_id}/documents", headers=login("nguoingoai"))
    assert listing.status_code == 403
    assert upload(client, login("daibieu3"), meeting_id, pdf).status_code == 403


def test_a_confidential_item_and_its_documents_are_only_for_the_people_named_on_it(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    item = client.post(
        f"/api/v1/meetings/{meeting_id}/agenda",
        json={"title": "Công tác cán bộ", "is_confidential": True, "named_user_ids": [people.chair.id]},
        headers=organiser,
    )
    assert item.status_code == 201, item.get_json()
    item_id = item.get_json()["id"]
    document_id = upload(client, organiser, meeting_id, make_pdf(1), agenda_item_id=item_id).get_json()["id"]
    url = f"/api/v1/meetings/{meeting_id}/documents/{document_id}/content"
    assert client.get(url, headers=login("chutich")).status_code == 200
    assert client.get(url, headers=organiser).status_code == 200
    assert client.get(url, headers=login("daibieu1")).status_code == 403
    seen_by_delegate = client.get(f"/api/v1/meetings/{meeting_id}", headers=login("daibieu1")).get_json()
    assert seen_by_delegate["agenda"] == [] and seen_by_delegate["documents"] == []
    seen_by_chair = client.get(f"/api/v1/meetings/{meeting_id}", headers=login("chutich")).get_json()
    assert [i["id"] for i in seen_by_chair["agenda"]] == [item_id]
    assert upload(client, login("thuky"), meeting_id, make_pdf(1), agenda_item_id=item_id).status_code == 404


def test_a_meeting_document_is_read_through_every_file_path_exactly_by_who_may_read_it(client, login, people):
    create_user("quantri", roles=["admin"], is_platform_admin=True)
    create_user("quantri.ubnd", roles=["admin"])
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    secret_item = client.post(
        f"/api/v1/meetings/{meeting_id}/agenda",
        json={"title": "Công tác cán bộ", "is_confidential": True, "named_user_ids": [people.chair.id]},
        headers=organiser,
    ).get_json()["id"]
    public = upload(client, organiser, meeting_id, make_pdf(1)).get_json()["file_id"]
    secret = upload(client, organiser, meeting_id, make_pdf(2), agenda_item_id=secret_item)
    secret = secret.get_json()["file_id"]
    readers = {
        public: {"vanthu", "chutich", "thuky", "daibieu1", "daibieu2", "khachmoi"},
        secret: {"vanthu", "chutich"},
    }
    # Administrators of the platform and of the agency are not invited: they read neither.
    for username in ("vanthu", "chutich", "daibieu1", "khachmoi", "nguoingoai", "quantri", "quantri.ubnd"):
        headers = login(username)
        for file_id, allowed in readers.items():
            expected = 200 if username in allowed else 403
            for method, path in (
                ("get", f"/api/v1/files/{file_id}"),
                ("get", f"/api/v1/files/{file_id}/content"),
                ("post", f"/api/v1/files/{file_id}/link"),
            ):
                response = getattr(client, method)(path, headers=headers)
                assert response.status_code == expected, (username, path, response.get_json())


def test_a_2_mb_pdf_is_a_meeting_document_and_one_over_the_upload_limit_is_413(app, client, login, people):
    # The form was parsed under the application's 1 MiB JSON limit before the upload limit was set.
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    pdf = make_pdf(2) + b"%" + bytes(2 * 1024 * 1024)
    response = upload(client, organiser, meeting_id, pdf)
    assert response.status_code == 201, response.get_json()
    stored = db.session.get(StoredFile, response.get_json()["file_id"])
    assert stored.size == len(pdf) and response.get_json()["page_count"] == 2
    extension = app.extensions["eoffice"]
    extension["settings"] = dataclasses.replace(extension["settings"], max_upload_size=1024 * 1024)
    refused = upload(client, organiser, meeting_id, pdf)
    assert refused.status_code == 413 and refused.get_json()["error"]["code"] == "payload_too_large"
    assert count(MeetingDocument) == 1


def test_a_meeting_document_whose_commit_fails_leaves_no_object_in_the_store(
    client, login, people, failing_commits
):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    failing_commits.start()
    refused = upload(client, organiser, meeting_id, make_pdf(1))
    failing_commits.stop()

    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "database_unavailable"
    assert len(failing_commits.keys) == 1
    assert failing_commits.objects_left() == []
    assert (count(MeetingDocument), count(StoredFile)) == (0, 0)
