"""The meetings REST contract: creation, state machine, invitations by mail, documents, opinion polls."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta
from unittest.mock import ANY

from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.storage.models import StoredFile
from meetings.models import Meeting, MeetingDocument
from tests.factories import create_user
from tests.meetings.conftest import make_pdf, meeting_body, upload


def _create(client, login, people, **changes):
    return client.post("/api/v1/meetings", json=meeting_body(people, **changes), headers=login("vanthu"))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_creating_a_meeting_returns_201_with_its_people_and_draft_status(client, login, people):
    response = _create(client, login, people)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] and body["status"] == "draft"
    assert body["chair_id"] == people.chair.id and body["secretary_id"] == people.secretary.id
    roles = {p["user_id"]: p["role"] for p in body["participants"]}
    assert roles[people.delegates[1].id] == "delegate" and roles[people.guest.id] == "guest"
    assert body["starts_at"].startswith("2026-12-01T01:00:00")


def test_bad_meeting_input_is_refused_naming_the_field_and_writes_nothing(client, login, people):
    headers = login("vanthu")
    cases = [
        ({"title": ""}, "title"),
        ({"ends_at": "2026-12-01T07:00:00+07:00"}, "ends_at"),
        ({"starts_at": "2026-12-01T08:00:00"}, "starts_at"),
        ({"chair_id": "x"}, "chair_id"),
        ({"participants": [{"user_id": 9999, "role": "delegate"}]}, "participants[0].user_id"),
        ({"participants": [{"user_id": people.guest.id, "role": "king"}]}, "participants"),
        ({"participants": [{"user_id": people.chair.id, "role": "delegate"}]}, "participants[0].user_id"),
        ({"secretary_id": people.chair.id}, "secretary_id"),
    ]
    for changes, field in cases:
        response = client.post("/api/v1/meetings", json=meeting_body(people, **changes), headers=headers)
        assert response.status_code == 422, (changes, response.get_json())
        assert field in response.get_json()["error"]["message"], (field, response.get_json())
    assert _count(Meeting) == 0


def test_only_clerks_leaders_and_admins_organise_meetings(client, login, people):
    response = client.post("/api/v1/meetings", json=meeting_body(people), headers=login("nguoingoai"))
    assert response.status_code == 403


def test_invitees_see_the_meeting_and_others_get_403(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("daibieu2")).status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("nguoingoai")).status_code == 403
    assert client.get("/api/v1/meetings/999", headers=login("daibieu2")).status_code == 404
    mine = client.get("/api/v1/meetings", headers=login("khachmoi")).get_json()
    assert [m["id"] for m in mine] == [meeting_id]
    assert client.get("/api/v1/meetings", headers=login("nguoingoai")).get_json() == []


def test_the_state_machine_allows_only_draft_invited_in_progress_closed(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    organiser, chair, delegate = login("vanthu"), login("chutich"), login("daibieu1")
    url = f"/api/v1/meetings/{meeting_id}"
    assert client.post(f"{url}/start", headers=organiser).status_code == 409
    assert client.post(f"{url}/close", headers=organiser).status_code == 409
    assert client.post(f"{url}/invite", headers=delegate).status_code == 403
    assert client.post(f"{url}/invite", headers=organiser).get_json()["status"] == "invited"
    assert client.post(f"{url}/invite", headers=organiser).status_code == 409
    assert client.post(f"{url}/start", headers=delegate).status_code == 403
    assert client.post(f"{url}/start", headers=chair).get_json()["status"] == "in_progress"
    assert client.post(f"{url}/cancel", headers=chair).status_code == 409
    response = client.post(f"{url}/close", headers=login("thuky"))
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    conflict = client.post(f"{url}/start", headers=chair)
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "invalid_state"
    assert client.patch(url, json={"title": "Đổi tên"}, headers=organiser).status_code == 409


def _calendars(kind: str) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_invitation_change_and_cancellation_go_to_the_outbox_with_one_calendar_uid(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser)
    invitations = _calendars("meeting.invitation")
    assert {m.to_address for m in invitations} == {
        f"{u.username}@example.gov.vn"
        for u in [people.chair, people.secretary, *people.delegates, people.guest]
    }
    first = invitations[0].calendar
    uid = next(line for line in first.split("\r\n") if line.startswith("UID:"))
    assert "METHOD:REQUEST" in first and "SEQUENCE:0" in first
    assert invitations[0].subject.startswith("Giấy mời họp: Họp UBND")

    changed = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"location": "Hội trường tầng 3"}, headers=organiser
    )
    assert changed.status_code == 200 and changed.get_json()["calendar_sequence"] == 1
    changes = _calendars("meeting.changed")
    assert len(changes) == 6
    assert all(uid in m.calendar and "SEQUENCE:1" in m.calendar for m in changes)
    assert "Hội trường tầng 3" in changes[0].calendar

    assert client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=organiser).status_code == 200
    cancellations = _calendars("meeting.cancelled")
    assert len(cancellations) == 6
    assert all(
        uid in m.calendar
        and "METHOD:CANCEL" in m.calendar
        and "SEQUENCE:2" in m.calendar
        and m.calendar_method == "CANCEL"
        for m in cancellations
    )


def test_changing_participants_invites_newcomers_and_cancels_for_the_removed(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser)
    participants = [{"user_id": d.id, "role": "delegate"} for d in people.delegates[:2]] + [
        {"user_id": people.outsider.id, "role": "guest"}
    ]
    response = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"participants": participants}, headers=organiser
    )
    assert response.status_code == 200, response.get_json()
    by_kind = {
        kind: {m.recipient_id for m in _calendars(kind)}
        for kind in ("meeting.changed", "meeting.invitation", "meeting.cancelled")
    }
    assert people.outsider.id in by_kind["meeting.invitation"]
    assert by_kind["meeting.cancelled"] == {people.delegates[2].id, people.guest.id}
    assert people.outsider.id not in by_kind["meeting.changed"]
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("nguoingoai")).status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("khachmoi")).status_code == 403


def test_a_pdf_gets_its_page_count_and_other_files_none(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    response = upload(client, login("vanthu"), meeting_id, make_pdf(7), name="Tờ trình số 15.pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] and body["name"] == "Tờ trình số 15.pdf" and body["page_count"] == 7
    other = upload(client, login("chutich"), meeting_id, b"plain text agenda", name="ghichu.txt")
    assert other.status_code == 201 and other.get_json()["page_count"] is None


def test_a_broken_pdf_or_a_missing_file_is_refused_and_nothing_is_stored(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    broken = upload(client, login("vanthu"), meeting_id, b"%PDF-1.7\nthis is not a pdf at all")
    assert broken.status_code == 422 and broken.get_json()["error"]["message"].startswith("file:")
    missing = client.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        data={"agenda_item_id": "1"},
        headers=login("vanthu"),
        content_type="multipart/form-data",
    )
    assert missing.status_code in (404, 422)
    assert _count(StoredFile) == 0 and _count(MeetingDocument) == 0


def test_a_pdf_encrypted_in_a_way_pypdf_cannot_open_is_422_naming_file(client, login, people):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(2))))
    writer.encrypt("", "chu-so-huu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    # The encryption dictionary names a version no reader implements (pypdf and PDFium refuse it alike).
    encrypted = re.sub(rb"/V \d", b"/V 9", buffer.getvalue(), count=1)
    meeting_id = _create(client, login, people).get_json()["id"]
    refused = upload(client, login("vanthu"), meeting_id, encrypted)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"json": {"file": [ANY]}}
    assert _count(StoredFile) == 0 and _count(MeetingDocument) == 0


def test_only_invitees_download_and_delegates_cannot_upload(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
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
    meeting_id = _create(client, login, people).get_json()["id"]
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
    meeting_id = _create(client, login, people).get_json()["id"]
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
    meeting_id = _create(client, login, people).get_json()["id"]
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
    assert _count(MeetingDocument) == 1


def test_a_meeting_document_whose_commit_fails_leaves_no_object_in_the_store(
    client, login, people, failing_commits
):
    meeting_id = _create(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    failing_commits.start()
    refused = upload(client, organiser, meeting_id, make_pdf(1))
    failing_commits.stop()

    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "database_unavailable"
    assert len(failing_commits.keys) == 1
    assert failing_commits.objects_left() == []
    assert (_count(MeetingDocument), _count(StoredFile)) == (0, 0)


def test_agenda_items_keep_their_order_and_accept_an_insert_position(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    url = f"/api/v1/meetings/{meeting_id}/agenda"
    for title in ("Khai mạc", "Bế mạc"):
        client.post(url, json={"title": title}, headers=organiser)
    middle = client.post(
        url,
        json={
            "title": "Thảo luận",
            "position": 2,
            "presenter_id": people.delegates[0].id,
            "starts_at": "2026-12-01T09:00:00+07:00",
            "ends_at": "2026-12-01T10:00:00+07:00",
        },
        headers=organiser,
    )
    assert middle.status_code == 201
    agenda = client.get(f"/api/v1/meetings/{meeting_id}", headers=organiser).get_json()["agenda"]
    assert [(i["position"], i["title"]) for i in agenda] == [(1, "Khai mạc"), (2, "Thảo luận"), (3, "Bế mạc")]
    refused = client.post(url, json={"title": "X", "presenter_id": people.outsider.id}, headers=organiser)
    assert refused.status_code == 422 and "presenter_id" in refused.get_json()["error"]["message"]


def test_each_delegate_answers_a_written_opinion_poll_once_before_the_deadline(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    poll = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={
            "question": "Thông qua dự thảo quy chế?",
            "options": ["Đồng ý", "Không đồng ý"],
            "deadline": deadline,
        },
        headers=login("thuky"),
    )
    assert poll.status_code == 201, poll.get_json()
    url = f"/api/v1/meetings/{meeting_id}/opinions/{poll.get_json()['id']}"
    first = client.post(f"{url}/answers", json={"option": "Đồng ý"}, headers=login("daibieu1"))
    assert first.status_code == 201
    again = client.post(f"{url}/answers", json={"option": "Không đồng ý"}, headers=login("daibieu1"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_answered"
    assert (
        client.post(f"{url}/answers", json={"option": "Đồng ý"}, headers=login("khachmoi")).status_code == 403
    )
    bad = client.post(f"{url}/answers", json={"option": "Có"}, headers=login("daibieu2"))
    assert bad.status_code == 422 and "option" in bad.get_json()["error"]["message"]
    view = client.get(url, headers=login("daibieu3")).get_json()
    assert view["results"] == {"Đồng ý": 1, "Không đồng ý": 0} and view["eligible"] == 4
    assert view["answers"] == [] and view["my_answer"] is None
    assert len(client.get(url, headers=login("thuky")).get_json()["answers"]) == 1
    past = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={"question": "Muộn?", "deadline": "2020-01-01T00:00:00+00:00"},
        headers=login("thuky"),
    )
    assert past.status_code == 422 and "deadline" in past.get_json()["error"]["message"]


def test_the_list_keeps_the_meetings_overlapping_a_calendar_period(client, login, people):
    # A calendar day in Vietnam runs from 17:00 UTC the day before: a meeting at 06:30 on
    # 2 December (Vietnam) is on the 2nd although it is still the 1st in UTC.
    early = _create(
        client, login, people, starts_at="2026-12-02T06:30:00+07:00", ends_at="2026-12-02T07:30:00+07:00"
    ).get_json()["id"]
    previous_evening = _create(
        client, login, people, starts_at="2026-12-01T22:00:00+07:00", ends_at="2026-12-01T23:59:00+07:00"
    ).get_json()["id"]
    overnight = _create(
        client, login, people, starts_at="2026-12-01T23:00:00+07:00", ends_at="2026-12-02T01:00:00+07:00"
    ).get_json()["id"]
    next_day = _create(
        client, login, people, starts_at="2026-12-03T00:00:00+07:00", ends_at="2026-12-03T02:00:00+07:00"
    ).get_json()["id"]
    headers = login("daibieu1")
    day = {"from": "2026-12-02T00:00:00+07:00", "to": "2026-12-03T00:00:00+07:00"}
    listed = client.get("/api/v1/meetings", query_string=day, headers=headers).get_json()
    assert sorted(m["id"] for m in listed) == sorted([early, overnight])
    assert previous_evening not in [m["id"] for m in listed] and next_day not in [m["id"] for m in listed]
    later = client.get("/api/v1/meetings", query_string={"from": "2026-12-02T12:00:00Z"}, headers=headers)
    assert [m["id"] for m in later.get_json()] == [next_day]
    outsider = client.get("/api/v1/meetings", query_string=day, headers=login("nguoingoai"))
    assert outsider.get_json() == []


def test_a_malformed_calendar_period_is_refused_naming_the_field(client, login, people):
    headers = login("daibieu1")
    naive = client.get("/api/v1/meetings", query_string={"from": "2026-12-02T00:00:00"}, headers=headers)
    assert naive.status_code == 422 and "from" in naive.get_json()["error"]["message"]
    backwards = client.get(
        "/api/v1/meetings",
        query_string={"from": "2026-12-03T00:00:00+07:00", "to": "2026-12-02T00:00:00+07:00"},
        headers=headers,
    )
    assert backwards.status_code == 422 and "to" in backwards.get_json()["error"]["message"]


def test_the_secretary_cannot_make_themself_chair_nor_anyone_change_the_chair_once_started(
    client, login, people
):
    meeting_id = _create(client, login, people).get_json()["id"]
    url = f"/api/v1/meetings/{meeting_id}"
    organiser, chair, secretary = login("vanthu"), login("chutich"), login("thuky")
    # Before the meeting: only the organiser names them.
    assert client.patch(url, json={"secretary_id": people.outsider.id}, headers=chair).status_code == 403
    assert client.post(f"{url}/invite", headers=organiser).status_code == 200
    assert client.post(f"{url}/start", headers=organiser).status_code == 200
    takeover = client.patch(
        url, json={"chair_id": people.secretary.id, "secretary_id": None}, headers=secretary
    )
    assert takeover.status_code == 403, takeover.get_json()
    assert takeover.get_json()["error"]["code"] == "forbidden"
    assert "organiser" in takeover.get_json()["error"]["message"]
    late = client.patch(url, json={"chair_id": people.delegates[0].id}, headers=organiser)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "invalid_state"
    db.session.rollback()
    meeting = db.session.get(Meeting, meeting_id)
    assert (meeting.chair_id, meeting.secretary_id) == (people.chair.id, people.secretary.id)
    # The same chair and secretary sent back with another change are no change of them.
    same = {
        "title": "Họp thường kỳ (bổ sung)",
        "chair_id": people.chair.id,
        "secretary_id": people.secretary.id,
    }
    assert client.patch(url, json=same, headers=secretary).status_code == 200


def test_the_organiser_names_another_chair_and_secretary_before_the_meeting(client, login, people):
    meeting_id = _create(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    assert client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser).status_code == 200
    changed = client.patch(
        f"/api/v1/meetings/{meeting_id}",
        json={"chair_id": people.outsider.id, "secretary_id": None},
        headers=organiser,
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["chair_id"], changed.get_json()["secretary_id"]) == (
        people.outsider.id,
        None,
    )
