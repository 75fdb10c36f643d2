"""Packages that cannot be accepted are refused with a clear reason, kept as a receipt, and answered
with status 02 to their sender; sends the axis will not take are given up with the reason."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from eoffice.axis import inbound
from eoffice.axis.delivery import send_due
from eoffice.axis.models import AxisReceipt, AxisSend
from eoffice.axis.package import build_package
from eoffice.axis.xmlsig import NS, add_signature_placeholder, hardened_parser, sign
from eoffice.documents.models import Document
from eoffice.extensions import db
from tests.eoffice.axis.conftest import RECIPIENT, SENDER, unreachable_connector
from tests.eoffice.axis.packages import XXE, a_package
from tests.factories import create_document
from tests.fixtures.edxml import SDK_PROFILE, resign

DOCUMENT_ID = f"{SENDER},2026/11/20,05/QĐ-UBND"


@pytest.fixture
def connector(app, key_dir):
    yield from unreachable_connector(
        key_dir,
        axis_retry_base_seconds=0.0,
        axis_max_attempts=2,
        axis_max_package_bytes=256 * 1024,
    )


def arriving(message_id: str = "m-1") -> dict:
    return {"message_id": message_id, "type": "edoc", "from": SENDER, "to": RECIPIENT}


def refusal() -> tuple[AxisReceipt, AxisSend]:
    db.session.expire_all()
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    [send] = db.session.scalars(select(AxisSend)).all()
    return receipt, send


def with_bad_base64(sender_identity) -> bytes:
    root = etree.fromstring(build_package(a_package(), sender_identity), parser=hardened_parser())
    signature = root.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature")
    header = signature.getparent()
    header.remove(signature)
    root.find(f".//{{{NS}}}ContentTransferEncoded").text = "JVBERi0x!!!"
    add_signature_placeholder(header)
    return sign(root, sender_identity)


@pytest.mark.parametrize(
    ("make_body", "reason"),
    [
        (
            lambda identity: XXE.replace(
                b"<Subject>", f"<DocumentId>{DOCUMENT_ID}</DocumentId><Subject>".encode()
            ),
            "package: a DOCTYPE or <!DOCTYPE> declaration is not allowed",
        ),
        (with_bad_base64, "Attachment[0].ContentTransferEncoded: is not standard base64"),
        (
            lambda identity: (
                build_package(a_package(files=[a_package().files[0]] * 3), identity) + b" " * 300_000
            ),
            "bytes, larger than the limit of 262144 bytes",
        ),
        (
            lambda identity: build_package(a_package(), identity).replace(
                "Chủ tịch".encode(), b"Ch\xe1\xbb\xa7 t\xe1\xbb\x8bch!"
            ),
            "Signature: the content was changed after signing",
        ),
    ],
    ids=["xxe", "bad-base64", "oversized", "tampered"],
)
def test_a_bad_package_is_refused_and_answered_with_02_naming_the_problem(
    connector, people, sender_identity, make_body, reason
):
    inbound.import_package(connector, arriving(), make_body(sender_identity))

    receipt, send = refusal()
    assert (receipt.outcome, receipt.message_id, receipt.edxml_document_id) == ("refused", "m-1", DOCUMENT_ID)
    assert reason in receipt.detail
    assert (send.kind, send.status_code, send.agency_id, send.to_organ_id, send.status) == (
        "status",
        "02",
        RECIPIENT,
        SENDER,
        "pending",
    )
    assert (send.edxml_document_id, send.reference_code) == (DOCUMENT_ID, "05/QĐ-UBND")
    assert send.description.startswith("Từ chối tiếp nhận: ") and reason in send.description
    assert db.session.scalars(select(Document)).all() == []


def test_a_package_nobody_can_name_is_kept_as_refused_without_an_answer(connector, people):
    inbound.import_package(connector, arriving(), XXE)

    db.session.expire_all()
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    assert (receipt.outcome, receipt.edxml_document_id) == ("refused", None)
    assert db.session.scalars(select(AxisSend)).all() == []


def test_a_package_for_another_agency_is_refused(connector, people, sender_identity):
    body = build_package(a_package(), sender_identity)

    inbound.import_package(connector, arriving() | {"to": "000.00.00.H49"}, body)

    receipt, send = refusal()
    assert receipt.detail == "To: the package is not addressed to 000.00.00.H49"
    assert (send.agency_id, send.to_organ_id) == ("000.00.00.H49", SENDER)


def test_the_same_refused_package_delivered_again_is_refused_once(connector, people):
    inbound.import_package(
        connector,
        arriving(),
        XXE.replace(b"<Subject>", f"<DocumentId>{DOCUMENT_ID}</DocumentId><Subject>".encode()),
    )
    inbound.import_package(
        connector,
        arriving(),
        XXE.replace(b"<Subject>", f"<DocumentId>{DOCUMENT_ID}</DocumentId><Subject>".encode()),
    )

    assert len(db.session.scalars(select(AxisReceipt)).all()) == 1
    assert len(db.session.scalars(select(AxisSend)).all()) == 1


def test_a_send_the_axis_cannot_be_reached_for_is_retried_then_given_up_with_the_reason(connector, people):
    document = create_document(
        "issued",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"recipients": [{"agency_id": RECIPIENT, "agency_name": "Sở Nội vụ"}]},
    )
    document_id = document.id

    assert send_due(connector) == 1
    db.session.expire_all()
    [send] = db.session.scalars(select(AxisSend)).all()
    assert (send.status, send.attempts) == ("pending", 1)
    assert "ConnectionError" in send.last_error
    assert db.session.get(Document, document_id).recipients[0].delivery_status == "queued"

    assert send_due(connector) == 1

    db.session.expire_all()
    [send] = db.session.scalars(select(AxisSend)).all()
    assert (send.status, send.attempts) == ("failed", 2)
    recipient = db.session.get(Document, document_id).recipients[0]
    assert recipient.delivery_status == "failed"
    assert recipient.status_description.startswith("gave up after 2 attempts: POST /api/v1/token")
    assert db.session.get(Document, document_id).trace[-1].action == "axis_failed"


def sha1_signed(identity) -> bytes:
    return resign(build_package(a_package(files=a_package().files[:1]), identity), identity, SDK_PROFILE)


def test_a_sha1_signed_package_is_refused_with_02_when_sha1_is_not_accepted(key_dir, people, sender_identity):
    for connector in unreachable_connector(key_dir, axis_accept_sha1=False):
        inbound.import_package(connector, arriving(), sha1_signed(sender_identity))

    receipt, send = refusal()
    assert receipt.outcome == "refused"
    assert "Signature: signed with SHA-1, which this server does not accept" in receipt.detail
    assert (send.status_code, send.to_organ_id, send.edxml_document_id) == ("02", SENDER, DOCUMENT_ID)
    assert db.session.scalars(select(Document)).all() == []


def test_a_sha1_signed_package_is_accepted_by_default_and_its_trace_says_so(
    connector, people, sender_identity
):
    inbound.import_package(connector, arriving(), sha1_signed(sender_identity))

    db.session.expire_all()
    [document] = db.session.scalars(select(Document)).all()
    assert document.status == "pending_registration"
    details = document.trace[0].details
    assert details["signature"] == "RSA-SHA1, SHA-1 digest, exclusive C14N"
    assert {
        "code": "sha1_signature",
        "message": "signed with SHA-1 (RSA-SHA1, SHA-1 digest, exclusive C14N)",
    } in (details["axis_warnings"])
