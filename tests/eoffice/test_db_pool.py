"""The pool checks a connection only after it sat idle (eoffice.db.ping_when_idle), on PostgreSQL, and
the hot paths' statements run without BEGIN and ROLLBACK on an engine of their own that goes with the
session's (eoffice.db.autocommit_engine)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eoffice.db import autocommit_engine, ping_when_idle


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


def test_the_autocommit_engine_leaves_no_transaction_open_and_goes_with_the_sessions_engine(postgres_url):
    engine = sa.create_engine(postgres_url, pool_size=1, max_overflow=0)
    autocommit = autocommit_engine(engine, pool_size=1, max_overflow=0, connect_args={})
    try:
        assert autocommit.pool is not engine.pool
        with autocommit.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
            # No transaction is open on the server: the connection is idle between statements.
            assert connection.connection.driver_connection.info.transaction_status.name == "IDLE"
            # Its commits are as durable as the session's: a page turn's seq must not go back after a
            # crash of the database.
            durability = connection.execute(sa.text("SHOW synchronous_commit")).scalar_one()
        with Session(engine) as session:  # the session's unit of work is a transaction as before
            session.execute(sa.text("SELECT 1"))
            status = session.connection().connection.driver_connection.info.transaction_status
            assert session.execute(sa.text("SHOW synchronous_commit")).scalar_one() == durability == "on"
        assert status.name == "INTRANS"
        assert autocommit.pool.checkedin() == 1
        engine.dispose()  # as the application's teardown does: the autocommit pool's connections close too
        assert autocommit.pool.checkedin() == 0
    finally:
        engine.dispose()
        autocommit.dispose()


def test_the_autocommit_engine_keeps_the_options_of_the_database_url(postgres_url):
    url = sa.engine.make_url(postgres_url).update_query_dict({"options": "-c statement_timeout=4321"})
    engine = sa.create_engine(url)
    autocommit = autocommit_engine(engine, pool_size=1, max_overflow=0, connect_args={})
    try:
        with autocommit.connect() as connection:
            assert connection.execute(sa.text("SHOW statement_timeout")).scalar_one() == "4321ms"
    finally:
        engine.dispose()
        autocommit.dispose()


def test_on_sqlite_the_autocommit_engine_shares_the_sessions_pool(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    autocommit = autocommit_engine(engine, pool_size=1, max_overflow=0, connect_args={})
    try:
        assert autocommit.pool is engine.pool
        with autocommit.connect() as connection:
            connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        # Committed by itself: another connection sees the row.
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT x FROM t")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_full_autocommit_pool_shows_under_its_own_label(app):
    """The connect and join pool (eoffice.db.autocommit) runs full on its own: its gauges say so and
    the session pool's do not move."""
    from prometheus_client import REGISTRY

    from eoffice.db import autocommit

    def gauge(name: str, pool: str) -> float:
        return REGISTRY.get_sample_value(f"eoffice_db_connections_{name}", {"pool": pool}) or 0.0

    size = app.extensions["eoffice"]["autocommit"].pool.size()
    before = {pool: gauge("in_use", pool) for pool in ("session", "autocommit")}
    assert gauge("limit", "autocommit") >= size
    with app.app_context():
        held = [autocommit() for _ in range(size)]
        try:
            assert gauge("in_use", "autocommit") - before["autocommit"] == size
            assert gauge("in_use", "session") == before["session"]
        finally:
            for connection in held:
                connection.close()
    assert gauge("in_use", "autocommit") == before["autocommit"]
