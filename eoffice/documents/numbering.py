"""Arrival numbers and outgoing numbers: consecutive per agency, year and series, never twice, no gaps.

The counter row is incremented by one upsert inside the caller's transaction: the row lock it
takes (PostgreSQL) or the database write lock (SQLite) serialises concurrent registrations
until the commit, and a transaction that rolls back gives its number back. Callers take the
number as late as they can, after files are stored and rows are written, to hold the lock briefly.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from eoffice.documents.models import Confidentiality, Document, NumberCounter, TraceEntry
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


# The counter, the document and its trace entry in one statement: the counter row is locked from
# here until the commit, and the commit has nothing left to write.
_NUMBER_ARRIVAL = text("""
WITH taken AS (
    INSERT INTO number_counters (agency_id, year, series, last_number)
    VALUES (:agency_id, :year, :series, 1)
    ON CONFLICT (agency_id, year, series) DO UPDATE SET last_number = number_counters.last_number + 1
    RETURNING last_number
), numbered AS (
    UPDATE documents
    SET arrival_number = taken.last_number, arrival_year = :year, arrival_date = :day,
        version = documents.version + 1, updated_at = :now
    FROM taken
    WHERE documents.id = :document_id
    RETURNING documents.version
)
UPDATE document_trace
SET details = CAST(
    CAST(details AS jsonb)
    || jsonb_build_object('arrival_number', taken.last_number, 'arrival_date', CAST(:day_text AS text))
    AS json)
FROM taken, numbered
WHERE document_trace.id = :entry_id
RETURNING taken.last_number, numbered.version
""")


def number_arrival(document: Document, entry: TraceEntry, day: date, now: datetime) -> int:
    """Give a registered document the next arrival number of its agency and year, also in its trace entry.

    Called last, after every row of the registration is written (flushed here): the counter stays
    locked only until the commit.
    """
    db.session.flush()
    details = {"arrival_number": None, "arrival_date": day.isoformat()}
    if db.session.get_bind().dialect.name != "postgresql":
        number = details["arrival_number"] = take_number(document.agency_id, day.year, ARRIVAL_SERIES)
        document.arrival_number, document.arrival_year, document.arrival_date = number, day.year, day
        entry.details = {**entry.details, **details}
        return number
    number, version = db.session.execute(
        _NUMBER_ARRIVAL,
        {
            "agency_id": document.agency_id,
            "year": day.year,
            "series": ARRIVAL_SERIES,
            "day": day,
            "day_text": day.isoformat(),
            "now": now,
            "document_id": document.id,
            "entry_id": entry.id,
        },
    ).one()
    details["arrival_number"] = number
    for attribute, value in (
        ("arrival_number", number),
        ("arrival_year", day.year),
        ("arrival_date", day),
        ("version", version),
        ("updated_at", now),
    ):
        set_committed_value(document, attribute, value)
    set_committed_value(entry, "details", {**entry.details, **details})
    return number
