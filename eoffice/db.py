"""The declarative base and column types shared by every feature's models."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime

from sqlalchemy import ARRAY, DateTime, MetaData, bindparam, create_engine, event, exc, func
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction
from sqlalchemy.sql import Executable
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeDecorator, TypeEngine

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


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before it is handed out, as pool_pre_ping does, but only when it sat in
    the pool longer than idle_seconds: a connection in steady use (every request and every Socket.IO
    event takes one) is not asked a round trip each time. One the server dropped while it was in use
    fails that request; SQLAlchemy then invalidates the pool, and the next checkouts connect anew."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError() from error  # the pool connects again and retries
            raise


def autocommit_engine(engine: Engine, pool_size: int, max_overflow: int, connect_args: dict) -> Engine:
    """An engine whose statements each run on their own (no BEGIN, no ROLLBACK), for the hot paths of one
    statement outside the request's session: a Socket.IO connect's token check, a join, a page turn,
    the devices seen in the last second. Its own small pool of connections kept in autocommit, since
    switching a pooled connection in and out of it at every checkout costs more than the statement;
    disposed with `engine`. Its commits are as durable as the session's: a page turn's `seq`, once
    broadcast, must not go back after a crash of the database. On SQLite (the embedded default) it
    shares `engine`'s pool."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    statements = create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args=connect_args,
    )
    event.listen(engine, "engine_disposed", lambda _connection: statements.dispose())
    return statements


def autocommit() -> Connection:
    """A connection of the application's autocommit engine (see autocommit_engine), for a `with`."""
    from flask import current_app

    return current_app.extensions["eoffice"]["autocommit"].connect()


def keys_table(**columns: type[TypeEngine] | TypeEngine) -> TableValuedAlias:
    """PostgreSQL: many keys as one FROM, `wanted`, each column bound as one array named `<column>s`, so a
    statement over it has one text whatever the number of keys (see rows_by_key)."""
    arrays = (bindparam(f"{name}s", type_=ARRAY(type_)) for name, type_ in columns.items())
    return func.unnest(*arrays).table_valued(*columns).render_derived(name="wanted")


def rows_by_key(
    one: Executable, many: Executable, names: tuple[str, ...], keys: Sequence[tuple[Hashable, ...]]
) -> dict[tuple[Hashable, ...], Row]:
    """Each key's row, on an autocommit connection: on PostgreSQL `many` once for all keys (a statement
    over keys_table(<names>) whose rows end with their key's columns), elsewhere (the embedded SQLite)
    `one` for each key, its parameters named `names`. A key without a row is missing."""
    with autocommit() as connection:
        if connection.dialect.name != "postgresql":
            found = {
                key: connection.execute(one, dict(zip(names, key, strict=True))).one_or_none()
                for key in set(keys)
            }
            return {key: row for key, row in found.items() if row is not None}
        arrays = {f"{name}s": [key[i] for key in keys] for i, name in enumerate(names)}
        return {tuple(row[-len(names) :]): row for row in connection.execute(many, arrays)}


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
