"""A demo meeting (invited, with an agenda and a generated PDF agenda book), created once."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.extensions import db
from meetings import operations
from meetings.models import Meeting

DEMO_TITLE = "Họp giao ban UBND tỉnh (demo)"
AGENDA = [
    ("Khai mạc, thông qua chương trình", "lanhdao"),
    ("Báo cáo tình hình kinh tế - xã hội tháng", "chuyenvien"),
    ("Cải cách hành chính: kết quả và kiến nghị", "lanhdao.snv"),
]


def agenda_pdf(title: str, pages: list[str]) -> bytes:
    """A small valid PDF, one page per agenda item (Helvetica, so diacritics are folded to ASCII)."""

    def ascii_text(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
        printable = "".join(c for c in folded if " " <= c <= "~")
        return printable.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    count = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
    ]
    font = 3 + 2 * count
    for number, text in enumerate(pages, start=1):
        content = (
            f"BT /F1 16 Tf 56 780 Td ({ascii_text(title)}) Tj 0 -30 Td /F1 12 Tf "
            f"({number}. {ascii_text(text)}) Tj ET"
        ).encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * (number - 1)} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
    book = agenda_pdf(DEMO_TITLE, [title for title, _ in AGENDA])
    operations.add_document(meeting, None, io.BytesIO(book), "Tài liệu họp.pdf", users["vanthu"])
    operations.invite(meeting)
    return True
