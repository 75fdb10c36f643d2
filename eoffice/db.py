"""The declarative base and column types shared by every feature's models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
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
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def savepoint(session: Session) -> SessionTransaction:
    """session.begin_nested() that nests on SQLite too.

    pysqlite opens no transaction before a SAVEPOINT (only before DML), so SQLite would take the
    SAVEPOINT as the outermost transaction and its RELEASE would commit everything at once.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    return session.begin_nested()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Schema objects that migrations create outside the models (full-text search machinery).
_UNMODELLED_PREFIXES = (
    "document_search_fts",
    "ix_document_search_body_tsv",
    "ix_document_search_agency_tsv",
    "body_tsv",
)


def include_in_autogenerate(name: str | None, type_: str, parent_names) -> bool:
    """For Alembic's include_name: leave the migration-only objects out of model comparisons."""
    return not (name or "").startswith(_UNMODELLED_PREFIXES)
