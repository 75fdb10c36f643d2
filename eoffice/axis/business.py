"""Packages that act on a document received before (TraceHeaderList › Bussiness): revocation, update and
replacement.

The earlier document is found by the DocumentId the package names and by its sender: another agency
cannot withdraw or change our copy of someone else's document. What cannot be applied is answered 16
with the reason, and nothing is registered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.axis import mapping, notices, outbound
from eoffice.axis.models import AxisReceipt, ReceiptOutcome
from eoffice.axis.package import BUSINESS_TYPES, REPLACEMENT, REVOCATION, UPDATE, EdocPackage
from eoffice.documents import operations
from eoffice.documents.models import Direction, Document, Status
from eoffice.extensions import db

DEFAULT_REASON = {REVOCATION: "Thu hồi văn bản", UPDATE: "Cập nhật văn bản", REPLACEMENT: "Văn bản thay thế"}
UPDATED = "Đã cập nhật văn bản theo đề nghị của cơ quan gửi"


def earlier_document(agency_id: str, sender_id: str, document_id: str) -> Document | None:
    """Our copy of a document that sender sent to that agency, by its DocumentId."""
    return db.session.scalar(
        select(Document).where(
            Document.agency_id == agency_id,
            Document.direction == Direction.INCOMING,
            Document.issuer_id == sender_id,
            Document.source_reference == document_id,
        )
    )


def business_details(package: EdocPackage) -> dict[str, Any]:
    """What the trace keeps of the package's Bussiness block."""
    business = package.business
    details: dict[str, Any] = {
        "business_type": BUSINESS_TYPES[business.doc_type],
        "package_document_id": package.document_id,
        "reason": business.reason,
        "staff": business.staff_name,
        "staff_department": business.staff_department,
    }
    return {key: value for key, value in details.items() if value is not None}


# 16 answers a revocation, an update or a replacement alike: its words say which was not done.
_NOT_APPLIED = {
    REVOCATION: "Không thu hồi được",
    UPDATE: "Không cập nhật được",
    REPLACEMENT: "Không thay thế được",
}


def _answer_not_applied(receipt: AxisReceipt, package: EdocPackage, reason: str) -> None:
    """16 to the sender about the package (its DocumentId is what passed the axis), with the reason; the
    receipt says why nothing changed here."""
    code, day = mapping.code_and_date(package.document_id)
    outbound.queue_notice(
        agency_id=receipt.agency_id,
        sender_id=package.sender.organ_id,
        document_id=package.document_id,
        code=notices.RECALL_REFUSED,
        description=f"{_NOT_APPLIED[package.business.doc_type]}: {reason}",
        reference_code=code,
        promulgation_date=day,
    )
    receipt.outcome = ReceiptOutcome.IGNORED
    receipt.detail = reason[:4000]


def revoke(receipt: AxisReceipt, package: EdocPackage) -> None:
    """A revocation (1): our copy is withdrawn (15 goes back with the step); unknown here → 16."""
    [document_id] = package.referenced_document_ids
    document = earlier_document(receipt.agency_id, package.sender.organ_id, document_id)
    if document is None:
        _answer_not_applied(receipt, package, f"văn bản {document_id} chưa đến cơ quan nhận")
        return
    receipt.document_id = document.id
    if document.status in (Status.RECALLED, Status.REFUSED, Status.REPLACED):
        # Withdrawn already, never taken in, or replaced: what the sender asks for holds.
        outbound.queue_reply(document, notices.RECALL_AGREED)
        return
    operations.withdraw(
        document,
        reason=package.business.reason or DEFAULT_REASON[REVOCATION],
        system="axis",
        details=business_details(package),
    )


def _reason(package: EdocPackage) -> str:
    return package.business.reason or DEFAULT_REASON[package.business_doc_type]


def update(receipt: AxisReceipt, package: EdocPackage, inbound: operations.InboundRecord) -> None:
    """An update (2): our copy takes the package's metadata and files, the trace says what changed, 15 goes
    back; unknown here, or withdrawn already → 16."""
    [document_id] = package.referenced_document_ids
    document = earlier_document(receipt.agency_id, package.sender.organ_id, document_id)
    if document is None:
        _answer_not_applied(receipt, package, f"văn bản {document_id} chưa đến cơ quan nhận")
        return
    if document.status in (Status.RECALLED, Status.REFUSED, Status.REPLACED):
        _answer_not_applied(receipt, package, f"văn bản {document_id} đã {document.status}")
        return
    receipt.document_id = document.id
    operations.amend(
        document, inbound, reason=_reason(package), system="axis", details=business_details(package)
    )
    # About the update package (its DocumentId passed the axis; the earlier one's may be older than it).
    code, day = mapping.code_and_date(package.document_id)
    send = outbound.queue_notice(
        agency_id=document.agency_id,
        sender_id=package.sender.organ_id,
        document_id=package.document_id,
        code=notices.RECALL_AGREED,
        description=UPDATED,
        reference_code=code,
        promulgation_date=day,
    )
    send.document = document


def replace(receipt: AxisReceipt, package: EdocPackage, inbound: operations.InboundRecord) -> None:
    """A replacement (3): the new document is received as any arrival, and each document it replaces here
    (ReplacementInfo naming this agency, or no agency) is marked replaced by it; one of them unknown
    here → 16, nothing registered."""
    named = [
        item.document_id
        for item in package.business.replacements
        if not item.organ_ids or receipt.agency_id in item.organ_ids
    ]
    replaced_ids = list(dict.fromkeys(named))
    if not replaced_ids:
        # It replaces documents other agencies received: here it is a new document.
        document, _warnings = operations.receive_incoming(inbound)
        receipt.document_id = document.id
        return
    earlier = {
        doc_id: earlier_document(receipt.agency_id, package.sender.organ_id, doc_id)
        for doc_id in replaced_ids
    }
    missing = [
        doc_id for doc_id, document in earlier.items() if document is None or doc_id == package.document_id
    ]
    if missing:
        _answer_not_applied(receipt, package, f"văn bản {missing[0]} chưa đến cơ quan nhận")
        return
    document, _warnings = operations.receive_incoming(inbound)
    receipt.document_id = document.id
    document.replaces_id = earlier[replaced_ids[0]].id
    for replaced in earlier.values():
        if replaced.status not in (Status.RECALLED, Status.REFUSED, Status.REPLACED):
            operations.mark_replaced(replaced, document, reason=_reason(package), system="axis")
    db.session.flush()


def applies_to_earlier(package: EdocPackage) -> bool:
    return package.business_doc_type in (REVOCATION, UPDATE, REPLACEMENT)


def apply_package(receipt: AxisReceipt, package: EdocPackage, inbound: operations.InboundRecord) -> None:
    """Apply a package that acts on an earlier document, in the receipt's transaction."""
    if package.business_doc_type == REVOCATION:
        revoke(receipt, package)
    elif package.business_doc_type == UPDATE:
        update(receipt, package, inbound)
    else:
        replace(receipt, package, inbound)
