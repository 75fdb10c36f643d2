"""Hand-over to the archive: proposal, the notice before the deadline, the receipt with its PDFs."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from eoffice.documents import clock
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.records import operations
from eoffice.records.models import CaseFile
from tests.eoffice.records.conftest import CASE_FILES, act, handled, open_case_file

HANDOVERS = "/api/v1/records/handovers"


def closed_case_file(client, headers, people, notation="VX-01", **body) -> dict:
    case_file = open_case_file(client, headers, notation=notation, **body).get_json()
    document = handled(people, f"Văn bản của hồ sơ {notation}", page_count=2)
    assert act(client, headers, case_file["id"], "file_document", document_id=document.id).status_code == 200
    closed = act(client, headers, case_file["id"], "close")
    assert closed.status_code == 200, closed.get_json()
    return closed.get_json()


def pdf_text(client, headers, file_id: int) -> str:
    response = client.get(f"/api/v1/files/{file_id}/content", headers=headers)
    assert response.status_code == 200, response.get_json()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)


def test_the_archivist_receives_closed_case_files_with_the_list_and_the_record(
    client, people, as_user, archivist
):
    handler = as_user(people.handler)
    case_file = closed_case_file(client, handler, people)
    assert case_file["handover_due"] == (clock.vietnam_date(clock.now()) + timedelta(days=365)).isoformat()

    proposed = client.post(HANDOVERS, json={"case_file_ids": [case_file["id"]]}, headers=handler)
    assert proposed.status_code == 201, proposed.get_json()
    assert proposed.get_json()["deadline"] == case_file["handover_due"]
    assert proposed.get_json()["allowed_actions"] == []
    handover_id = proposed.get_json()["id"]
    assert client.post(f"{HANDOVERS}/{handover_id}/receive", headers=handler).status_code == 403

    archive = as_user(archivist)
    assert client.get(f"{HANDOVERS}/{handover_id}", headers=archive).get_json()["allowed_actions"] == [
        "receive"
    ]
    received = client.post(f"{HANDOVERS}/{handover_id}/receive", headers=archive)

    assert received.status_code == 200, received.get_json()
    body = received.get_json()
    assert body["status"] == "received" and body["received_by_name"] == archivist.full_name
    assert body["case_files"][0]["status"] == "archived"
    listing = pdf_text(client, handler, body["list_file_id"])
    assert "MỤC LỤC HỒ SƠ NỘP LƯU" in listing and case_file["code"] in listing
    record = pdf_text(client, archive, body["record_file_id"])
    assert "BIÊN BẢN GIAO NHẬN HỒ SƠ" in record and people.handler.full_name in record
    assert client.get(
        f"/api/v1/files/{body['list_file_id']}/content", headers=as_user(people.co_handler)
    ).status_code in (
        403,
        404,
    )
    again = client.post(f"{HANDOVERS}/{handover_id}/receive", headers=archive)
    assert again.status_code == 409

    # Archived: read-only, to the archivist too.
    changed = [
        client.patch(
            f"{CASE_FILES}/{case_file['id']}", json={"title": "Đổi", "reason": "Sửa"}, headers=archive
        ),
        act(client, archive, case_file["id"], "reopen", reason="Mở lại"),
    ]
    assert [r.status_code for r in changed] == [409, 409]
    stored = db.session.get(CaseFile, case_file["id"])
    assert (stored.status, stored.title) == ("archived", case_file["title"])
    assert [e.action for e in stored.history][-2:] == ["propose_handover", "receive"]


def test_only_closed_case_files_are_proposed_by_who_manages_them(client, people, as_user, archivist):
    handler = as_user(people.handler)
    still_open = open_case_file(client, handler, notation="VX-09").get_json()
    closed = closed_case_file(client, handler, people)

    early = client.post(HANDOVERS, json={"case_file_ids": [still_open["id"]]}, headers=handler)
    stranger = client.post(
        HANDOVERS, json={"case_file_ids": [closed["id"]]}, headers=as_user(people.colleague)
    )
    past = client.post(
        HANDOVERS, json={"case_file_ids": [closed["id"]], "deadline": "2020-01-01"}, headers=handler
    )
    by_archivist = client.post(
        HANDOVERS,
        json={"case_file_ids": [closed["id"]], "deadline": "2099-06-30"},
        headers=as_user(archivist),
    )

    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    assert stranger.status_code == 403
    assert past.status_code == 422 and "deadline" in past.get_json()["error"]["details"]["json"]
    assert by_archivist.status_code == 201 and by_archivist.get_json()["deadline"] == "2099-06-30"
    assert db.session.get(CaseFile, still_open["id"]).status == "open"


def test_the_responsible_people_are_told_once_before_the_deadline(client, people, as_user):
    handler = as_user(people.handler)
    case_file = closed_case_file(client, handler, people)
    deadline = clock.vietnam_date(clock.now()) + timedelta(days=20)
    proposed = client.post(
        HANDOVERS,
        json={"case_file_ids": [case_file["id"]], "deadline": deadline.isoformat()},
        headers=handler,
    )
    assert proposed.status_code == 201

    def notices():
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "records.handover_due")
        ).all()

    assert operations.queue_handover_notices(clock.now()) == 0
    db.session.commit()
    assert notices() == []

    soon = clock.now() + timedelta(days=14)
    assert operations.queue_handover_notices(soon) == 1
    db.session.commit()
    assert operations.queue_handover_notices(soon + timedelta(days=1)) == 0
    db.session.commit()

    sent = notices()
    assert [(m.to_address, m.recipient_id) for m in sent] == [(people.handler.email, people.handler.id)]
    assert deadline.strftime("%d/%m/%Y") in sent[0].subject
    assert case_file["code"] in sent[0].text_body


def test_an_archived_restricted_case_file_is_read_by_its_keepers_only(client, people, as_user, archivist):
    handler = as_user(people.handler)
    case_file = closed_case_file(client, handler, people, access_regime="restricted", keywords="nhân sự")
    handover = client.post(HANDOVERS, json={"case_file_ids": [case_file["id"]]}, headers=handler).get_json()
    client.post(f"{HANDOVERS}/{handover['id']}/receive", headers=as_user(archivist))

    def found(user) -> list[int]:
        response = client.get(f"{CASE_FILES}?q=NHAN SU&status=archived", headers=as_user(user))
        return [item["id"] for item in response.get_json()["items"]]

    assert found(people.handler) == [case_file["id"]]
    assert found(archivist) == [case_file["id"]]
    assert found(people.colleague) == []
    assert client.get(f"{CASE_FILES}/{case_file['id']}", headers=as_user(people.colleague)).status_code == 403
