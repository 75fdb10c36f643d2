"""Exchanges that go wrong: packages the intake or the axis refuses, oversized ones, missing or wrong
credentials, a recall made before the package left."""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.axis import inbound
from eoffice.axis.connector import Connector
from eoffice.axis.delivery import send_due
from eoffice.axis.models import AxisReceipt, AxisSend
from eoffice.axis.tasks import run_pass
from eoffice.documents import operations
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.axis.conftest import RECIPIENT, SENDER
from tests.eoffice.axis.helpers import (
    axis_statuses,
    exchange,
    issued_to_other,
    person,
    received_copy,
    status_of,
)
from tests.factories import create_document
from tests.fixtures.edxml import make_identity


def test_a_package_the_intake_refuses_is_answered_with_02_naming_the_problem(connector, people, axis_server):
    from tests.fixtures.edxml import signed_package

    stranger = make_identity()
    system = axis_server.api().register_system(
        "Hệ thống khác", [("000.00.00.H97", "UBND tỉnh Mẫu")], stranger.certificate_pem
    )
    session = axis_server.api().connect(system)
    too_long = "x" * 40
    reply = session.send_edoc(
        signed_package(stranger, from_id="000.00.00.H97", to_ids=[RECIPIENT], notation=too_long)
    )
    assert reply.status == 202, reply.content

    exchange(connector)

    assert (
        db.session.scalar(select(func.count()).select_from(Document).where(Document.agency_id == RECIPIENT))
        == 0
    )
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    assert (receipt.outcome, receipt.edxml_document_id) == (
        "refused",
        f"000.00.00.H97,2026/11/20,1234/{too_long}",
    )
    assert "metadata.notation" in receipt.detail
    [notice_id] = session.pending_ids()
    notice = session.get_message(notice_id).content.decode()
    assert "<edXML:StatusCode>02</edXML:StatusCode>" in notice
    assert "Từ chối tiếp nhận: metadata.notation" in notice


def test_without_credentials_for_the_agency_a_send_waits_and_is_retried(connector, people):
    issued_to_other(people)
    stranded = Connector(
        connector.settings.replace(axis_systems={RECIPIENT: connector.settings.axis_systems[RECIPIENT]})
    )
    try:
        run_pass(stranded, 20)
    finally:
        stranded.close()

    db.session.expire_all()
    [send] = db.session.scalars(select(AxisSend)).all()
    assert (send.status, send.attempts) == ("pending", 1)
    assert "has no axis credentials" in send.last_error

    exchange(connector)
    assert db.session.scalars(select(AxisSend.status)).all() == ["sent", "sent"]


def test_refused_before_it_is_read_oversized_packages_are_answered_with_02(connector, people, axis_server):
    """Only what the axis lets through reaches us; our own limit still refuses a larger package."""
    sent_id, document_id = issued_to_other(people)
    small = Connector(connector.settings.replace(axis_max_package_bytes=2048))
    try:
        send_due(connector, 20)
        inbound.receive_pending(small, 20)
        exchange(connector)
    finally:
        small.close()

    assert received_copy(document_id) is None
    delivery, code, description = status_of(sent_id)
    assert (delivery, code) == ("sent", "02")
    assert "larger than the limit of 2048 bytes" in description


def test_a_recall_made_before_the_package_left_follows_it(connector, people):
    sent_id, document_id = issued_to_other(people)
    with commit_or_discard():
        operations.recall(db.session.get(Document, sent_id), person(people.clerk), reason="Nhầm nơi nhận")

    exchange(connector)

    assert received_copy(document_id).status == "recalled"
    assert axis_statuses(sent_id) == ["01", "15"]


def test_a_package_the_axis_refuses_fails_with_the_axis_reason(connector, people):
    document = create_document(
        "issued",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"recipients": [{"agency_id": "000.00.12.H49", "agency_name": "Sở Tài chính"}]},
    )
    document_id = document.id

    exchange(connector)

    db.session.expire_all()
    recipient = db.session.get(Document, document_id).recipients[0]
    assert recipient.delivery_status == "failed"
    assert "422" in recipient.status_description
    assert (
        "To[0].OrganId: 000.00.12.H49 is not an agency connected to the axis" in recipient.status_description
    )
    [send] = db.session.scalars(select(AxisSend)).all()
    assert (send.status, send.attempts) == ("failed", 1)


def test_wrong_credentials_make_sends_wait_not_fail(connector, people):
    issued_to_other(people)
    (system_id, _secret) = connector.settings.axis_systems[SENDER]
    wrong = Connector(connector.settings.replace(axis_systems={SENDER: (system_id, "not-the-secret")}))
    try:
        run_pass(wrong, 20)
    finally:
        wrong.close()

    db.session.expire_all()
    [send] = db.session.scalars(select(AxisSend)).all()
    assert send.status == "pending"
    assert "refused the credentials of system" in send.last_error
