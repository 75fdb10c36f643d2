"""What the validation of a stored PDF's signatures found, computed once in the background."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.storage.models import StoredFile


class SignatureCheck(Base):
    """One per stored PDF: queued while checked_at is None, then the signatures found (maybe none)."""

    __tablename__ = "signature_checks"
    __table_args__ = (Index("ix_signature_checks_queued", "checked_at", "created_at"),)

    stored_file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signatures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Why the file could not be read as a PDF, when it could not.
    error: Mapped[str | None] = mapped_column(String(500))

    stored_file: Mapped[StoredFile] = relationship()

    @property
    def state(self) -> str:
        """pending (queued), done (signatures holds what was found, maybe none) or failed (error says why)."""
        if self.checked_at is None:
            return "pending"
        return "failed" if self.error is not None else "done"
