"""Two agencies hosted here exchange a document through the mock axis, a real HTTP server on loopback.

The worker's passes are run by the test (run_pass), so each step is seen as it happens.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import zipfile
from datetime import date

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from eoffice.accounts.models import User
from eoffice.axis import inbound
from eoffice.axis.client import TemporaryFailure
from eoffice.axis.connector import Connector
from eoffice.axis.delivery import send_due
from eoffice.axis.models import AxisReceipt, AxisSend
from eoffice.axis.tasks import run_pass
from eoffice.axis.xmlsig import NS, hardened_parser
from eoffice.documents import operations
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.logs import bound_request_id, current_request_id
from eoffice.runtime import storage
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.axis.conftest import RECIPIENT, SENDER
from tests.factories import create_document
from tests.fixtures.edxml import SDK_PROFILE, make_identity, resign
from tests.fixtures.vdxp_samples import SAMPLE_DOCUMENT_ID, read_sample

# The second agency of the document tests is the recipient: its own system on the axis.
OTHER = {"agency_id": RECIPIENT, "agency_name": "Sở Nội vụ tỉnh Quảng Nam"}


def exchange(connector: Connector, *, quiet_passes: int = 2, limit: int = 50) -> None:
    """Run worker passes until nothing moves any more."""
    quiet = 0
    for _ in range(limit):
        quiet = quiet + 1 if run_pass(connector, 20) == 0 else 0
        if quiet >= quiet_passes:
            return
    raise AssertionError("the exchange did not settle")


def issued_to_other(people) -> tuple[int, str]:
    """(id, DocumentId) of an outgoing document issued to the other agency. The worker's passes end
    the session: tests keep ids, not rows."""
    document = create_document(
        "issued",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"recipients": [OTHER], "subject": "Về việc rà soát biên chế năm 2027", "urgency": "urgent"},
    )
    return document.id, f"{SENDER},{document.issued_date:%Y/%m/%d},01/QĐ-UBND"


def key(row) -> int:
    """The id of a row, also after the worker's passes ended the test's session (and detached it)."""
    return sa_inspect(row).identity[0]


def person(user: User) -> User:
    return db.session.get(User, key(user))


def act(step, document_id: str, user: User, **body) -> None:
    """A step on the received copy, by a person of the receiving agency, committed."""
    with commit_or_discard():
        step(received_copy(document_id), person(user), **body)


def received_copy(source_reference: str) -> Document | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Document).where(Document.agency_id == RECIPIENT, Document.source_reference == source_reference)
    )


def status_of(document_id: int) -> tuple:
    db.session.expire_all()
    recipient = db.session.get(Document, document_id).recipients[0]
    return recipient.delivery_status, recipient.status_code, recipient.status_description


def file_hashes(document: Document) -> list[str]:
    return [
        hashlib.sha256(b"".join(storage().open(link.stored_file.key))).hexdigest() for link in document.files
    ]


def axis_statuses(document_id: int) -> list[str]:
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    return [entry.details["status_code"] for entry in document.trace if entry.action == "axis_status"]


def axis_message_body(connector: Connector, message_id: str) -> etree._Element:
    """A message as the axis delivers it to the recipient."""
    body = connector.client_for(RECIPIENT).message(message_id, connector.settings.axis_max_package_bytes)
    return etree.fromstring(body, parser=hardened_parser())


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


def test_a_package_the_intake_refuses_is_answered_with_02_naming_the_problem(connector, people, axis_server):
    from tests.fixtures.edxml import make_identity, signed_package

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


SAMPLE_SENDER = "000.00.00.A80"
SAMPLE_SENDER_NAME = "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng"


def test_the_new_document_sample_through_the_mock_axis_becomes_a_pending_incoming_document_with_its_fields(
    connector, axis_server, people
):
    sample = read_sample("edoc_new.edxml")
    sample_signer = make_identity("UBND xã Hòa Tiến")
    api = axis_server.api()
    system = api.register_system(
        "UBND xã Hòa Tiến", [(SAMPLE_SENDER, SAMPLE_SENDER_NAME)], sample_signer.certificate_pem
    )
    # The sample's To (28.22.H17) is no agency identifier: the test addresses it to one of ours, and
    # signs it as the SDK does (its own signature is a placeholder).
    body = resign(sample.replace(b">28.22.H17<", f">{RECIPIENT}<".encode()), sample_signer, SDK_PROFILE)
    reply = api.connect(system).send_edoc(body)
    assert reply.status == 202, reply.content

    assert inbound.receive_pending(connector) >= 1

    db.session.expire_all()
    document = db.session.scalar(select(Document).where(Document.agency_id == RECIPIENT))
    assert document.status == "pending_registration"
    assert document.source_reference == SAMPLE_DOCUMENT_ID
    assert {
        "issuer_id": document.issuer_id,
        "issuer_name": document.issuer_name,
        "document_type": document.document_type,
        "number": document.number,
        "notation": document.notation,
        "issued_date": document.issued_date,
        "subject": document.subject,
        "signer_name": document.signer_name,
        "signer_position": document.signer_position,
        "urgency": document.urgency,
        "due_date": document.due_date,
        "page_count": document.page_count,
    } == {
        "issuer_id": SAMPLE_SENDER,
        "issuer_name": SAMPLE_SENDER_NAME,
        "document_type": "CV",
        "number": None,  # CodeNumber "74fass22" is not a number
        "notation": "VPCP-TTĐT",
        "issued_date": date(2019, 1, 16),
        "subject": "V/v kết nối, liên thông phần mềm quản lý văn bản",
        "signer_name": "Nguyen Thanh Phuc",
        "signer_position": "Cuc truong cuc ung dung cong nghe thong tin",
        "urgency": "normal",
        "due_date": date(2018, 9, 28),
        "page_count": 22,
    }
    # The attachment is a zip (application/zip, named after the file inside): its member is the main
    # file, the zip as received follows it.
    encoded = etree.fromstring(sample, parser=hardened_parser()).find(f".//{{{NS}}}ContentTransferEncoded")
    attachment = base64.b64decode("".join(encoded.text.split()))
    [member] = zipfile.ZipFile(io.BytesIO(attachment)).infolist()
    assert [
        (link.role, link.stored_file.name, b"".join(storage().open(link.stored_file.key)))
        for link in sorted(document.files, key=lambda link: link.position)
    ] == [
        ("main", member.filename, zipfile.ZipFile(io.BytesIO(attachment)).read(member)),
        ("attachment", "1896_QD-TTg_m_294779.doc.zip", attachment),
    ]
    details = document.trace[0].details
    assert details["axis_header"] == {
        "document_id": SAMPLE_DOCUMENT_ID,
        "sender": {
            "organ_id": SAMPLE_SENDER,
            "name": SAMPLE_SENDER_NAME,
            "in_charge": SAMPLE_SENDER_NAME,
            "address": "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội",
            "email": "vpcp@gov.vn",
            "telephone": "8043100",
            "fax": "048989898789",
            "website": "vpcp.vn",
        },
        "place": "Hà Nội",
        "content": "V/v kết nối, liên thông phần mềm quản lý văn bản",
        "signer_competence": "TL. BO TRUONG",
        "to_places": ["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"],
        "steering_type": 1,
        "sphere_of_promulgation": "Liên thông văn bản quốc gia",
        "typer_notation": "TVC",
        "promulgation_amount": 2,
        "direction": False,
        "appendixes": ["Công văn về việc kết nối, liên thông phần mềm quản lý văn bản"],
    }
    assert details["signature"] == "RSA-SHA1, SHA-1 digest, exclusive C14N"
    assert {warning["code"] for warning in details["axis_warnings"]} == {
        "code_number_not_a_number",
        "document_id_mismatch",
        "sha1_signature",
    }


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
