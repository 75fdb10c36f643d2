"""Minutes submitted, returned and approved by the chair into a frozen, signed PDF and a notice for everyone;
who reads them and which steps each person is offered."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from eoffice.audit.models import AuditEvent
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.mail.tasks import process_due
from eoffice.mail.transport import build_transport
from eoffice.runtime import settings, storage
from eoffice.signing.operations import check_signatures
from eoffice.storage.models import StoredFile
from tests.meetings.conftest import build_room
from tests.meetings.minutes.helpers import CONCLUSION, GENERAL, REPORT, bearer, edit, joined, minutes_row


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
    secretary, chair, delegate, named = joined(
        live_server, devices, room, "thuky", "chutich", "daibieu1", "daibieu2"
    )
    secret = client.post(
        f"/api/v1/meetings/{room.meeting_id}/agenda",
        json={"title": "Công tác cán bộ", "is_confidential": True, "named_user_ids": [people.secretary.id]},
        headers=bearer(room, "vanthu"),
    ).get_json()["id"]
    for device, mode in ((chair, "in_person"), (delegate, "in_person"), (named, "online")):
        assert device.call("check_in", {"meeting_id": room.meeting_id, "mode": mode})["ok"]
    _vote(chair, room)
    edit(secretary, room, 0, text=GENERAL)
    edit(secretary, room, 0, room.item_id, text=REPORT, conclusion=CONCLUSION)
    edit(secretary, room, 0, secret, text="Nhận xét nhân sự mật.")
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"

    early = client.post(f"{minutes_url}/submit", headers=bearer(room, "thuky"))
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    closed = client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=bearer(room, "vanthu"))
    assert closed.status_code == 200
    assert client.post(f"{minutes_url}/submit", headers=bearer(room, "daibieu1")).status_code == 403
    submitted = client.post(f"{minutes_url}/submit", headers=bearer(room, "thuky"))
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    held = edit(secretary, room, 1)
    assert held["ok"] is False and held["error"]["code"] == "validation_error"
    held = edit(secretary, room, 1, text="Sửa khi đang trình")
    assert held["ok"] is False and held["error"]["code"] == "invalid_state"
    assert client.post(f"{minutes_url}/approve", headers=bearer(room, "thuky")).status_code == 403
    assert client.post(f"{minutes_url}/return", json={}, headers=bearer(room, "chutich")).status_code == 422
    returned = client.post(
        f"{minutes_url}/return",
        json={"comment": "Bổ sung số liệu tăng trưởng."},
        headers=bearer(room, "chutich"),
    )
    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["return_comment"] == "Bổ sung số liệu tăng trưởng."
    assert edit(secretary, room, 1, room.item_id, text=REPORT + " Thu ngân sách đạt 95%.")["ok"] is True
    assert client.post(f"{minutes_url}/submit", headers=bearer(room, "thuky")).status_code == 200
    assert client.get(f"{minutes_url}/pdf", headers=bearer(room, "daibieu1")).status_code == 404

    approved = client.post(f"{minutes_url}/approve", headers=bearer(room, "chutich"))
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
    frozen = edit(secretary, room, 2, room.item_id, text="Sửa sau khi duyệt")
    assert frozen["ok"] is False and frozen["error"]["code"] == "invalid_state"
    for step in ("submit", "approve"):
        user = "thuky" if step == "submit" else "chutich"
        assert client.post(f"{minutes_url}/{step}", headers=bearer(room, user)).status_code == 409
    assert minutes_row().seq == 8
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
    minutes = minutes_row()
    stored = db.session.get(StoredFile, minutes.pdf_file_id)
    data = b"".join(storage().open(stored.key))
    # Every invitee reads the approved PDF through the file paths too; nobody else does.
    file_url = f"/api/v1/files/{stored.id}/content"
    assert client.get(file_url, headers=bearer(room, "daibieu1")).data == data
    assert client.get(file_url, headers=bearer(room, "nguoingoai")).status_code == 403
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

    download = client.get(f"{minutes_url}/pdf", headers=bearer(room, "daibieu1"))
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == "application/pdf"
    assert client.get(f"{minutes_url}/pdf", headers=bearer(room, "vanthu")).status_code == 200
    assert client.get(f"{minutes_url}/pdf", headers=bearer(room, "nguoingoai")).status_code == 403

    record = client.get(minutes_url, headers=bearer(room, "khachmoi")).get_json()
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
    answer = client.get(minutes_url, headers=bearer(room, "daibieu3"))
    assert answer.status_code == 200 and answer.get_json()["status"] == "draft"
    assert [s["version"] for s in answer.get_json()["sections"]] == [0, 0]
    assert client.get(minutes_url, headers=bearer(room, "nguoingoai")).status_code == 403
    assert client.get(f"{minutes_url}/pdf", headers=bearer(room, "nguoingoai")).status_code == 403
    assert client.get("/api/v1/meetings/999/minutes", headers=bearer(room, "thuky")).status_code == 404
    waiting = build_room(client, people, start=False)
    early = client.get(f"/api/v1/meetings/{waiting.meeting_id}/minutes", headers=bearer(room, "thuky"))
    assert early.status_code == 404 and "not started" in early.get_json()["error"]["message"]
    early_pdf = client.get(
        f"/api/v1/meetings/{waiting.meeting_id}/minutes/pdf", headers=bearer(room, "thuky")
    )
    assert early_pdf.status_code == 404


def test_the_minutes_offer_each_person_the_steps_the_server_allows_them_now(client, room):
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"

    def offered(username: str) -> list[str]:
        answer = client.get(minutes_url, headers=bearer(room, username))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["allowed_actions"]

    # While the meeting runs the secretary writes; nobody submits or approves yet.
    assert offered("thuky") == ["edit_minutes"]
    assert offered("chutich") == [] and offered("daibieu1") == []
    assert (
        client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=bearer(room, "vanthu")).status_code
        == 200
    )
    assert offered("thuky") == ["edit_minutes", "submit_minutes"]
    assert client.post(f"{minutes_url}/submit", headers=bearer(room, "thuky")).status_code == 200
    assert offered("thuky") == [] and offered("daibieu1") == []
    assert offered("chutich") == ["return_minutes", "approve_minutes"]
    returned = client.post(
        f"{minutes_url}/return", json={"comment": "Bổ sung."}, headers=bearer(room, "chutich")
    )
    assert returned.status_code == 200
    assert offered("thuky") == ["edit_minutes", "submit_minutes"] and offered("chutich") == []
