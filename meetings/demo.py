"""A demo meeting (invited, with an agenda and a generated PDF agenda book), created once."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from meetings import operations
from meetings.models import Meeting

DEMO_TITLE = "Họp giao ban UBND tỉnh (demo)"
AGENDA = [
    ("Khai mạc, thông qua chương trình", "lanhdao"),
    ("Báo cáo tình hình kinh tế - xã hội tháng", "chuyenvien"),
    ("Cải cách hành chính: kết quả và kiến nghị", "lanhdao.snv"),
]


def load_demo_meeting() -> bool:
    """Create the demo meeting unless it exists; True when it was created."""
    if db.session.scalar(select(Meeting.id).where(Meeting.title == DEMO_TITLE)) is not None:
        return False
    users = {u.username: u for u in db.session.scalars(select(User))}
    if not {"vanthu", "lanhdao", "chuyenvien", "lanhdao.snv", "vanthu.snv"} <= users.keys():
        return False
    starts = (datetime.now(UTC) + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    meeting = operations.create_meeting(
        users["vanthu"],
        {
            "title": DEMO_TITLE,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            "location": "Phòng họp số 1, trụ sở UBND tỉnh",
            "chair_id": users["lanhdao"].id,
            "secretary_id": users["vanthu.snv"].id,
            "participants": [
                {"user_id": users["chuyenvien"].id, "role": "delegate"},
                {"user_id": users["lanhdao.snv"].id, "role": "delegate"},
            ],
        },
    )
    for title, presenter in AGENDA:
        operations.add_agenda_item(
            meeting, {"title": title, "presenter_id": users[presenter].id}, users["vanthu"]
        )
    book = text_pdf(
        DEMO_TITLE, [f"{n}. {title}" for n, (title, _) in enumerate(AGENDA, 1)], page_per_paragraph=True
    )
    operations.add_document(meeting, None, io.BytesIO(book), "Tài liệu họp.pdf", users["vanthu"])
    operations.invite(meeting, users["vanthu"])
    return True
