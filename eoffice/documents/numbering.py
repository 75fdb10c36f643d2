"""Arrival numbers and outgoing numbers: consecutive per agency, year and series, never twice, no gaps.

The counter row is incremented by one upsert inside the caller's transaction: the row lock it
takes (PostgreSQL) or the database write lock (SQLite) serialises concurrent registrations
until the commit, and a transaction that rolls back gives its number back. Callers take the
number as late as they can, after files are stored and rows are written, to hold the lock briefly.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from eoffice.documents.models import Confidentiality, Document, NumberCounter
from eoffice.extensions import db

ARRIVAL_SERIES = "arrival"
GENERAL_SERIES = "general"
CONFIDENTIAL_SERIES = "confidential"
LEGAL_SERIES_PREFIX = "legal:"


def outgoing_series(document: Document) -> str:
    """Confidential documents have their own series; legal normative ones one per type; the rest share one."""
    if document.confidentiality != Confidentiality.NONE:
        return CONFIDENTIAL_SERIES
    if document.is_legal_normative:
        return f"{LEGAL_SERIES_PREFIX}{document.document_type}"
    return GENERAL_SERIES


def take_number(agency_id: str, year: int, series: str) -> int:
    """The next number of the series, counted in the current transaction."""
    table = NumberCounter.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(agency_id=agency_id, year=year, series=series, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.agency_id, table.c.year, table.c.series],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
    db.session.flush()
    return db.session.execute(statement).scalar_one()
