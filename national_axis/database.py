"""The mock axis's engine and per-request session; SQLite made safe for a threaded server."""

from __future__ import annotations

import contextvars
import secrets

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from national_axis.models import Base, Setting

# Set by a request that is going to write: on SQLite its transaction then starts with BEGIN IMMEDIATE,
# taking the write lock up front (waiting for it), instead of failing with "database is locked"
# when a read transaction later tries to become a write transaction under a concurrent writer.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("axis_write_intent", default=False)


def build_engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # The driver's own transaction handling off: the begin hook below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL survives any crash of the process (what a restart test does); only a power
        # loss may take back the last commits. It saves an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")

    return engine


def create_schema(engine: sa.Engine) -> None:
    """create_all, tolerant of another process creating the same tables at the same moment."""
    try:
        Base.metadata.create_all(engine)
    except (IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
        Base.metadata.create_all(engine)


def session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "axis_session" not in g:
        g.axis_session = current_app.extensions["national_axis"]["sessionmaker"]()
    return g.axis_session


def begin_write() -> None:
    """From here on the request writes: end its read transaction; the next one starts as a writer.

    On SQLite the next transaction takes the write lock at once (see _write_intent). Expensive work
    (parsing, signature checks) is done before this, so the lock is held only for the write itself.
    """
    session().rollback()
    _write_intent.set(True)


def close_session(_exc: BaseException | None = None) -> None:
    axis_session = g.pop("axis_session", None)
    if axis_session is not None:
        axis_session.close()
    _write_intent.set(False)


def persistent_secret(factory: sessionmaker, name: str) -> str:
    """A random value generated on first start and read back on every later one, by any process."""
    with factory() as db:
        found = db.get(Setting, name)
        if found is not None:
            return found.value
        db.add(Setting(name=name, value=secrets.token_urlsafe(48)))
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
        return db.get(Setting, name).value
