"""The mock axis's own tables: connected systems, the agencies they speak for, messages and deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back timezone-aware datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Values the axis generates once and keeps across restarts (the token signing key)."""

    __tablename__ = "axis_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class System(Base):
    """A connected system (one e-office installation); it speaks for its agencies."""

    __tablename__ = "axis_systems"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    certificate_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Agency(Base):
    __tablename__ = "axis_agencies"

    id: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(13))
    system_id: Mapped[str] = mapped_column(ForeignKey("axis_systems.id"), index=True)


class Message(Base):
    """One package or one status notice, its bytes exactly as the sender sent them."""

    __tablename__ = "axis_messages"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_axis_messages_dedupe_key"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "edoc" or "status"
    # The axis's name for the document: one per sender and edXML DocumentId, so an update keeps it.
    document_id: Mapped[str | None] = mapped_column(String(40))
    sender_system_id: Mapped[str] = mapped_column(ForeignKey("axis_systems.id"))
    from_organ_id: Mapped[str] = mapped_column(String(13))
    edxml_document_id: Mapped[str] = mapped_column(String(100))
    business_doc_type: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[str | None] = mapped_column(String(2))
    # sha256 over what makes two sends the same send; the unique constraint settles concurrent twins.
    dedupe_key: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_axis_messages_sender", Message.sender_system_id, Message.kind, Message.seq)
Index("ix_axis_messages_document", Message.from_organ_id, Message.edxml_document_id)


class Delivery(Base):
    """A message for one addressee agency: pending until that agency's system acks it."""

    __tablename__ = "axis_deliveries"
    __table_args__ = (UniqueConstraint("message_seq", "organ_id", name="uq_axis_deliveries_message_organ"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_seq: Mapped[int] = mapped_column(ForeignKey("axis_messages.seq"))
    organ_id: Mapped[str] = mapped_column(String(13))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For a package: the latest status notice exchanged about it with this addressee.
    status_code: Mapped[str | None] = mapped_column(String(2))
    status_description: Mapped[str | None] = mapped_column(Text)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_axis_deliveries_pending", Delivery.organ_id, Delivery.acked_at, Delivery.message_seq)
