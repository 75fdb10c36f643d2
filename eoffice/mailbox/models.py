"""Each agency's official mailbox (thư công vụ) and the messages taken from it, once each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.db import Base, UTCDateTime, utcnow


class Security(enum.StrEnum):
    TLS = "tls"  # IMAPS, port 993
    STARTTLS = "starttls"  # plain connection upgraded before login, port 143
    NONE = "none"  # plain text: a mail server on the same host or a test server on loopback


class Mailbox(Base):
    """The IMAP mailbox of an agency: where its official e-mail arrives. The password is kept encrypted
    (eoffice.mailbox.secrets) and never read back through the API."""

    __tablename__ = "agency_mailboxes"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(8), default=Security.TLS)
    username: Mapped[str] = mapped_column(String(255))
    password_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    processed_folder: Mapped[str] = mapped_column(String(255), default="Processed")
    refused_folder: Mapped[str] = mapped_column(String(255), default="Refused")
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the worker last saw: when it read the mailbox, and why it could not.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageOutcome(enum.StrEnum):
    DOCUMENT = "document"  # became a pending_registration document
    REFUSED = "refused"  # moved to the refused folder; reason says why (the intake's, or the clerk's)


class MailReceipt(Base):
    """A message taken from an agency's mailbox: recorded in the transaction that made its document (or
    refused it), before the message is moved, so that a worker restarting mid-message, or a second
    worker, finds it and makes no second document. The key is the Message-ID or, for a message without
    one, the mailbox's UIDVALIDITY and the message's UID with its hash."""

    __tablename__ = "mail_receipts"
    __table_args__ = (UniqueConstraint("agency_id", "message_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    message_key: Mapped[str] = mapped_column(String(255))
    uid_validity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    sender: Mapped[str | None] = mapped_column(String(500), default=None)
    subject: Mapped[str | None] = mapped_column(String(500), default=None)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    # In the folder its outcome names (processed or refused): false until the IMAP server agreed. A clerk
    # refusing the document sets it false again, in the refusal's transaction: the intake worker then moves
    # the message on to the refused folder, however long the server is away.
    is_moved: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the server said the message went (UIDPLUS's COPYUID): found again by it when it has no Message-ID.
    moved_uid_validity: Mapped[int | None] = mapped_column(BigInteger, default=None)
    moved_uid: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Why the message could not be moved where its outcome says (gone from the mailbox): not tried again.
    move_error: Mapped[str | None] = mapped_column(Text, default=None)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
