"""Records (Decree 30 Chapter IV): the yearly file list, case files and the documents filed in them, their
history, and hand-overs to the agency archive."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.accounts.models import Unit, User
from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.documents.clock import vietnam_date
from eoffice.documents.models import Document

# Decree 30 Art. 29: a case file goes to the agency archive within a year of the end of its work.
HANDOVER_PERIOD_DAYS = 365


class CaseFileStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    # Closed and listed in a hand-over the archivist has not received yet.
    PROPOSED = "proposed"
    # Received by the agency archive: read-only from then on.
    ARCHIVED = "archived"


class AccessRegime(enum.StrEnum):
    """Chế độ sử dụng: who reads a case file once it is archived."""

    OPEN = "open"  # sử dụng rộng rãi
    RESTRICTED = "restricted"  # hạn chế sử dụng


class HandoverStatus(enum.StrEnum):
    PROPOSED = "proposed"
    RECEIVED = "received"


class FileListEntry(Base):
    """One planned case file of an agency's file list (danh mục hồ sơ) for a year, under a unit's heading."""

    __tablename__ = "file_list_entries"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "notation", name="uq_file_list_entries_notation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    # The heading the entry sits under: a unit's name, or a theme the office chose.
    heading: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    notation: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    # Years to keep; None: permanently (vĩnh viễn).
    retention_years: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    responsible: Mapped[User | None] = relationship()


class CaseFile(Base):
    """A case file (hồ sơ) with the metadata of Decree 30 Appendix VI; its code is OrganId.Year.Notation."""

    __tablename__ = "case_files"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "notation", name="uq_case_files_code"),
        Index("ix_case_files_agency_status", "agency_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    # FileCatalog: the year the case file was formed; FileNotation: its notation in the file list.
    year: Mapped[int] = mapped_column(Integer)
    notation: Mapped[str] = mapped_column(String(20))
    file_list_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("file_list_entries.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default=CaseFileStatus.OPEN)
    title: Mapped[str] = mapped_column(String(500))
    retention_years: Mapped[int | None] = mapped_column(Integer)
    access_regime: Mapped[str] = mapped_column(String(12), default=AccessRegime.OPEN)
    language: Mapped[str] = mapped_column(String(10), default="vi")
    # From its documents, kept up to date as they are filed and removed.
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    document_count: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    keywords: Mapped[str | None] = mapped_column(String(500))
    physical_state: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Written as it was: the export and the archive name the person after an account is gone.
    responsible_name: Mapped[str] = mapped_column(String(200))
    # Title, notation and keywords lowercased without diacritics (documents.fulltext.fold), for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship()
    responsible: Mapped[User | None] = relationship()
    entries: Mapped[list[CaseFileDocument]] = relationship(
        back_populates="case_file", cascade="all, delete-orphan", order_by="CaseFileDocument.ordinal"
    )
    history: Mapped[list[CaseFileEvent]] = relationship(
        cascade="all, delete-orphan", order_by="CaseFileEvent.id"
    )
    handover: Mapped[Handover | None] = relationship(back_populates="case_files")

    @property
    def code(self) -> str:
        """FileCode: OrganId.FileCatalog.FileNotation, e.g. `000.00.00.H49.2026.VX-05`."""
        return f"{self.agency_id}.{self.year}.{self.notation}"

    @property
    def handover_due(self) -> date | None:
        """The last day its hand-over to the archive is due: a year after it was closed (Vietnam calendar)."""
        if self.closed_at is None:
            return None
        return vietnam_date(self.closed_at) + timedelta(days=HANDOVER_PERIOD_DAYS)


class CaseFileDocument(Base):
    """A document filed in a case file at its ordinal (DocOrdinal, 1..n without gaps); once per agency."""

    __tablename__ = "case_file_documents"
    __table_args__ = (
        UniqueConstraint("agency_id", "document_id", name="uq_case_file_documents_document"),
        UniqueConstraint("case_file_id", "ordinal", name="uq_case_file_documents_ordinal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case_file: Mapped[CaseFile] = relationship(back_populates="entries")
    document: Mapped[Document] = relationship(lazy="joined")


class CaseFileEvent(Base):
    """One step in a case file's life: who did what, when, and why (an archivist's change says why)."""

    __tablename__ = "case_file_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Handover(Base):
    """Nộp lưu: closed case files handed to the agency archive by a deadline, received by an archivist."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=HandoverStatus.PROPOSED)
    deadline: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_by_name: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the responsible people were told that the deadline is near (once).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The list of case files (mục lục hồ sơ) and the hand-over record (biên bản giao nhận), as PDFs.
    list_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    record_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    case_files: Mapped[list[CaseFile]] = relationship(back_populates="handover", order_by="CaseFile.notation")
