"""Two agencies hosted here exchange a document through the mock axis, a real HTTP server on loopback.

The worker's passes are run by the test (run_pass), so each step is seen as it happens.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from eoffice.axis.client import TemporaryFailure
from eoffice.axis.delivery import send_due
from eoffice.axis.models import AxisReceipt, AxisSend
from eoffice.axis.xmlsig import NS
from eoffice.documents import operations
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.logs import bound_request_id, current_request_id
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.axis.conftest import RECIPIENT, SENDER
from tests.eoffice.axis.helpers import (
    act,
    axis_message_body,
    axis_statuses,
    exchange,
    file_hashes,
    issued_to_other,
    key,
    person,
    received_copy,
    status_of,
)


def test_an_issued_document_arrives_once_waiting_for_the_clerk_and_every_step_goes_back(connector, people):
    sent_id, document_id = issued_to_other(people)

    exchange(connector)

    copy = received_copy(document_id)
    assert copy is not None and copy.status == "pending_registration"
    assert (copy.issuer_id, copy.issuer_name, copy.document_type, copy.number, copy.notation) == (
        SENDER,
        "Ủy ban nhân dân tỉnh Quảng Nam",
        "QĐ",
        1,
        "QĐ-UBND",
    )
    assert (copy.subject, copy.urgency, copy.issued_date, copy.channel) == (
        "Về việc rà soát biên chế năm 2027",
        "urgent",
        db.session.get(Document, sent_id).issued_date,
        "axis",
    )
    assert file_hashes(copy) == file_hashes(db.session.get(Document, sent_id))
    assert status_of(sent_id) == ("sent", "01", "Đã nhận văn bản")

    clerk, leader = people.outsider_clerk, people.outsider_leader
    act(operations.register, document_id, clerk)
    exchange(connector)
    assert status_of(sent_id) == ("sent", "03", "Đã vào sổ văn bản đến số 1")

    act(operations.submit_for_direction, document_id, clerk, leader_id=key(leader))
    act(operations.assign, document_id, leader, primary_user_id=key(clerk))
    exchange(connector)
    assert status_of(sent_id)[1] == "04"
    act(operations.record_progress, document_id, clerk, note="Đang rà soát")
    act(operations.complete, document_id, clerk, result_note="Đã báo cáo")
    exchange(connector)

    assert status_of(sent_id) == ("sent", "06", "Đã hoàn thành xử lý")
    assert axis_statuses(sent_id) == ["01", "03", "04", "05", "06"]
    assert (
        db.session.scalar(select(func.count()).select_from(Document).where(Document.agency_id == RECIPIENT))
        == 1
    )
    assert db.session.scalars(select(AxisSend.status)).all() == ["sent"] * 6


def test_a_refusal_reaches_the_sender_with_its_reason(connector, people):
    sent_id, document_id = issued_to_other(people)
    exchange(connector)

    with commit_or_discard():
        operations.refuse(
            received_copy(document_id), person(people.outsider_clerk), reason="Văn bản gửi nhầm cơ quan"
        )
    exchange(connector)

    assert status_of(sent_id) == ("sent", "02", "Từ chối tiếp nhận: Văn bản gửi nhầm cơ quan")


def test_a_recall_sends_a_revocation_that_withdraws_the_copy_and_the_recipient_agrees(connector, people):
    sent_id, document_id = issued_to_other(people)
    exchange(connector)

    with commit_or_discard():
        operations.recall(db.session.get(Document, sent_id), person(people.clerk), reason="Sai sót số liệu")
    exchange(connector)

    copy = received_copy(document_id)
    assert (copy.status, copy.recall_reason) == ("recalled", "Sai sót số liệu")
    assert copy.trace[-1].details["business_type"] == "revocation"
    assert status_of(sent_id)[1] == "15"
    assert axis_statuses(sent_id) == ["01", "15"]
    # What travelled: the revocation package of the document B has, not a status 13.
    revocation = db.session.scalar(select(AxisSend).where(AxisSend.business_type == 1))
    body = axis_message_body(connector, revocation.axis_message_id)
    business = body.find(
        f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader/{{{NS}}}TraceHeaderList/{{{NS}}}Bussiness"
    )
    assert [(child.tag.split("}")[1], child.text) for child in business if len(child) == 0] == [
        ("DocumentId", document_id),
        ("BussinessDocType", "1"),
        ("BussinessDocReason", "Sai sót số liệu"),
        ("Paper", "0"),
    ]
    assert business.findtext(f"{{{NS}}}StaffInfo/{{{NS}}}Staff") == "Nguyễn Thị Hoa"


def test_a_correction_sends_an_update_that_changes_the_copy_and_the_recipient_agrees(connector, people):
    sent_id, document_id = issued_to_other(people)
    exchange(connector)

    with commit_or_discard():
        operations.correct(
            db.session.get(Document, sent_id),
            person(people.clerk),
            reason="Sửa trích yếu",
            subject="Về việc rà soát biên chế năm 2027 (đính chính)",
            page_count=3,
        )
    exchange(connector)

    copy = received_copy(document_id)
    assert (copy.status, copy.subject, copy.page_count) == (
        "pending_registration",
        "Về việc rà soát biên chế năm 2027 (đính chính)",
        3,
    )
    entry = copy.trace[-1]
    assert (entry.action, entry.note, entry.details["business_type"]) == (
        "axis_update",
        "Sửa trích yếu",
        "update",
    )
    assert entry.details["changed"] == {
        "subject": {
            "from": "Về việc rà soát biên chế năm 2027",
            "to": "Về việc rà soát biên chế năm 2027 (đính chính)",
        },
        "page_count": {"from": None, "to": 3},
    }
    assert "files" not in entry.details
    assert axis_statuses(sent_id) == ["01", "15"]
    assert status_of(sent_id) == ("sent", "15", "Đã cập nhật văn bản theo đề nghị của cơ quan gửi")


def test_a_message_whose_acknowledgement_was_lost_is_taken_once(connector, people, monkeypatch):
    sent_id, _document_id = issued_to_other(people)
    real_ack = type(connector.client_for(RECIPIENT)).ack
    lost: list[str] = []

    def ack_lost_once(client, message_id, to):
        if to == RECIPIENT and message_id not in lost:
            lost.append(message_id)
            raise TemporaryFailure("connection reset while acknowledging")
        return real_ack(client, message_id, to)

    monkeypatch.setattr(type(connector.client_for(RECIPIENT)), "ack", ack_lost_once)

    exchange(connector)

    assert len(lost) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(Document).where(Document.agency_id == RECIPIENT))
        == 1
    )
    receipts = db.session.scalars(select(AxisReceipt).where(AxisReceipt.agency_id == RECIPIENT)).all()
    assert [(r.message_id, r.outcome) for r in receipts] == [(lost[0], "imported")]
    assert axis_statuses(sent_id) == ["01"]


class _RequestIdsOfLines(logging.Handler):
    """Each line's message and the request id it would be written with (eoffice.logs' formatters)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[tuple[str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.getMessage(), current_request_id()))


def test_the_axis_worker_lines_about_a_send_carry_the_id_of_the_request_that_queued_it(connector, people):
    with bound_request_id("ban-hanh-01-QD"):
        issued_to_other(people)
    handler, logger = _RequestIdsOfLines(), logging.getLogger("eoffice.axis.delivery")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        assert send_due(connector) == 1
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)

    assert [request_id for message, request_id in handler.lines if " sent to " in message] == [
        "ban-hanh-01-QD"
    ]
    assert current_request_id() is None
