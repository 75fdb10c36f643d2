"""What the minutes' tests share: the text the secretary writes and the steps every test takes."""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.storage.models import StoredFile
from meetings.models import MeetingMinutes, MinutesSection

GENERAL = "Đồng chí Chủ tịch khai mạc, thông qua chương trình.\nCác đại biểu thống nhất."
REPORT = "Đồng chí Daibieu1 trình bày báo cáo kinh tế - xã hội tháng 11.\nTăng trưởng đạt 7,2%."
CONCLUSION = "Thống nhất báo cáo; giao Sở Kế hoạch và Đầu tư hoàn thiện trước ngày 05/12."


def bearer(room, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {room.tokens[username]}"}


def edit(device, room, version: int, item_id: int | None = None, **fields) -> dict:
    return device.call(
        "minutes_edit",
        {"meeting_id": room.meeting_id, "agenda_item_id": item_id, "version": version, **fields},
    )


def joined(live_server, devices, room, *usernames):
    opened = [devices(live_server, room.tokens[username]) for username in usernames]
    for device in opened:
        answer = device.call("join", {"meeting_id": room.meeting_id})
        assert answer["ok"] is True, answer
    return opened


def minutes_row() -> MeetingMinutes:
    db.session.rollback()
    return db.session.scalars(select(MeetingMinutes)).one()


def sections_by_item() -> dict[int | None, MinutesSection]:
    db.session.rollback()
    return {s.agenda_item_id: s for s in db.session.scalars(select(MinutesSection))}


def submitted(client, room) -> str:
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"
    assert (
        client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=bearer(room, "vanthu")).status_code
        == 200
    )
    assert client.post(f"{minutes_url}/submit", headers=bearer(room, "thuky")).status_code == 200
    return minutes_url


def stored_files() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(StoredFile))
