"""The mail outbox and each user's choice of which notices reach them by e-mail."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.logs import current_request_id


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a worker (again, after a temporary failure)
    SENDING = "sending"  # leased by a worker until lease_until
    SENT = "sent"  # accepted by the SMTP server
    KEPT = "kept"  # no SMTP configured: kept in the local outbox for the admin to read
    FAILED = "failed"  # permanent refusal, or temporary failures past the attempt limit
    CANCELLED = "cancelled"  # by an admin
    DIGEST = "digest"  # waits for the recipient's daily digest
    DIGESTED = "digested"  # went out inside a digest message


class DeliveryMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    agency_id: Mapped[str | None] = mapped_column(String(13), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(400))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    calendar: Mapped[str | None] = mapped_column(Text)
    calendar_method: Mapped[str | None] = mapped_column(String(16))
    # Fixed when queued, so a resend after a crash carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    is_urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    digest_id: Mapped[int | None] = mapped_column(Integer)
    # The request that queued it (X-Request-Id), so that the worker's lines about it can be found with it.
    request_id: Mapped[str | None] = mapped_column(String(128), default=current_request_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default=DeliveryMode.IMMEDIATE)
