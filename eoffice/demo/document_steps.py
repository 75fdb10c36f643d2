"""How a demo document reaches its state: through the same operations, one committed step at a time."""

from __future__ import annotations

import io
from datetime import timedelta

from eoffice.accounts.models import User
from eoffice.pdfgen import text_pdf

INCOMING_STEPS = ["registered", "awaiting_direction", "assigned", "in_progress", "completed"]
OUTGOING_STEPS = ["draft", "in_review", "awaiting_signature", "approved", "issued", "recalled"]


def _demo_pdf(subject: str, name: str):
    from eoffice.documents.operations import IncomingFile

    return IncomingFile(name, io.BytesIO(text_pdf(subject, [name])))


def _committed(operation, *args, **kwargs):
    from eoffice.storage.operations import commit_or_discard

    with commit_or_discard():
        return operation(*args, **kwargs)


def create_incoming(agency_id: str, state: str, metadata: dict, people: dict[str, User]) -> None:
    from eoffice.documents import clock, operations
    from eoffice.documents.models import Channel

    clerk, leader, handler = people["clerk"], people["leader"], people["handler"]
    metadata.setdefault("issued_date", (clock.now() - timedelta(days=3)).date().isoformat())
    metadata.setdefault("signer_name", "Nguyễn Văn An")
    record = operations.InboundRecord(
        agency_id=agency_id, metadata=metadata, files=[_demo_pdf(metadata["subject"], "van-ban.pdf")]
    )
    if state in ("pending_registration", "refused"):
        record.channel = Channel.AXIS
        record.source_reference = f"{metadata['issuer_id']},{metadata['issued_date']},{metadata['notation']}"
        document, _ = _committed(operations.receive_incoming, record)
        if state == "refused":
            _committed(operations.refuse, document, clerk, reason="Văn bản gửi nhầm cơ quan")
        return
    document, _ = _committed(operations.register_upload, record, clerk)
    deadline = (clock.now() + timedelta(days=7)).date()
    for reached in INCOMING_STEPS[1 : INCOMING_STEPS.index(state) + 1]:
        if reached == "awaiting_direction":
            _committed(
                operations.submit_for_direction, document, clerk, leader_id=leader.id, note="Kính trình"
            )
        elif reached == "assigned" and state == "assigned":
            _committed(
                operations.assign,
                document,
                leader,
                primary_user_id=handler.id,
                informed_ids=[clerk.id],
                deadline=deadline,
                direction_text="Giao chuyên viên tham mưu, báo cáo trước hạn",
            )
        elif reached == "assigned":
            _committed(
                operations.assign,
                document,
                leader,
                primary_unit_id=handler.unit_id,
                deadline=deadline,
                direction_text="Giao phòng chủ trì tham mưu",
            )
        elif reached == "in_progress":
            _committed(
                operations.record_progress, document, handler, note="Đã dự thảo, đang xin ý kiến", percent=60
            )
        elif reached == "completed":
            _committed(operations.complete, document, handler, result_note="Đã tổng hợp, báo cáo lãnh đạo")


def create_outgoing(state: str, metadata: dict, people: dict[str, User]) -> None:
    from eoffice.documents import operations

    handler = people["handler"]
    files = [_demo_pdf(metadata["subject"], "du-thao.pdf"), _demo_pdf(metadata["subject"], "phu-luc.pdf")]
    document = _committed(operations.create_draft, handler, metadata, files)
    if state == "replaced":
        _advance_draft(document, "issued", people)
        replacement = {
            **metadata,
            "subject": metadata["subject"].replace("(bị thay thế)", "(thay thế)"),
            "replaces_id": document.id,
        }
        new = _committed(
            operations.create_draft, handler, replacement, [_demo_pdf(replacement["subject"], "giay-moi.pdf")]
        )
        _advance_draft(new, "issued", people)
    else:
        _advance_draft(document, state, people)


def _advance_draft(document, state: str, people: dict[str, User]) -> None:
    from eoffice.documents import operations

    clerk, leader, handler, reviewer = (
        people["clerk"],
        people["leader"],
        people["handler"],
        people["reviewer"],
    )
    if state == "draft":
        return
    _committed(operations.submit, document, handler, reviewer_ids=[reviewer.id], signer_id=leader.id)
    if state == "returned":
        _committed(operations.return_draft, document, reviewer, comment="Đề nghị sửa lại phần căn cứ pháp lý")
        return
    for reached in OUTGOING_STEPS[2 : OUTGOING_STEPS.index(state) + 1]:
        if reached == "awaiting_signature":
            _committed(operations.approve, document, reviewer, comment="Nội dung đạt yêu cầu")
        elif reached == "approved":
            _committed(operations.approve, document, leader)
        elif reached == "issued":
            _committed(operations.issue, document, clerk)
        elif reached == "recalled":
            _committed(operations.recall, document, clerk, reason="Phát hiện sai sót về thời gian tổ chức")
