"""Taking messages from the axis: packages into the intake pipeline, status notices onto our documents.

Each message is handled in one transaction that also writes its AxisReceipt, and is acknowledged
only after that transaction committed: a crash before the ack means the axis offers it again, and
the receipt (or the document's source reference) recognises it. A package that cannot be accepted
is answered with status 02 naming the reason. A package acting on an earlier document (revocation,
update, replacement) goes to eoffice.axis.business.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.api_base import ApiError
from eoffice.axis import archives, business, mapping, notices, outbound
from eoffice.axis.client import AxisClient, Refused, TemporaryFailure, TooLarge
from eoffice.axis.connector import Connector
from eoffice.axis.models import AxisReceipt, ReceiptOutcome
from eoffice.axis.package import EdocPackage, document_id_in, parse_package
from eoffice.axis.xmlsig import PackageRefused, Verified
from eoffice.db import savepoint, utcnow
from eoffice.documents import operations
from eoffice.documents.models import Channel, Direction, Document, Status
from eoffice.documents.operations.common import record
from eoffice.documents.operations.files import MAX_FILES
from eoffice.extensions import db
from eoffice.storage.operations import commit_or_discard

log = logging.getLogger(__name__)


def arrival_details(package: EdocPackage, verified: Verified | None) -> dict[str, Any]:
    """What the document's first trace entry keeps of the package: the header fields our document has
    no column for, how it was signed, and what was accepted although the standard says otherwise."""
    warnings = list(package.warnings)
    if verified is not None and verified.uses_sha1:
        warnings.append({"code": "sha1_signature", "message": f"signed with SHA-1 ({verified.profile})"})
    header = {
        "document_id": package.document_id,
        "sender": {key: value for key, value in asdict(package.sender).items() if value},
        "place": package.place,
        "content": package.content,
        "signer_competence": package.signer_competence,
        "to_places": package.to_places,
        "steering_type": package.steering_type,
        "sphere_of_promulgation": package.sphere_of_promulgation,
        "typer_notation": package.typer_notation,
        "promulgation_amount": package.promulgation_amount,
        "direction": package.direction,
        "appendixes": package.appendixes,
    }
    details: dict[str, Any] = {
        "axis_header": {key: value for key, value in header.items() if value not in (None, [])}
    }
    if verified is not None:
        details["signature"] = verified.profile
    if warnings:
        details["axis_warnings"] = warnings
    return details


def inbound_record(
    package: EdocPackage,
    agency_id: str,
    verified: Verified | None,
    zip_limits: archives.ZipLimits,
) -> operations.InboundRecord:
    """The package as the intake pipeline takes any arrival: metadata by the contract's names, files
    (zip attachments unpacked; a hostile one raises PackageRefused)."""
    metadata = {
        "issuer_id": package.sender.organ_id,
        "issuer_name": package.sender.name,
        "document_type": package.document_type,
        "number": package.number,
        "notation": package.notation,
        "issued_date": package.issued_date.isoformat(),
        "subject": package.subject,
        "signer_name": package.signer_name,
        "signer_position": package.signer_position,
        "urgency": package.urgency,
        "due_date": package.due_date.isoformat() if package.due_date else None,
        "page_count": package.page_count,
    }
    return operations.InboundRecord(
        agency_id=agency_id,
        metadata={key: value for key, value in metadata.items() if value is not None},
        files=archives.incoming_files(package.files, zip_limits),
        channel=Channel.AXIS,
        source_reference=package.document_id,
        details=arrival_details(package, verified),
        max_files=MAX_FILES + zip_limits.max_files,
    )


def _received(message_id: str, agency_id: str) -> AxisReceipt | None:
    return db.session.scalar(
        select(AxisReceipt).where(AxisReceipt.message_id == message_id, AxisReceipt.agency_id == agency_id)
    )


def _claim(item: dict[str, Any], **values) -> AxisReceipt | None:
    """The receipt of this message, written first in the transaction; None when another worker has it."""
    receipt = AxisReceipt(
        message_id=item["message_id"],
        agency_id=item["to"],
        kind=item.get("type") or "",
        from_organ_id=item.get("from"),
        received_at=utcnow(),
        **values,
    )
    try:
        with savepoint(db.session):
            db.session.add(receipt)
    except IntegrityError:
        return None
    return receipt


def refuse_package(item: dict[str, Any], document_id: str | None, reason: str) -> None:
    """Record the refusal and, when the package can be named, tell its sender (status 02)."""
    log.warning("package %s from %s refused: %s", item["message_id"], item.get("from"), reason)
    receipt = _claim(
        item, outcome=ReceiptOutcome.REFUSED, detail=reason[:4000], edxml_document_id=document_id
    )
    if receipt is None:
        return
    if document_id and item.get("from"):
        code, day = mapping.code_and_date(document_id)
        outbound.queue_notice(
            agency_id=item["to"],
            sender_id=item["from"],
            document_id=document_id,
            code=notices.REFUSED,
            description=outbound.describe(notices.REFUSED, reason),
            reference_code=code,
            promulgation_date=day,
        )
    db.session.commit()


def import_package(connector: Connector, item: dict[str, Any], body: bytes) -> None:
    agency_id = item["to"]
    try:
        package, verified = parse_package(
            body,
            max_bytes=connector.settings.axis_max_package_bytes,
            trusted_certificate=connector.trusted_certificate,
            accept_sha1=connector.settings.axis_accept_sha1,
        )
        if agency_id not in {organ.organ_id for organ in package.recipients}:
            raise PackageRefused("To", f"the package is not addressed to {agency_id}")
        if item.get("from") and package.sender.organ_id != item["from"]:
            raise PackageRefused("From.OrganId", f"the axis delivered it as sent by {item['from']}")
        inbound = inbound_record(package, agency_id, verified, archives.limits_of(connector.settings))
    except PackageRefused as refused:
        refuse_package(item, document_id_in(body), f"{refused.field}: {refused.reason}")
        return
    if business.applies_to_earlier(package):
        _apply_to_earlier(item, package, verified, inbound)
        return
    try:
        with commit_or_discard():
            earlier = db.session.scalar(
                select(Document.id).where(
                    Document.agency_id == agency_id, Document.source_reference == package.document_id
                )
            )
            receipt = _claim(
                item,
                outcome=ReceiptOutcome.DUPLICATE if earlier else ReceiptOutcome.IMPORTED,
                edxml_document_id=package.document_id,
                detail=f"signature ({verified.profile}) verified with the "
                f"{verified.verified_with.replace('_', ' ')}",
            )
            if receipt is not None:
                document, _warnings = operations.receive_incoming(inbound)
                receipt.document_id = document.id
    except ApiError as exc:
        if exc.status >= 500:
            raise TemporaryFailure(f"intake failed: {exc.message}") from exc
        # The intake's own checks (metadata, file types and sizes) refused it.
        refuse_package(item, package.document_id, exc.message)


def _apply_to_earlier(
    item: dict[str, Any], package: EdocPackage, verified: Verified, inbound: operations.InboundRecord
) -> None:
    """A revocation, update or replacement of a document received before, in the receipt's transaction;
    what the intake's checks refuse (an update's or a replacement's metadata, files) is answered 02."""
    try:
        with commit_or_discard():
            receipt = _claim(
                item,
                outcome=ReceiptOutcome.APPLIED,
                edxml_document_id=package.document_id,
                detail=f"{package.business.reason or ''} (signature {verified.profile})".strip(),
            )
            if receipt is not None:
                business.apply_package(receipt, package, inbound)
    except ApiError as exc:
        if exc.status >= 500:
            raise TemporaryFailure(f"intake failed: {exc.message}") from exc
        refuse_package(item, package.document_id, exc.message)


def apply_notice(connector: Connector, item: dict[str, Any], body: bytes) -> None:
    try:
        notice, _verified = notices.parse_notice(
            body,
            max_bytes=connector.settings.axis_max_package_bytes,
            trusted_certificate=connector.trusted_certificate,
            accept_sha1=connector.settings.axis_accept_sha1,
        )
    except PackageRefused as refused:
        # A notice cannot be answered with a notice: kept with the reason, and acknowledged.
        _ignore(item, f"{refused.field}: {refused.reason}", ReceiptOutcome.REFUSED)
        return
    if notice.addressee_id != item["to"]:
        _ignore(item, f"addressed to {notice.addressee_id}, delivered to {item['to']}")
        return
    if notice.status_code == notices.RECALL_REQUESTED:
        _recall_requested(item, notice)
    else:
        _status_of_sent_document(item, notice)


def _ignore(item: dict[str, Any], reason: str, outcome: ReceiptOutcome = ReceiptOutcome.IGNORED) -> None:
    log.info("status notice %s ignored: %s", item["message_id"], reason)
    if _claim(item, outcome=outcome, detail=reason[:4000]) is not None:
        db.session.commit()


def _status_of_sent_document(item: dict[str, Any], notice: notices.StatusNotice) -> None:
    """A recipient's status: the latest (by its own timestamp) shows on the recipient, all in the trace."""
    send = outbound.sent_package(item["to"], notice.document_id, notice.from_id)
    if send is None or send.recipient is None or send.document is None:
        _ignore(item, f"no package {notice.document_id} was sent from {item['to']} to {notice.from_id}")
        return
    receipt = _claim(
        item,
        outcome=ReceiptOutcome.APPLIED,
        edxml_document_id=notice.document_id,
        status_code=notice.status_code,
        document_id=send.document_id,
        detail=notice.description[:4000],
    )
    if receipt is None:
        return
    recipient = send.recipient
    if recipient.status_at is None or recipient.status_at <= notice.timestamp:
        recipient.status_code = notice.status_code
        recipient.status_description = notice.description
        recipient.status_at = notice.timestamp
    record(
        send.document,
        None,
        "axis_status",
        note=notice.description,
        details={
            "organ_id": notice.from_id,
            "organ_name": notice.from_name,
            "status_code": notice.status_code,
            "status": notices.STATUS_CODES[notice.status_code],
            "at": notice.timestamp.isoformat(),
            "staff": notice.staff_name,
        },
        system="axis",
    )
    db.session.commit()


def _recall_requested(item: dict[str, Any], notice: notices.StatusNotice) -> None:
    """The sender recalls its document: withdrawn here (15 goes back with the step), or answered."""
    agency_id = item["to"]
    receipt = _claim(
        item,
        outcome=ReceiptOutcome.APPLIED,
        edxml_document_id=notice.document_id,
        status_code=notice.status_code,
        detail=notice.description[:4000],
    )
    if receipt is None:
        return
    document = db.session.scalar(
        select(Document).where(
            Document.agency_id == agency_id,
            Document.direction == Direction.INCOMING,
            Document.source_reference == notice.document_id,
        )
    )
    reason = notice.description or "Thu hồi văn bản"
    if document is not None and document.status not in (Status.RECALLED, Status.REFUSED):
        receipt.document_id = document.id
        operations.withdraw(document, reason=reason, system="axis")
    else:
        refused_before = document is not None or db.session.scalar(
            select(AxisReceipt.id).where(
                AxisReceipt.agency_id == agency_id,
                AxisReceipt.edxml_document_id == notice.document_id,
                AxisReceipt.outcome == ReceiptOutcome.REFUSED,
            )
        )
        code = notices.RECALL_AGREED if refused_before else notices.RECALL_REFUSED
        outbound.queue_notice(
            agency_id=agency_id,
            sender_id=notice.original_sender_id,
            document_id=notice.document_id,
            code=code,
            description=outbound.describe(code, "văn bản chưa đến"),
            reference_code=notice.code,
            promulgation_date=notice.promulgation_date,
        )
    db.session.commit()


def take(connector: Connector, client: AxisClient, item: dict[str, Any]) -> str:
    """Handle one pending message and acknowledge it; "taken", or "seen" when it was handled before."""
    message_id, agency_id = item["message_id"], item["to"]
    outcome = "seen"
    if _received(message_id, agency_id) is None:
        outcome = "taken"
        db.session.rollback()
        try:
            body = client.message(message_id, connector.settings.axis_max_package_bytes)
        except TooLarge as exc:
            if item.get("type") == "status":
                _ignore(item, str(exc), ReceiptOutcome.REFUSED)
            else:
                refuse_package(item, document_id_in(exc.head), str(exc))
        else:
            if item.get("type") == "status":
                apply_notice(connector, item, body)
            else:
                import_package(connector, item, body)
    db.session.rollback()
    client.ack(message_id, agency_id)
    return outcome


def receive_pending(connector: Connector, batch_size: int = 20) -> int:
    """One pass over every connected system's pending messages. Returns how many were handled."""
    handled = 0
    for client, agencies in connector.systems():
        try:
            items = client.pending(batch_size)
        except (TemporaryFailure, Refused) as exc:
            log.warning("axis system %s: pending messages unavailable: %s", client.system_id, exc)
            continue
        for item in items:
            if item.get("to") not in agencies:
                log.warning("axis message %s is for %s, not an agency of this system", item, item.get("to"))
                continue
            try:
                take(connector, client, item)
                handled += 1
            except TemporaryFailure as exc:
                # Not acknowledged: offered again on a later pass. The rest waits too, so that messages
                # are taken in the order the axis lists them ("05 in progress" before "06 completed").
                log.warning("axis message %s not taken yet: %s", item.get("message_id"), exc)
                db.session.rollback()
                break
            except Refused as exc:
                log.warning("axis message %s cannot be taken: %s", item.get("message_id"), exc)
                db.session.rollback()
    return handled
