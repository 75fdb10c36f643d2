"""The registers of Decree 30 for a period, as CSV and as PDF: incoming, outgoing, and the follow-up of the
handling of incoming documents (sổ theo dõi giải quyết văn bản đến)."""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice.accounts.models import Agency, User
from eoffice.documents import clock
from eoffice.documents.clock import VIETNAM, vietnam_date
from eoffice.documents.document_types import type_name
from eoffice.documents.models import Assignment, Direction, Document, HandlingRole, RecipientKind, Status
from eoffice.documents.policy import visible_documents
from eoffice.documents.statistics import classify
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.pdfgen import BOLD, REGULAR, escape, register_fonts

INCOMING_COLUMNS = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu",
    "Ngày tháng",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
OUTGOING_COLUMNS = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
FOLLOW_UP_COLUMNS = [
    "Số đến",
    "Trích yếu nội dung",
    "Đơn vị hoặc người giải quyết",
    "Thời hạn giải quyết",
    "Tiến độ giải quyết",
    "Kết quả giải quyết",
    "Ghi chú",
]
# Relative widths of the PDF columns (the summary and the recipients need the room).
INCOMING_WIDTHS = [7, 5, 14, 10, 7, 26, 13, 7, 6, 5]
OUTGOING_WIDTHS = [10, 7, 26, 11, 17, 11, 5, 7, 6, 5]
FOLLOW_UP_WIDTHS = [5, 27, 15, 8, 20, 18, 7]

# Where an incoming document stands, as the follow-up register says it.
PROGRESS = {
    Status.REGISTERED: "Đã vào sổ, chưa trình",
    Status.AWAITING_DIRECTION: "Chờ chỉ đạo",
    Status.ASSIGNED: "Đã giao, chưa xử lý",
    Status.IN_PROGRESS: "Đang xử lý",
    Status.COMPLETED: "Đã hoàn thành",
    Status.RECALLED: "Đã bị thu hồi",
}
TIMELINESS = {"on_time": "đúng hạn", "late": "quá hạn", "overdue": "quá hạn"}


class RegisterKind(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    FOLLOW_UP = "follow-up"


# The name of each register's file, without the period.
FILE_NAMES = {
    RegisterKind.INCOMING: "so-van-ban-den",
    RegisterKind.OUTGOING: "so-van-ban-di",
    RegisterKind.FOLLOW_UP: "so-theo-doi-giai-quyet-van-ban-den",
}


@dataclass(frozen=True)
class Register:
    title: str
    agency_name: str
    period: tuple[date, date]
    columns: list[str]
    widths: list[int]
    rows: list[list[str]]


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = vietnam_date(value)
    return value.strftime("%d/%m/%Y")


def _code(document: Document) -> str:
    return document.number_and_notation or ""


def _summary(document: Document) -> str:
    return f"{type_name(document.document_type)}: {document.subject}"


def _receiver(document: Document) -> tuple[str, str]:
    """(who received it for handling, when it was transferred) from the first direction given."""
    if not document.assignments:
        return "", ""
    first = document.assignments[0]
    primary = first.members_in(HandlingRole.PRIMARY)
    if not primary:
        return "", _day(first.created_at)
    return _member_name(primary[0]), _day(first.created_at)


def _member_name(member) -> str:
    if member.user is not None:
        return member.user.full_name
    return member.unit.name if member.unit is not None else ""


def _handlers(assignment: Assignment | None) -> str:
    """The unit or person handling it under the current direction, then those who co-handle it."""
    if assignment is None:
        return ""
    primary = ", ".join(_member_name(member) for member in assignment.members_in(HandlingRole.PRIMARY))
    helpers = ", ".join(_member_name(member) for member in assignment.members_in(HandlingRole.CO_HANDLER))
    return f"{primary}; phối hợp: {helpers}" if helpers else primary


def _progress(document: Document, deadline: date | None, today: date) -> str:
    """Its state, whether it is late, and (while open) the latest progress report with its date."""
    state = PROGRESS.get(document.status, document.status)
    timeliness = TIMELINESS.get(classify(document.status, deadline, document.completed_at, today) or "")
    if timeliness:
        state = f"{state} {timeliness}" if document.status == Status.COMPLETED else f"{state}, {timeliness}"
    reports = [entry for entry in document.trace if entry.action == Action.RECORD_PROGRESS and entry.note]
    # Once completed, the result column says how it ended.
    if reports and document.status != Status.COMPLETED:
        state = f"{state}. {_day(reports[-1].created_at)}: {reports[-1].note}"
    return state


def _result(document: Document, replies: dict[int, Document]) -> str:
    if document.status != Status.COMPLETED:
        return ""
    result = f"Hoàn thành ngày {_day(document.completed_at)}"
    if document.result_note:
        result = f"{result}: {document.result_note}"
    reply = replies.get(document.reply_document_id) if document.reply_document_id else None
    if reply is not None:
        result = f"{result}. Văn bản trả lời số {reply.number_and_notation or ''}"
    return result


def _recipient_name(recipient) -> str:
    if recipient.kind == RecipientKind.EXTERNAL:
        return recipient.agency_name or recipient.agency_id or ""
    if recipient.kind == RecipientKind.UNIT and recipient.unit is not None:
        return recipient.unit.name
    return recipient.user.full_name if recipient.user else ""


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as UTC moments: from the start of `start` to the end of `end`, in Vietnam time."""
    return (
        datetime.combine(start, time.min, VIETNAM),
        datetime.combine(end + timedelta(days=1), time.min, VIETNAM),
    )


def build_register(user: User, agency: Agency, kind: RegisterKind, start: date, end: date) -> Register:
    since, until = _bounds(start, end)
    query = (
        select(Document)
        .where(Document.agency_id == agency.id, visible_documents(user))
        .options(selectinload(Document.assignments), selectinload(Document.recipients))
    )
    if kind == RegisterKind.OUTGOING:
        return _outgoing_register(agency, start, end, query, since, until)
    query = query.where(
        Document.direction == Direction.INCOMING,
        Document.arrival_number.is_not(None),
        Document.registered_at >= since,
        Document.registered_at < until,
    ).order_by(Document.arrival_year, Document.arrival_number)
    if kind == RegisterKind.FOLLOW_UP:
        return _follow_up_register(agency, start, end, query)
    rows = []
    for document in db.session.scalars(query):
        receiver, transferred = _receiver(document)
        rows.append(
            [
                _day(document.arrival_date),
                str(document.arrival_number),
                document.issuer_name,
                _code(document),
                _day(document.issued_date),
                _summary(document),
                receiver,
                transferred,
                "",
                document.note or "",
            ]
        )
    return Register(
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", agency.name, (start, end), INCOMING_COLUMNS, INCOMING_WIDTHS, rows
    )


def _follow_up_register(agency: Agency, start: date, end: date, query) -> Register:
    documents = db.session.scalars(query.options(selectinload(Document.trace))).all()
    reply_ids = {document.reply_document_id for document in documents if document.reply_document_id}
    replies = (
        {reply.id: reply for reply in db.session.scalars(select(Document).where(Document.id.in_(reply_ids)))}
        if reply_ids
        else {}
    )
    today = vietnam_date(clock.now())
    rows = []
    for document in documents:
        deadline = document.deadline or document.due_date
        rows.append(
            [
                str(document.arrival_number),
                _summary(document),
                _handlers(document.current_assignment),
                _day(deadline),
                _progress(document, deadline, today),
                _result(document, replies),
                document.note or "",
            ]
        )
    return Register(
        "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
        agency.name,
        (start, end),
        FOLLOW_UP_COLUMNS,
        FOLLOW_UP_WIDTHS,
        rows,
    )


def _outgoing_register(agency: Agency, start: date, end: date, query, since, until) -> Register:
    query = query.where(
        Document.direction == Direction.OUTGOING,
        Document.issued_at.is_not(None),
        Document.issued_at >= since,
        Document.issued_at < until,
        Document.status.in_([Status.ISSUED, Status.RECALLED, Status.REPLACED]),
    ).order_by(Document.number_year, Document.series, Document.number)
    rows = []
    for document in db.session.scalars(query):
        recipients = [_recipient_name(recipient) for recipient in document.recipients]
        note = document.note or ""
        if document.status == Status.RECALLED:
            note = f"Đã thu hồi. {note}".strip()
        rows.append(
            [
                _code(document),
                _day(document.issued_date),
                _summary(document),
                document.signer_name or "",
                "; ".join(name for name in recipients if name),
                document.drafting_unit.name if document.drafting_unit else "",
                str(len(recipients) + 1),
                _day(document.issued_at),
                "",
                note,
            ]
        )
    return Register(
        "SỔ ĐĂNG KÝ VĂN BẢN ĐI", agency.name, (start, end), OUTGOING_COLUMNS, OUTGOING_WIDTHS, rows
    )


def register_csv(register: Register) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(register.columns)
    writer.writerows(register.rows)
    # The BOM lets spreadsheet programs open the Vietnamese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def register_pdf(register: Register) -> bytes:
    register_fonts()
    cell = ParagraphStyle("cell", fontName=REGULAR, fontSize=8, leading=10)
    head = ParagraphStyle("head", parent=cell, fontName=BOLD)
    title = ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18, alignment=1)
    subtitle = ParagraphStyle("subtitle", fontName=REGULAR, fontSize=10, leading=13, alignment=1)

    def paragraph(value: str, style) -> Paragraph:
        return Paragraph(escape(value), style)

    buffer = io.BytesIO()
    page = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=register.title,
        author=register.agency_name,
    )
    usable = landscape(A4)[0] - 20 * mm
    total = sum(register.widths)
    widths = [usable * width / total for width in register.widths]
    data = [[paragraph(column, head) for column in register.columns]]
    data += [[paragraph(value, cell) for value in row] for row in register.rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ]
        )
    )
    start, end = register.period
    story = [
        paragraph(register.agency_name.upper(), subtitle),
        Spacer(1, 4 * mm),
        paragraph(register.title, title),
        paragraph(f"Từ ngày {_day(start)} đến ngày {_day(end)}", subtitle),
        Spacer(1, 6 * mm),
        table,
    ]
    page.build(story)
    return buffer.getvalue()
