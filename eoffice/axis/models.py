"""What goes to the national axis (an outbox of packages and status notices) and what came from it."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.documents.models import Document, Recipient
from eoffice.logs import current_request_id


class SendKind(enum.StrEnum):
    EDOC = "edoc"  # an issued document, to one external recipient
    STATUS = "status"  # a status notice (01 arrived … 06 completed, 13 recall, 15/16 recall answers)


class SendStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a worker (again, after a temporary failure)
    SENDING = "sending"  # leased by a worker until lease_until
    SENT = "sent"  # accepted by the axis (axis_message_id)
    FAILED = "failed"  # refused by the axis, or temporary failures past the attempt limit


class AxisSend(Base):
    """One package or status notice for the axis, recorded in the transaction of the step it follows.

    Sends of one thread (a document and one counterpart agency) go out in the order they were
    recorded: a recall never overtakes the package it recalls, "registered" never overtakes "arrived".
    """

    __tablename__ = "axis_sends"
    __table_args__ = (Index("ix_axis_sends_thread_id", "thread", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    # The hosted agency that sends (and signs), and the agency it goes to.
    agency_id: Mapped[str] = mapped_column(String(13), index=True)
    to_organ_id: Mapped[str] = mapped_column(String(13))
    thread: Mapped[str] = mapped_column(String(250))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    # A package: the external recipient row whose delivery it is.
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_recipients.id", ondelete="SET NULL"), index=True
    )
    # A package: what it does to the document (Bussiness › BussinessDocType): 0 new, 1 revocation,
    # 2 update, 3 replacement. A revocation's or update's reason is `description`, its clerk `staff_*`.
    business_type: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A package: its DocumentId once built. A notice: ResponseFor › DocumentId, OrganId, Code and date.
    edxml_document_id: Mapped[str | None] = mapped_column(String(200), index=True)
    original_sender_id: Mapped[str | None] = mapped_column(String(13))
    reference_code: Mapped[str | None] = mapped_column(String(60))
    promulgation_date: Mapped[date | None] = mapped_column(Date)
    status_code: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str | None] = mapped_column(Text)
    staff_name: Mapped[str | None] = mapped_column(String(200))
    staff_department: Mapped[str | None] = mapped_column(String(200))
    # When the step happened: the notice's Timestamp.
    event_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A notice as first signed: a retry sends the same bytes, so the axis recognises a repeat.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)

    status: Mapped[str] = mapped_column(String(12), default=SendStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    axis_message_id: Mapped[str | None] = mapped_column(String(64))
    # The request that queued it (X-Request-Id), so that the worker's lines about it can be found with it.
    request_id: Mapped[str | None] = mapped_column(String(128), default=current_request_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document | None] = relationship()
    recipient: Mapped[Recipient | None] = relationship()


class ReceiptOutcome(enum.StrEnum):
    IMPORTED = "imported"  # a package that became a document waiting for registration
    DUPLICATE = "duplicate"  # a package whose document arrived before
    REFUSED = "refused"  # a package or notice that could not be accepted (status 02 to the sender)
    APPLIED = "applied"  # a status notice, revocation, update or replacement applied to our document
    IGNORED = "ignored"  # a notice, or a package acting on a document we do not have (answered 16)


class AxisReceipt(Base):
    """One message taken from the axis for one of our agencies; written in the import's transaction,
    so a message delivered again (or by two workers at once) is recognised and only acknowledged."""

    __tablename__ = "axis_receipts"
    __table_args__ = (UniqueConstraint("message_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(13))
    kind: Mapped[str] = mapped_column(String(8))
    from_organ_id: Mapped[str | None] = mapped_column(String(13))
    edxml_document_id: Mapped[str | None] = mapped_column(String(200))
    status_code: Mapped[str | None] = mapped_column(String(2))
    outcome: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
