"""Changes to mailboxes and messages: an admin configures the agency's mailbox; the worker turns one
message into a pending_registration document (or refuses it) exactly once."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.queries import agency_of_address
from eoffice.api_base import ApiError
from eoffice.db import savepoint, utcnow
from eoffice.documents import operations as documents
from eoffice.documents.events import StepTaken
from eoffice.documents.models import Channel
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.mailbox.messages import MailArrival, MessageLimits, read_message
from eoffice.mailbox.models import Mailbox, MailReceipt, MessageOutcome
from eoffice.mailbox.secrets import encrypt_password
from eoffice.runtime import settings
from eoffice.storage.operations import commit_or_discard

log = logging.getLogger(__name__)


def configure_mailbox(agency_id: str, data: dict[str, Any]) -> Mailbox:
    """Create or change the agency's mailbox; the password stays as it was when none is given."""
    mailbox = db.session.get(Mailbox, agency_id)
    password = data.pop("password", None)
    if mailbox is None:
        if not password:
            raise ApiError(
                422,
                "validation_error",
                "password: required when the mailbox is first configured",
                {"fields": {"password": ["required when the mailbox is first configured"]}},
            )
        mailbox = Mailbox(agency_id=agency_id)
        db.session.add(mailbox)
    for key, value in data.items():
        setattr(mailbox, key, value)
    if password:
        mailbox.password_encrypted = encrypt_password(password)
    # A changed setting deserves a fresh look, not the error of the old one.
    mailbox.last_error = None
    mailbox.updated_at = utcnow()
    db.session.flush()
    return mailbox


def message_limits() -> MessageLimits:
    return MessageLimits(
        max_attachments=settings().mail_intake_max_attachments,
        max_attachment_size=settings().mail_intake_max_attachment_size,
    )


def received_before(agency_id: str, key: str) -> MailReceipt | None:
    return db.session.scalar(
        select(MailReceipt).where(MailReceipt.agency_id == agency_id, MailReceipt.message_key == key)
    )


def take_message(
    mailbox: Mailbox,
    key: str,
    uid_validity: int,
    uid: int,
    raw: bytes | None,
    received_at: datetime | None,
    refusal: str | None = None,
) -> MailReceipt:
    """The message's receipt, committed with its document (or its refusal); the receipt written before
    if this message was taken already (by this worker before it stopped, or by another one).

    raw is None for a message refused unread (too large to fetch); refusal then says why.
    """
    existing = received_before(mailbox.agency_id, key)
    if existing is not None:
        return existing
    arrival = read_message(raw, key, received_at, message_limits()) if raw is not None else None
    refusal = refusal or (arrival.refusal if arrival else None)
    receipt = MailReceipt(
        agency_id=mailbox.agency_id,
        message_key=key,
        uid_validity=uid_validity,
        uid=uid,
        outcome=MessageOutcome.REFUSED if refusal else MessageOutcome.DOCUMENT,
        reason=refusal,
        sender=arrival.sender[:500] if arrival else None,
        subject=arrival.subject[:500] if arrival else None,
        created_at=utcnow(),
    )
    try:
        with commit_or_discard():
            if refusal is None and arrival is not None:
                try:
                    with savepoint(db.session):
                        receipt.document_id = _receive(mailbox.agency_id, arrival).id
                except ApiError as exc:
                    # What the pipeline refuses (a file over the upload limit, …) is refused, with its reason.
                    receipt.outcome, receipt.reason = MessageOutcome.REFUSED, exc.message
            db.session.add(receipt)
    except IntegrityError:
        # Another worker took this message in the meantime: its receipt is the one.
        existing = received_before(mailbox.agency_id, key)
        if existing is None:
            raise
        return existing
    if receipt.outcome == MessageOutcome.REFUSED:
        log.info("message %s of mailbox %s refused: %s", key, mailbox.agency_id, receipt.reason)
    return receipt


def _receive(agency_id: str, arrival: MailArrival):
    metadata, details = arrival.metadata(), arrival.details()
    # A sender whose address is an agency's official one: the document names that agency as its issuer,
    # so that the clerk registering it finds the issuer filled in.
    issuer = agency_of_address(arrival.sender_address)
    if issuer is not None:
        metadata["issuer_id"], metadata["issuer_name"] = issuer
        details["email"]["sender_agency"] = {"id": issuer[0], "name": issuer[1]}
    inbound = documents.InboundRecord(
        agency_id=agency_id,
        metadata=metadata,
        files=arrival.files,
        channel=Channel.EMAIL,
        source_reference=_source_reference(arrival.message_key),
        details=details,
        max_files=settings().mail_intake_max_attachments,
    )
    document, _warnings = documents.receive_incoming(inbound)
    return document


def _source_reference(key: str) -> str:
    reference = f"mail:{key}"
    # The column holds 200 characters: a longer Message-ID by its hash, which stays unique.
    return reference if len(reference) <= 200 else "mail:sha256:" + hashlib.sha256(key.encode()).hexdigest()


def mark_moved(receipt: MailReceipt, where: tuple[int, int] | None = None) -> None:
    """The message is in the folder its outcome names; where: its (UIDVALIDITY, UID) there, when known."""
    receipt.is_moved = True
    if where is not None:
        receipt.moved_uid_validity, receipt.moved_uid = where
    db.session.commit()


def follow_document_steps(event: StepTaken) -> None:
    """A clerk refusing a document that came by e-mail: its message is to go to the refused folder, with the
    clerk's reason. Recorded in the refusal's own transaction; the intake worker moves it (refused_moves)."""
    document = event.document
    if event.action != Action.REFUSE or document.channel != Channel.EMAIL:
        return
    receipt = db.session.scalar(
        select(MailReceipt).where(
            MailReceipt.agency_id == document.agency_id, MailReceipt.document_id == document.id
        )
    )
    if receipt is None:
        return  # the mailbox (and its receipts) was removed meanwhile: nothing left to move
    receipt.outcome, receipt.reason = MessageOutcome.REFUSED, event.note
    receipt.is_moved, receipt.move_error, receipt.refused_at = False, None, utcnow()


def refused_moves(agency_id: str) -> list[MailReceipt]:
    """Messages of documents a clerk refused that are not in the refused folder yet, oldest first."""
    return list(
        db.session.scalars(
            select(MailReceipt)
            .where(
                MailReceipt.agency_id == agency_id,
                MailReceipt.outcome == MessageOutcome.REFUSED,
                MailReceipt.refused_at.is_not(None),
                MailReceipt.is_moved.is_(False),
                MailReceipt.move_error.is_(None),
            )
            .order_by(MailReceipt.refused_at, MailReceipt.id)
        )
    )


def mark_unmovable(receipt: MailReceipt, reason: str) -> None:
    receipt.move_error = reason[:2000]
    db.session.commit()
    log.warning("message %s of mailbox %s not moved: %s", receipt.message_key, receipt.agency_id, reason)
