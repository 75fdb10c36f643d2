"""The pool checks a connection only after it sat idle (eoffice.db.ping_when_idle), on PostgreSQL, and
read-only work runs without BEGIN and ROLLBACK (eoffice.db.reads_in_autocommit)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eoffice.db import ping_when_idle, reads_in_autocommit


@pytest.fixture
def engine(postgres_url):
    engine = sa.create_engine(postgres_url, pool_size=1, max_overflow=0)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(1) or original(connection)
    engine.pings = pings
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(postgres_url: str, pid: int) -> None:
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_one_idle_is(engine):
    ping_when_idle(engine, idle_seconds=0.5)
    for _ in range(5):
        _backend_pid(engine)
    assert engine.pings == []
    time.sleep(0.6)
    _backend_pid(engine)
    assert engine.pings == [1]


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_anyone_uses_it(engine, postgres_url):
    ping_when_idle(engine, idle_seconds=0.2)
    dropped = _backend_pid(engine)
    _terminate(postgres_url, dropped)
    time.sleep(0.3)
    # The request after the drop gets a working connection, to another backend.
    assert _backend_pid(engine) != dropped


def test_reads_in_autocommit_leave_no_transaction_open_on_the_server(postgres_url):
    engine = sa.create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        with Session(engine) as session:
            reads_in_autocommit(session)
            assert session.execute(sa.text("SELECT 1")).scalar_one() == 1
            # No transaction is open on the server: the connection is idle between statements.
            status = session.connection().connection.driver_connection.info.transaction_status
            session.commit()
        assert status.name == "IDLE"
        with Session(engine) as session:  # the next unit of work is a transaction again
            session.execute(sa.text("SELECT 1"))
            status = session.connection().connection.driver_connection.info.transaction_status
        assert status.name == "INTRANS"
    finally:
        engine.dispose()
