"""Live minutes: written by the secretary in the room, seen by every device, approved into a PDF and mail."""

from __future__ import annotations

import io
import threading
import time

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from eoffice import create_app
from eoffice.audit.models import AuditEvent
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.mail.tasks import process_due
from eoffice.mail.transport import build_transport
from eoffice.runtime import settings, storage
from eoffice.signing.operations import check_signatures
from eoffice.storage.backend import StorageError
from eoffice.storage.models import StoredFile
from meetings.minutes.operations import MAX_TEXT
from meetings.models import MeetingMinutes, MinutesSection
from tests.conftest import make_settings
from tests.meetings.conftest import add_confidential_item, build_room, live_server_for

GENERAL = "Đồng chí Chủ tịch khai mạc, thông qua chương trình.\nCác đại biểu thống nhất."
REPORT = "Đồng chí Daibieu1 trình bày báo cáo kinh tế - xã hội tháng 11.\nTăng trưởng đạt 7,2%."
CONCLUSION = "Thống nhất báo cáo; giao Sở Kế hoạch và Đầu tư hoàn thiện trước ngày 05/12."


@pytest.fixture
def app_env(smtp_session_server):
    return {
        "EOFFICE_SMTP_HOST": smtp_session_server.host,
        "EOFFICE_SMTP_PORT": str(smtp_session_server.port),
        "EOFFICE_SMTP_FROM": "Văn phòng điện tử <vanthu@quangnam.gov.vn>",
        "EOFFICE_PUBLIC_URL": "https://eoffice.quangnam.gov.vn",
    }


@pytest.fixture
def room(client, people):
    return build_room(client, people)


def _headers(room, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {room.tokens[username]}"}


def _edit(device, room, version: int, item_id: int | None = None, **fields) -> dict:
    return device.call(
        "minutes_edit",
        {"meeting_id": room.meeting_id, "agenda_item_id": item_id, "version": version, **fields},
    )


def _joined(live_server, devices, room, *usernames):
    opened = [devices(live_server, room.tokens[username]) for username in usernames]
    for device in opened:
        answer = device.call("join", {"meeting_id": room.meeting_id})
        assert answer["ok"] is True, answer
    return opened


def _minutes_row() -> MeetingMinutes:
    db.session.rollback()
    return db.session.scalars(select(MeetingMinutes)).one()


def _sections() -> dict[int | None, MinutesSection]:
    db.session.rollback()
    return {s.agenda_item_id: s for s in db.session.scalars(select(MinutesSection))}


def test_the_secretarys_minutes_reach_every_device_in_order(live_server, devices, room):
    secretary, second_tablet, chair, delegate, guest = _joined(
        live_server, devices, room, "thuky", "thuky", "chutich", "daibieu1", "khachmoi"
    )
    outsider = devices(live_server, room.tokens["nguoingoai"])
    assert outsider.call("join", {"meeting_id": room.meeting_id})["ok"] is False
    state = delegate.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
    assert (state["status"], state["seq"]) == ("draft", 0)
    assert [(s["agenda_item_id"], s["version"], s["text"]) for s in state["sections"]] == [
        (None, 0, ""),
        (room.item_id, 0, ""),
    ]

    answers = [
        _edit(secretary, room, 0, text="Đồng chí Chủ tịch khai mạc."),
        _edit(second_tablet, room, 0, room.item_id, text=REPORT),
        _edit(secretary, room, 1, room.item_id, conclusion=CONCLUSION),
        _edit(secretary, room, 1, text=GENERAL),
    ]
    assert answers == [
        {"ok": True, "seq": 1, "version": 1},
        {"ok": True, "seq": 2, "version": 1},
        {"ok": True, "seq": 3, "version": 2},
        {"ok": True, "seq": 4, "version": 2},
    ]
    for device in (secretary, second_tablet, chair, delegate, guest):
        received = device.wait_for("minutes_section", 4)
        assert [(e["seq"], e["agenda_item_id"], e["version"]) for e in received] == [
            (1, None, 1),
            (2, room.item_id, 1),
            (3, room.item_id, 2),
            (4, None, 2),
        ]
        # An edit of the conclusion alone keeps the text written before it.
        assert (received[2]["text"], received[2]["conclusion"]) == (REPORT, CONCLUSION)
        assert received[3]["text"] == GENERAL and received[3]["meeting_id"] == room.meeting_id
        assert received[3]["updated_by_id"] is not None and received[3]["updated_at"]
    time.sleep(0.3)
    assert outsider.of("minutes_section") == []
    sections = _sections()
    assert (sections[None].text, sections[None].version) == (GENERAL, 2)
    assert (sections[room.item_id].text, sections[room.item_id].conclusion) == (REPORT, CONCLUSION)
    assert _minutes_row().seq == 4


def test_a_stale_edit_is_refused_with_the_current_section_and_loses_no_text(live_server, devices, room):
    tablet_a, tablet_b, watcher = _joined(live_server, devices, room, "thuky", "thuky", "daibieu2")
    assert _edit(tablet_a, room, 0, room.item_id, text="Bản ghi của máy A.")["ok"] is True
    refused = _edit(tablet_b, room, 0, room.item_id, text="Bản ghi của máy B.")
    assert refused["ok"] is False and refused["error"]["code"] == "stale_version"
    assert refused["error"]["message"] and refused["version"] == 1
    assert refused["section"]["text"] == "Bản ghi của máy A." and refused["section"]["version"] == 1
    merged = "Bản ghi của máy A.\nBản ghi của máy B."
    assert _edit(tablet_b, room, refused["version"], room.item_id, text=merged) == {
        "ok": True,
        "seq": 2,
        "version": 2,
    }
    assert [e["text"] for e in watcher.wait_for("minutes_section", 2)] == ["Bản ghi của máy A.", merged]
    time.sleep(0.3)
    assert len(watcher.of("minutes_section")) == 2

    # Both devices send at the same instant from the same version: one wins, the other is told.
    results: list[dict] = []
    start = threading.Barrier(2)

    def send(device, text):
        start.wait()
        results.append(_edit(device, room, 2, room.item_id, text=text))

    senders = [
        threading.Thread(target=send, args=(tablet_a, merged + "\nThêm từ máy A.")),
        threading.Thread(target=send, args=(tablet_b, merged + "\nThêm từ máy B.")),
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(20)
    assert sorted(r["ok"] for r in results) == [False, True], results
    winner = next(r for r in results if r["ok"])
    loser = next(r for r in results if not r["ok"])
    assert winner["version"] == 3 and loser["error"]["code"] == "stale_version" and loser["version"] == 3
    section = _sections()[room.item_id]
    assert section.version == 3 and section.text == loser["section"]["text"]
    assert _minutes_row().seq == 3


def test_a_device_that_reconnects_or_a_restarted_server_gets_the_minutes(
    app, client, people, devices, database_url, tmp_path
):
    room = build_room(client, people)
    server = live_server_for(app)
    url = next(server)
    secretary, tablet = _joined(url, devices, room, "thuky", "daibieu1")
    tablet.close()  # Wi-Fi drops
    _edit(secretary, room, 0, text=GENERAL)
    _edit(secretary, room, 0, room.item_id, text=REPORT, conclusion=CONCLUSION)
    back = _joined(url, devices, room, "daibieu1")[0]
    minutes = back.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
    assert minutes["seq"] == 2
    assert [(s["text"], s["conclusion"], s["version"]) for s in minutes["sections"]] == [
        (GENERAL, "", 1),
        (REPORT, CONCLUSION, 1),
    ]
    secretary.close()
    back.close()
    next(server, None)

    restarted = create_app(make_settings(tmp_path / "second", EOFFICE_DATABASE_URL=database_url))
    second = live_server_for(restarted)
    url = next(second)
    try:
        secretary, tablet = _joined(url, devices, room, "thuky", "daibieu1")
        minutes = tablet.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
        assert minutes["seq"] == 2 and minutes["sections"][1]["conclusion"] == CONCLUSION
        assert _edit(secretary, room, 1, room.item_id, text=REPORT + " Đạt kế hoạch.")["seq"] == 3
        assert tablet.wait_for("minutes_section", 1)[0]["seq"] == 3
        secretary.close()
        tablet.close()
    finally:
        next(second, None)


def test_bad_minutes_edits_answer_ok_false_and_change_nothing(client, live_server, devices, room, people):
    secretary, chair, delegate, watcher = _joined(
        live_server, devices, room, "thuky", "chutich", "daibieu1", "khachmoi"
    )
    good = {"meeting_id": room.meeting_id, "agenda_item_id": room.item_id, "version": 0, "text": "Nội dung"}
    cases = [
        (None, "validation_error"),
        ([1, 2], "validation_error"),
        ({k: v for k, v in good.items() if k != "meeting_id"}, "validation_error"),
        ({**good, "meeting_id": 999}, "not_found"),
        ({k: v for k, v in good.items() if k != "agenda_item_id"}, "validation_error"),
        ({**good, "agenda_item_id": "1"}, "validation_error"),
        ({**good, "agenda_item_id": 999}, "not_found"),
        ({k: v for k, v in good.items() if k != "version"}, "validation_error"),
        ({**good, "version": -1}, "validation_error"),
        ({**good, "version": "0"}, "validation_error"),
        ({**good, "version": True}, "validation_error"),
        ({**good, "text": 5}, "validation_error"),
        ({**good, "text": None}, "validation_error"),
        ({**good, "conclusion": ["a"]}, "validation_error"),
        ({k: v for k, v in good.items() if k != "text"}, "validation_error"),
        ({**good, "text": "x" * (MAX_TEXT + 1)}, "validation_error"),
    ]
    for payload, code in cases:
        answer = secretary.call("minutes_edit", payload)
        assert answer["ok"] is False and answer["error"]["code"] == code, (str(payload)[:80], answer)
        assert answer["error"]["message"]
    for device in (chair, delegate, watcher):
        answer = device.call("minutes_edit", good)
        assert answer["ok"] is False and answer["error"]["code"] == "forbidden", answer
    time.sleep(0.3)
    assert watcher.of("minutes_section") == []
    assert _sections() == {} and _minutes_row().seq == 0

    not_started = build_room(client, people, start=False)
    answer = secretary.call(
        "minutes_edit", {**good, "meeting_id": not_started.meeting_id, "agenda_item_id": None}
    )
    assert answer["ok"] is False and answer["error"]["code"] == "invalid_state"
    assert secretary.call("join", {"meeting_id": not_started.meeting_id})["state"]["minutes"] is None


def test_a_confidential_items_minutes_reach_only_its_named_people(client, live_server, devices, room, people):
    secret_id = add_confidential_item(client, room, [people.secretary.id, people.delegates[1].id])
    secretary, named, other, chair = _joined(
        live_server, devices, room, "thuky", "daibieu2", "daibieu1", "chutich"
    )
    assert _edit(secretary, room, 0, secret_id, text="Nhận xét nhân sự.")["ok"] is True
    assert _edit(secretary, room, 0, text=GENERAL)["ok"] is True
    assert [e["agenda_item_id"] for e in named.wait_for("minutes_section", 2)] == [secret_id, None]
    assert [e["agenda_item_id"] for e in other.wait_for("minutes_section", 1)] == [None]
    time.sleep(0.3)
    assert len(other.of("minutes_section")) == 1 and len(chair.of("minutes_section")) == 1

    def section_ids(device):
        state = device.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
        return [s["agenda_item_id"] for s in state["sections"]]

    assert section_ids(named) == [None, room.item_id, secret_id]
    assert section_ids(other) == [None, room.item_id]
    rest = client.get(f"/api/v1/meetings/{room.meeting_id}/minutes", headers=_headers(room, "daibieu1"))
    assert [s["agenda_item_id"] for s in rest.get_json()["sections"]] == [None, room.item_id]
    # The secretary writes only the confidential items they are named on.
    hidden = client.post(
        f"/api/v1/meetings/{room.meeting_id}/agenda",
        json={"title": "Kỷ luật", "is_confidential": True, "named_user_ids": [people.delegates[1].id]},
        headers=_headers(room, "vanthu"),
    ).get_json()["id"]
    assert _edit(secretary, room, 0, hidden, text="x")["error"]["code"] == "not_found"


def _vote(chair, room) -> None:
    opened = chair.call(
        "vote_open",
        {"meeting_id": room.meeting_id, "question": "Thông qua báo cáo tháng 11?", "is_secret": False},
    )
    vote_id = opened["vote_opened"]["vote_id"]
    chair.call("vote_cast", {"meeting_id": room.meeting_id, "vote_id": vote_id, "option": "Tán thành"})
    assert chair.call("vote_close", {"meeting_id": room.meeting_id, "vote_id": vote_id})["ok"]


def _pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())  # lines wrap wherever the page width ends them


def test_the_chair_approves_submitted_minutes_into_a_frozen_pdf_and_a_notice_for_everyone(
    client, live_server, devices, room, people, smtp_server
):
    secretary, chair, delegate, named = _joined(
        live_server, devices, room, "thuky", "chutich", "daibieu1", "daibieu2"
    )
    secret = client.post(
        f"/api/v1/meetings/{room.meeting_id}/agenda",
        json={"title": "Công tác cán bộ", "is_confidential": True, "named_user_ids": [people.secretary.id]},
        headers=_headers(room, "vanthu"),
    ).get_json()["id"]
    for device, mode in ((chair, "in_person"), (delegate, "in_person"), (named, "online")):
        assert device.call("check_in", {"meeting_id": room.meeting_id, "mode": mode})["ok"]
    _vote(chair, room)
    _edit(secretary, room, 0, text=GENERAL)
    _edit(secretary, room, 0, room.item_id, text=REPORT, conclusion=CONCLUSION)
    _edit(secretary, room, 0, secret, text="Nhận xét nhân sự mật.")
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"

    early = client.post(f"{minutes_url}/submit", headers=_headers(room, "thuky"))
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    closed = client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=_headers(room, "vanthu"))
    assert closed.status_code == 200
    assert client.post(f"{minutes_url}/submit", headers=_headers(room, "daibieu1")).status_code == 403
    submitted = client.post(f"{minutes_url}/submit", headers=_headers(room, "thuky"))
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    held = _edit(secretary, room, 1)
    assert held["ok"] is False and held["error"]["code"] == "validation_error"
    held = _edit(secretary, room, 1, text="Sửa khi đang trình")
    assert held["ok"] is False and held["error"]["code"] == "invalid_state"
    assert client.post(f"{minutes_url}/approve", headers=_headers(room, "thuky")).status_code == 403
    assert client.post(f"{minutes_url}/return", json={}, headers=_headers(room, "chutich")).status_code == 422
    returned = client.post(
        f"{minutes_url}/return",
        json={"comment": "Bổ sung số liệu tăng trưởng."},
        headers=_headers(room, "chutich"),
    )
    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["return_comment"] == "Bổ sung số liệu tăng trưởng."
    assert _edit(secretary, room, 1, room.item_id, text=REPORT + " Thu ngân sách đạt 95%.")["ok"] is True
    assert client.post(f"{minutes_url}/submit", headers=_headers(room, "thuky")).status_code == 200
    assert client.get(f"{minutes_url}/pdf", headers=_headers(room, "daibieu1")).status_code == 404

    approved = client.post(f"{minutes_url}/approve", headers=_headers(room, "chutich"))
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "approved" and body["pdf_available"] is True
    assert body["approved_by_id"] == people.chair.id and body["approved_at"]

    statuses = delegate.wait_for("minutes_status", 4)
    assert [(s["status"], s["seq"]) for s in statuses] == [
        ("submitted", 4),
        ("returned", 5),
        ("submitted", 7),
        ("approved", 8),
    ]

    # Frozen: nothing changes the minutes any more.
    frozen = _edit(secretary, room, 2, room.item_id, text="Sửa sau khi duyệt")
    assert frozen["ok"] is False and frozen["error"]["code"] == "invalid_state"
    for step in ("submit", "approve"):
        user = "thuky" if step == "submit" else "chutich"
        assert client.post(f"{minutes_url}/{step}", headers=_headers(room, user)).status_code == 409
    assert _minutes_row().seq == 8
    steps = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_id == str(room.meeting_id), AuditEvent.event.like("meeting.%_minutes"))
        .order_by(AuditEvent.id)
    )
    assert [(row.event, row.actor_id, row.details["to"]) for row in steps] == [
        ("meeting.submit_minutes", people.secretary.id, "submitted"),
        ("meeting.return_minutes", people.chair.id, "returned"),
        ("meeting.submit_minutes", people.secretary.id, "submitted"),
        ("meeting.approve_minutes", people.chair.id, "approved"),
    ]

    # The PDF in the object store, with the attendance, the votes and the text, but no confidential part.
    minutes = _minutes_row()
    stored = db.session.get(StoredFile, minutes.pdf_file_id)
    data = b"".join(storage().open(stored.key))
    # Every invitee reads the approved PDF through the file paths too; nobody else does.
    file_url = f"/api/v1/files/{stored.id}/content"
    assert client.get(file_url, headers=_headers(room, "daibieu1")).data == data
    assert client.get(file_url, headers=_headers(room, "nguoingoai")).status_code == 403
    assert data.startswith(b"%PDF-") and stored.content_type == "application/pdf"
    # Signed by the chair, then sealed by the agency; both intact and trusted.
    chair_signature, seal = check_signatures(data, settings())
    assert (chair_signature["signer_name"], seal["signer_name"]) == (
        "Trần Văn Minh",
        "Ủy ban nhân dân tỉnh Quảng Nam",
    )
    assert all(s["intact"] and s["trusted"] for s in (chair_signature, seal))
    text = _pdf_text(data)
    for expected in (
        "BIÊN BẢN CUỘC HỌP",
        "Họp UBND tỉnh thường kỳ tháng 12",
        "Chủ trì: Trần Văn Minh",
        "Đồng chí Chủ tịch khai mạc, thông qua chương trình.",
        "1. Báo cáo kinh tế - xã hội",
        "Thu ngân sách đạt 95%.",
        "Thống nhất báo cáo; giao Sở Kế hoạch và Đầu tư hoàn thiện trước ngày 05/12.",
        "Có mặt 3/4 thành viên có quyền biểu quyết",
        "Daibieu2 (Đại biểu, trực tuyến)",
        "Vắng mặt:",
        "Daibieu3 (Đại biểu)",
        "Thông qua báo cáo tháng 11?",
        "Tán thành: 1",
        "Không thông qua",
    ):
        assert expected in text, expected
    assert "Nhận xét nhân sự mật" not in text and "Công tác cán bộ" not in text

    download = client.get(f"{minutes_url}/pdf", headers=_headers(room, "daibieu1"))
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == "application/pdf"
    assert client.get(f"{minutes_url}/pdf", headers=_headers(room, "vanthu")).status_code == 200
    assert client.get(f"{minutes_url}/pdf", headers=_headers(room, "nguoingoai")).status_code == 403

    record = client.get(minutes_url, headers=_headers(room, "khachmoi")).get_json()
    assert record["status"] == "approved" and record["votes"][0]["result"]["counts"]["Tán thành"] == 1
    assert {p["full_name"] for p in record["attendance"]["present"]} == {
        "Trần Văn Minh",
        "Daibieu1",
        "Daibieu2",
    }
    assert record["attendance"]["quorum_met"] is True

    notices = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "meeting.minutes_ready")
    ).all()
    participants = {people.chair.id, people.secretary.id, people.guest.id, *(d.id for d in people.delegates)}
    assert sorted(n.recipient_id for n in notices) == sorted(participants)
    assert {n.subject for n in notices} == {"Biên bản họp đã được duyệt: Họp UBND tỉnh thường kỳ tháng 12"}

    transport = build_transport(settings())
    try:
        while process_due(transport):
            pass
    finally:
        transport.close()
    arrived = [m for m in smtp_server.messages if m["Subject"].startswith("Biên bản họp đã được duyệt")]
    assert sorted(m["To"].addresses[0].addr_spec for m in arrived) == sorted(
        f"{u}@example.gov.vn" for u in ("chutich", "thuky", "daibieu1", "daibieu2", "daibieu3", "khachmoi")
    )
    assert f"https://eoffice.quangnam.gov.vn/meetings/{room.meeting_id}/minutes" in (
        arrived[0].get_body(("plain",)).get_content()
    )


def test_minutes_are_read_by_invitees_only_and_exist_once_the_meeting_starts(client, people, room):
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"
    answer = client.get(minutes_url, headers=_headers(room, "daibieu3"))
    assert answer.status_code == 200 and answer.get_json()["status"] == "draft"
    assert [s["version"] for s in answer.get_json()["sections"]] == [0, 0]
    assert client.get(minutes_url, headers=_headers(room, "nguoingoai")).status_code == 403
    assert client.get(f"{minutes_url}/pdf", headers=_headers(room, "nguoingoai")).status_code == 403
    assert client.get("/api/v1/meetings/999/minutes", headers=_headers(room, "thuky")).status_code == 404
    waiting = build_room(client, people, start=False)
    early = client.get(f"/api/v1/meetings/{waiting.meeting_id}/minutes", headers=_headers(room, "thuky"))
    assert early.status_code == 404 and "not started" in early.get_json()["error"]["message"]
    early_pdf = client.get(
        f"/api/v1/meetings/{waiting.meeting_id}/minutes/pdf", headers=_headers(room, "thuky")
    )
    assert early_pdf.status_code == 404


def test_an_approval_whose_pdf_cannot_be_stored_changes_nothing(client, room, monkeypatch):
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"
    closed = client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=_headers(room, "vanthu"))
    assert closed.status_code == 200
    assert client.post(f"{minutes_url}/submit", headers=_headers(room, "thuky")).status_code == 200

    def unavailable(*args, **kwargs):
        raise StorageError("object store down")

    monkeypatch.setattr(storage(), "put", unavailable)
    refused = client.post(f"{minutes_url}/approve", headers=_headers(room, "chutich"))
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "storage_unavailable"
    minutes = _minutes_row()
    assert (minutes.status, minutes.seq, minutes.pdf_file_id, minutes.approved_at) == (
        "submitted",
        1,
        None,
        None,
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "meeting.minutes_ready")
        )
        == 0
    )
    monkeypatch.undo()
    assert client.post(f"{minutes_url}/approve", headers=_headers(room, "chutich")).status_code == 200


def test_an_approval_whose_commit_fails_leaves_no_pdf_in_the_store(client, room, failing_commits):
    minutes_url = _submitted(client, room)
    files = _stored_files()
    failing_commits.start()
    refused = client.post(f"{minutes_url}/approve", headers=_headers(room, "chutich"))
    failing_commits.stop()

    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "database_unavailable"
    # The signed PDF reached the store before the commit failed: it is deleted again.
    assert len(failing_commits.keys) == 1
    assert failing_commits.objects_left() == []
    assert _stored_files() == files
    assert _minutes_row().status == "submitted"


def _submitted(client, room) -> str:
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"
    assert (
        client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=_headers(room, "vanthu")).status_code
        == 200
    )
    assert client.post(f"{minutes_url}/submit", headers=_headers(room, "thuky")).status_code == 200
    return minutes_url


def _stored_files() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_a_chair_without_a_certificate_cannot_approve_and_the_minutes_stay_submitted(app, client, room):
    from tests.eoffice.documents.conftest import stored_objects

    minutes_url = _submitted(client, room)
    (settings().effective_signing_key_dir / "person-chutich.p12").unlink()
    files, objects = _stored_files(), stored_objects(app)

    refused = client.post(f"{minutes_url}/approve", headers=_headers(room, "chutich"))

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert (error["code"], error["details"]) == ("signing_certificate_missing", {"owner": "person-chutich"})
    minutes = _minutes_row()
    assert (minutes.status, minutes.pdf_file_id, minutes.approved_at) == ("submitted", None, None)
    assert _stored_files() == files and stored_objects(app) == objects
    assert client.get(f"{minutes_url}/pdf", headers=_headers(room, "thuky")).status_code == 404


def test_the_chair_gives_the_pin_of_a_key_under_its_own_password_and_a_wrong_one_is_refused(client, room):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    minutes_url = _submitted(client, room)
    path = settings().effective_signing_key_dir / "person-chutich.p12"
    key, certificate, chain = pkcs12.load_key_and_certificates(
        path.read_bytes(), settings().signing_pin.encode()
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, key, certificate, chain, BestAvailableEncryption(b"ma-pin-chu-tich")
        )
    )
    files = _stored_files()

    for pin in (None, "sai-ma-pin"):
        refused = client.post(f"{minutes_url}/approve", json={"pin": pin}, headers=_headers(room, "chutich"))
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["error"]["code"] == "signing_pin_invalid"
        assert "sai-ma-pin" not in refused.get_data(as_text=True)
        assert (_minutes_row().status, _minutes_row().pdf_file_id) == ("submitted", None)
        assert _stored_files() == files

    approved = client.post(
        f"{minutes_url}/approve", json={"pin": "ma-pin-chu-tich"}, headers=_headers(room, "chutich")
    )

    assert approved.status_code == 200, approved.get_json()
    minutes = _minutes_row()
    assert minutes.status == "approved"
    data = b"".join(storage().open(db.session.get(StoredFile, minutes.pdf_file_id).key))
    chair_signature, seal = check_signatures(data, settings())
    assert chair_signature["signer_name"] == "Trần Văn Minh" and chair_signature["intact"]
    assert seal["intact"]


def test_the_minutes_offer_each_person_the_steps_the_server_allows_them_now(client, room):
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"

    def offered(username: str) -> list[str]:
        answer = client.get(minutes_url, headers=_headers(room, username))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["allowed_actions"]

    # While the meeting runs the secretary writes; nobody submits or approves yet.
    assert offered("thuky") == ["edit_minutes"]
    assert offered("chutich") == [] and offered("daibieu1") == []
    assert (
        client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=_headers(room, "vanthu")).status_code
        == 200
    )
    assert offered("thuky") == ["edit_minutes", "submit_minutes"]
    assert client.post(f"{minutes_url}/submit", headers=_headers(room, "thuky")).status_code == 200
    assert offered("thuky") == [] and offered("daibieu1") == []
    assert offered("chutich") == ["return_minutes", "approve_minutes"]
    returned = client.post(
        f"{minutes_url}/return", json={"comment": "Bổ sung."}, headers=_headers(room, "chutich")
    )
    assert returned.status_code == 200
    assert offered("thuky") == ["edit_minutes", "submit_minutes"] and offered("chutich") == []
