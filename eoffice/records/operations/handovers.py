"""Hand-over to the agency archive (nộp lưu, Decree 30 Art. 29): closed case files proposed by a deadline,
their responsible people told before it, and the archivist's receipt with the list of case files (mục lục
hồ sơ) and the hand-over record (biên bản giao nhận) as PDFs, after which they are read-only."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from sqlalchemy import select

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError, invalid
from eoffice.documents import clock
from eoffice.documents.registers import Register, register_pdf
from eoffice.extensions import db
from eoffice.mail.operations import notify
from eoffice.pdfgen import text_pdf
from eoffice.records import workflow
from eoffice.records.models import CaseFile, CaseFileStatus, Handover, HandoverStatus
from eoffice.records.operations.case_files import lock_case_file, record_event
from eoffice.records.operations.file_list import retention_label
from eoffice.records.policy import Permission, authorize
from eoffice.records.workflow import Action
from eoffice.storage.operations import store_file

# The responsible people are told this many days before the hand-over's deadline (once).
NOTICE_DAYS = 7

LIST_COLUMNS = [
    "Số TT",
    "Mã hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời gian bắt đầu, kết thúc",
    "Thời hạn bảo quản",
    "Số văn bản / số trang",
    "Người lập",
]
LIST_WIDTHS = [6, 24, 40, 18, 12, 12, 18]


def propose(
    actor: User, case_file_ids: list[int], deadline: date | None = None, note: str | None = None
) -> Handover:
    """Propose closed case files of one agency for hand-over; the deadline defaults to the earliest due."""
    if not case_file_ids or len(set(case_file_ids)) != len(case_file_ids):
        raise invalid("case_file_ids", "list the case files to hand over, each once")
    case_files = []
    for case_file_id in sorted(case_file_ids):
        case_file = db.session.get(CaseFile, case_file_id)
        if case_file is None:
            raise invalid("case_file_ids", f"no case file {case_file_id}")
        authorize(actor, Permission.VIEW_CASE_FILE, case_file)
        workflow.check(case_file, Action.PROPOSE_HANDOVER, actor)
        case_files.append(case_file)
    today = clock.vietnam_date(clock.now())
    if deadline is not None and deadline < today:
        raise invalid("deadline", "must not be in the past")
    handover = Handover(
        agency_id=actor.agency_id,
        status=HandoverStatus.PROPOSED,
        deadline=deadline or max(today, min(cf.handover_due for cf in case_files)),
        note=note,
        proposed_by_id=actor.id,
        proposed_at=clock.now(),
    )
    db.session.add(handover)
    for case_file in case_files:
        lock_case_file(case_file)
        transition = workflow.check(case_file, Action.PROPOSE_HANDOVER, actor)
        case_file.status = transition.target
        case_file.handover = handover
        record_event(
            case_file, actor, Action.PROPOSE_HANDOVER, details={"deadline": handover.deadline.isoformat()}
        )
    db.session.flush()
    return handover


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def handover_list(agency: Agency, handover: Handover) -> Register:
    """Mục lục hồ sơ nộp lưu: one row per case file."""
    rows = [
        [
            str(index),
            case_file.code,
            case_file.title,
            f"{_day(case_file.start_date)} – {_day(case_file.end_date)}",
            retention_label(case_file.retention_years),
            f"{case_file.document_count} / {case_file.page_count}",
            case_file.responsible_name,
        ]
        for index, case_file in enumerate(handover.case_files, start=1)
    ]
    period = (clock.vietnam_date(handover.proposed_at), handover.deadline)
    return Register("MỤC LỤC HỒ SƠ NỘP LƯU", agency.name, period, LIST_COLUMNS, LIST_WIDTHS, rows)


def handover_record(agency: Agency, handover: Handover, archivist: User, at: datetime) -> bytes:
    """Biên bản giao nhận hồ sơ: who handed over what to whom, when."""
    day = clock.vietnam_date(at)
    givers = sorted({cf.responsible_name for cf in handover.case_files})
    documents = sum(cf.document_count for cf in handover.case_files)
    pages = sum(cf.page_count for cf in handover.case_files)
    paragraphs = [
        f"{agency.name}",
        f"Hôm nay, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}, tại Lưu trữ cơ quan.",
        f"Bên giao: {', '.join(givers)}.",
        f"Bên nhận: {archivist.full_name}, người làm lưu trữ.",
        f"Thống nhất lập biên bản giao nhận {len(handover.case_files)} hồ sơ gồm {documents} văn bản, "
        f"{pages} trang, theo mục lục hồ sơ nộp lưu kèm theo.",
        *(f"{index}. {cf.code} — {cf.title}" for index, cf in enumerate(handover.case_files, start=1)),
        "Biên bản này được lập thành hai bản; bên giao giữ một bản, Lưu trữ cơ quan giữ một bản.",
    ]
    return text_pdf("BIÊN BẢN GIAO NHẬN HỒ SƠ", paragraphs)


def receive(handover: Handover, actor: User) -> Handover:
    """The archivist receives the case files: archived, read-only, with the list and the record as PDFs."""
    authorize(actor, Permission.RECEIVE_HANDOVER, handover)
    if handover.status != HandoverStatus.PROPOSED:
        raise ApiError(
            409,
            "invalid_state",
            f"the hand-over is {handover.status} already",
            {"status": handover.status, "action": str(Action.RECEIVE), "allowed_actions": []},
        )
    now = clock.now()
    for case_file in handover.case_files:
        lock_case_file(case_file)
        transition = workflow.check(case_file, Action.RECEIVE, actor)
        case_file.status = transition.target
        case_file.archived_at = now
        record_event(case_file, actor, Action.RECEIVE, details={"handover_id": handover.id})
    agency = db.session.get(Agency, handover.agency_id)
    listing = store_file(
        io.BytesIO(register_pdf(handover_list(agency, handover))),
        f"muc-luc-ho-so-nop-luu-{handover.id}.pdf",
        uploaded_by=actor,
    )
    record = store_file(
        io.BytesIO(handover_record(agency, handover, actor, now)),
        f"bien-ban-giao-nhan-ho-so-{handover.id}.pdf",
        uploaded_by=actor,
    )
    handover.list_file_id, handover.record_file_id = listing.id, record.id
    handover.status = HandoverStatus.RECEIVED
    handover.received_by_id, handover.received_by_name, handover.received_at = actor.id, actor.full_name, now
    db.session.flush()
    return handover


def queue_handover_notices(now: datetime) -> int:
    """Tell the responsible people of a proposed hand-over, once, when its deadline is near; the caller
    commits. How many hand-overs were noticed."""
    limit = clock.vietnam_date(now) + timedelta(days=NOTICE_DAYS)
    due = db.session.scalars(
        select(Handover)
        .where(
            Handover.status == HandoverStatus.PROPOSED,
            Handover.reminded_at.is_(None),
            Handover.deadline <= limit,
        )
        .order_by(Handover.id)
    ).all()
    for handover in due:
        people: dict[int, tuple[User, list[CaseFile]]] = {}
        for case_file in handover.case_files:
            if case_file.responsible is not None and case_file.status == CaseFileStatus.PROPOSED:
                people.setdefault(case_file.responsible.id, (case_file.responsible, []))[1].append(case_file)
        for person, case_files in people.values():
            notify(
                person,
                "records.handover_due",
                {"deadline": _day(handover.deadline), "count": len(case_files)},
                link=f"/records/handovers/{handover.id}",
                facts=[(cf.code, cf.title) for cf in case_files],
            )
        handover.reminded_at = now
    db.session.flush()
    return len(due)
