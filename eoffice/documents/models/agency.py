"""What the document flow keeps per agency: its number counters and its settings."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.db import Base


class NumberCounter(Base):
    """The last number given in one series of one agency and year (arrival numbers are a series too)."""

    __tablename__ = "number_counters"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class DocumentSettings(Base):
    """Per-agency settings of the document flow; an agency without a row gets the defaults."""

    __tablename__ = "document_settings"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    review_levels: Mapped[int] = mapped_column(Integer, default=1)
