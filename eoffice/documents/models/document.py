"""Documents, their files, assignments, reviews, recipients and trace."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from eoffice.accounts.models import Agency, Unit, User
from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.documents.document_types import number_and_notation
from eoffice.storage.models import StoredFile

if TYPE_CHECKING:
    from eoffice.documents.models.search import DocumentSearch, TextExtraction


class Direction(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class Status(enum.StrEnum):
    # incoming
    PENDING_REGISTRATION = "pending_registration"
    REGISTERED = "registered"
    REFUSED = "refused"
    AWAITING_DIRECTION = "awaiting_direction"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    # outgoing
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    AWAITING_SIGNATURE = "awaiting_signature"
    APPROVED = "approved"
    ISSUED = "issued"
    RECALLED = "recalled"
    REPLACED = "replaced"


class Urgency(enum.StrEnum):
    NORMAL = "normal"  # thường
    URGENT = "urgent"  # khẩn
    VERY_URGENT = "very_urgent"  # thượng khẩn
    FLASH = "flash"  # hỏa tốc


class Confidentiality(enum.StrEnum):
    NONE = "none"
    CONFIDENTIAL = "confidential"  # mật
    SECRET = "secret"  # tối mật
    TOP_SECRET = "top_secret"  # tuyệt mật


class Channel(enum.StrEnum):
    """How a document entered the system."""

    UPLOAD = "upload"
    AXIS = "axis"
    EMAIL = "email"
    DRAFT = "draft"


class FileRole(enum.StrEnum):
    MAIN = "main"
    ATTACHMENT = "attachment"
    # A scan kept as it arrived, with its hash, beside the searchable PDF the OCR made of it (which took
    # its role and position).
    ORIGINAL = "original"


class HandlingRole(enum.StrEnum):
    PRIMARY = "primary"
    CO_HANDLER = "co_handler"
    INFORMED = "informed"


class ReviewKind(enum.StrEnum):
    REVIEW = "review"
    SIGNATURE = "signature"


class ReviewDecision(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    CANCELLED = "cancelled"  # an earlier level returned the draft before this one was asked


class RecipientKind(enum.StrEnum):
    UNIT = "unit"
    USER = "user"
    EXTERNAL = "external"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # not issued yet
    DELIVERED = "delivered"  # internal: visible to the recipient from issuance on
    QUEUED = "queued"  # external: waiting for the national axis connector
    SENT = "sent"  # external: accepted by the national axis
    FAILED = "failed"  # external: the axis refused it, or sending was given up


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("agency_id", "arrival_year", "arrival_number", name="uq_documents_arrival_number"),
        UniqueConstraint("agency_id", "number_year", "series", "number", name="uq_documents_outgoing_number"),
        UniqueConstraint("agency_id", "source_reference", name="uq_documents_source_reference"),
        Index("ix_documents_agency_direction_status", "agency_id", "direction", "status"),
        Index("ix_documents_issuer_number", "issuer_id", "number"),
        # An agency's documents newest first: lists and searches walk it and stop at the page.
        Index("ix_documents_agency_id_created_at", "agency_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The hosting agency whose record this is (the receiver of an incoming document).
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    direction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24))
    # Bumped on every change: two people acting on the same document at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(8), default=Channel.UPLOAD)
    # The sender's identification of the document (the axis DocumentId), for idempotent intake.
    source_reference: Mapped[str | None] = mapped_column(String(200))

    # Metadata, with the names of the public contract.
    # None for an e-mail from an address that names no agency identifier.
    issuer_id: Mapped[str | None] = mapped_column(String(13))
    issuer_name: Mapped[str] = mapped_column(String(200))
    # A Decree 30 abbreviation, or the type's name as another agency's system named it.
    document_type: Mapped[str] = mapped_column(String(100))
    number: Mapped[int | None] = mapped_column(Integer)
    notation: Mapped[str | None] = mapped_column(String(30))
    issued_date: Mapped[date | None] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(500))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_position: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(16), default=Urgency.NORMAL)
    confidentiality: Mapped[str] = mapped_column(String(16), default=Confidentiality.NONE)
    due_date: Mapped[date | None] = mapped_column(Date)
    page_count: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10), default="vi")
    note: Mapped[str | None] = mapped_column(Text)

    # Incoming: registration, direction and handling.
    arrival_number: Mapped[int | None] = mapped_column(Integer)
    arrival_year: Mapped[int | None] = mapped_column(Integer)
    arrival_date: Mapped[date | None] = mapped_column(Date)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    directing_leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    result_note: Mapped[str | None] = mapped_column(Text)
    # Indexed, like every reference to documents: deleting a document looks up who points at it.
    reply_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Outgoing: drafting, review, issuance.
    drafting_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    is_legal_normative: Mapped[bool] = mapped_column(Boolean, default=False)
    series: Mapped[str | None] = mapped_column(String(20))
    number_year: Mapped[int | None] = mapped_column(Integer)
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    review_level: Mapped[int | None] = mapped_column(Integer)
    current_reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where the signer's visible signature goes, chosen by the drafter on the main PDF (page, x, y, width,
    # height in PDF points from the page's bottom-left); None: above the signer's printed name, if found.
    signature_placement: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reason: Mapped[str | None] = mapped_column(Text)

    # The clerk who uploaded an incoming document, or the drafter of an outgoing one.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    agency: Mapped[Agency] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    drafting_unit: Mapped[Unit | None] = relationship()
    files: Mapped[list[DocumentFile]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentFile.position"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Assignment.id"
    )
    participants: Mapped[list[DocumentParticipant]] = relationship(cascade="all, delete-orphan")
    reviews: Mapped[list[Review]] = relationship(
        cascade="all, delete-orphan", order_by="[Review.round, Review.level]"
    )
    recipients: Mapped[list[Recipient]] = relationship(cascade="all, delete-orphan", order_by="Recipient.id")
    trace: Mapped[list[TraceEntry]] = relationship(cascade="all, delete-orphan", order_by="TraceEntry.id")
    # The documents that replace this one (their replaces_id names it): the link read the other way.
    replacements: Mapped[list[Document]] = relationship(
        foreign_keys=[replaces_id], viewonly=True, order_by="Document.id"
    )
    search: Mapped[DocumentSearch | None] = relationship(cascade="all, delete-orphan")
    # Its PDFs whose text is still to be indexed (background extraction): added here, never loaded.
    text_extractions: WriteOnlyMapped[TextExtraction] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality != Confidentiality.NONE

    @property
    def legal_year(self) -> int | None:
        """The year a legal normative document's number carries: the year it was numbered in."""
        return self.number_year if self.is_legal_normative else None

    @property
    def number_and_notation(self) -> str | None:
        """`05/QĐ-UBND`, or `05/2026/QĐ-UBND` for a legal normative document: as it is shown everywhere."""
        return number_and_notation(self.number, self.notation, self.legal_year)

    @property
    def replaced_by_id(self) -> int | None:
        """The document that replaced this one (the latest, if it was replaced more than once)."""
        return self.replacements[-1].id if self.replacements else None

    @property
    def current_assignment(self) -> Assignment | None:
        current = [assignment for assignment in self.assignments if assignment.superseded_at is None]
        return current[-1] if current else None

    @property
    def deadline(self) -> date | None:
        assignment = self.current_assignment
        return assignment.deadline if assignment else None

    def participant(self, user_id: int) -> DocumentParticipant | None:
        return next((row for row in self.participants if row.user_id == user_id), None)


class DocumentFile(Base):
    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "stored_file_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    role: Mapped[str] = mapped_column(String(12), default=FileRole.ATTACHMENT)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A searchable PDF names the scan it was made from (that link's role is then `original`).
    derived_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_files.id", ondelete="SET NULL"), default=None
    )

    document: Mapped[Document] = relationship(back_populates="files")
    stored_file: Mapped[StoredFile] = relationship(lazy="joined")


class Assignment(Base):
    """A leader's direction (bút phê); a re-assignment supersedes it and both stay."""

    __tablename__ = "document_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direction_text: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_assignments.id", ondelete="SET NULL")
    )
    # When the handlers were told that the deadline is near, and that it has passed (once each).
    reminded_near_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(back_populates="assignments")
    assigned_by: Mapped[User | None] = relationship()
    members: Mapped[list[AssignmentMember]] = relationship(
        cascade="all, delete-orphan", order_by="AssignmentMember.id", lazy="selectin"
    )

    def members_in(self, role: HandlingRole) -> list[AssignmentMember]:
        return [member for member in self.members if member.role == role]

    @property
    def primary(self) -> AssignmentMember:
        return self.members_in(HandlingRole.PRIMARY)[0]


class AssignmentMember(Base):
    __tablename__ = "document_assignment_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("document_assignments.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(12))
    # Exactly one of the two: a person, or (for the primary handler only) a unit.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    user: Mapped[User | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class DocumentParticipant(Base):
    """Everyone ever named on a document (and so allowed to see it), with their own read state."""

    __tablename__ = "document_participants"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Review(Base):
    """One level of the review of an outgoing draft in one submission round; the signer is the last."""

    __tablename__ = "document_reviews"
    __table_args__ = (UniqueConstraint("document_id", "round", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12), default=ReviewKind.REVIEW)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decision: Mapped[str] = mapped_column(String(12), default=ReviewDecision.PENDING)
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reviewer: Mapped[User | None] = relationship(lazy="joined")


class Recipient(Base):
    """Where an outgoing document goes: a unit or person of the agency, or another agency."""

    __tablename__ = "document_recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # An external agency is known by its national identifier only: no foreign key.
    agency_id: Mapped[str | None] = mapped_column(String(13))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    delivery_status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # External: the latest status the receiving agency reported (01 arrived, 02 refused, 03 accepted…),
    # with its description (the reason of a refusal) and its time; or why sending failed.
    status_code: Mapped[str | None] = mapped_column(String(2))
    status_description: Mapped[str | None] = mapped_column(Text)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined")


class TraceEntry(Base):
    """One step in the life of a document: who did what, when, with which note."""

    __tablename__ = "document_trace"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written at the time: the trace must read the same after a rename or removal.
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
