"""The search index of documents and the queue of files (PDFs, scans) whose text is still to be indexed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.storage.models import StoredFile


class DocumentSearch(Base):
    """The folded text of a document (eoffice.documents.fulltext): its metadata and its PDFs' text."""

    __tablename__ = "document_search"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    # The document's agency, copied here so that one index answers "these words in this agency"
    # (PostgreSQL: a GIN over agency_id and the body's tsvector, kept in the column body_tsv).
    agency_id: Mapped[str] = mapped_column(String(13))
    # What is searched: the metadata followed by file_text.
    body: Mapped[str] = mapped_column(Text, default="")
    # The folded text of the files so far, kept to rebuild body when the metadata changes.
    file_text: Mapped[str] = mapped_column(Text, default="")


class TextExtraction(Base):
    """A file of a document whose text is not in the search index yet: a PDF queued by an upload when text
    is extracted in the background (EOFFICE_TEXT_EXTRACTION), or a scan (a PDF with pages without text,
    an image) of an incoming document waiting for its OCR; removed by the worker that indexed it."""

    __tablename__ = "document_text_extractions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its text layer is indexed already (inline): queued only for the OCR of its pages without text.
    text_indexed: Mapped[bool] = mapped_column(Boolean, default=False)

    stored_file: Mapped[StoredFile] = relationship()
