"""The Alembic revisions build exactly the models' schema on SQLite and PostgreSQL, and undo it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import eoffice.models  # noqa: F401 - every table in the metadata before it is read below
from eoffice import MIGRATIONS_DIR, create_app
from eoffice.audit.operations import record_event
from eoffice.db import include_in_autogenerate
from eoffice.extensions import db
from tests.conftest import make_settings, service_missing

ROOT = Path(__file__).resolve().parents[2]
APPLICATION_TABLES = set(db.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path) -> Iterator[str]:
    """A database with no tables at all, on the embedded SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server_url = os.environ.get("EOFFICE_TEST_DATABASE_URL")
    if not server_url:
        service_missing("PostgreSQL not configured: set EOFFICE_TEST_DATABASE_URL")
    name = f"eoffice_migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_missing(f"PostgreSQL unreachable at {server_url}: {exc.orig}")
    try:
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_app(empty_database_url, tmp_path):
    """An app whose start-up upgraded the empty database to the newest revision."""
    app = create_app(
        make_settings(
            tmp_path / "instance", EOFFICE_DATABASE_URL=empty_database_url, EOFFICE_AUTO_MIGRATE="true"
        )
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_in_autogenerate})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_creates_every_table_of_the_models(migrated_app):
    assert APPLICATION_TABLES <= table_names()
    assert "alembic_version" in table_names()


def test_migrated_schema_matches_the_models(migrated_app):
    assert schema_differences() == []


def test_downgrade_to_base_removes_every_application_table(migrated_app):
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")

    assert table_names() & APPLICATION_TABLES == set()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            functions = connection.scalars(
                sa.text(
                    "SELECT proname FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pronamespace "
                    "WHERE nspname = 'public'"
                )
            ).all()
        assert functions == []


def test_upgrade_after_downgrade_rebuilds_the_same_schema(migrated_app):
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")

    flask_migrate.upgrade(directory=MIGRATIONS_DIR)

    assert APPLICATION_TABLES <= table_names()
    assert schema_differences() == []


def test_refresh_tokens_issued_before_sessions_existed_keep_working_as_sessions(migrated_app):
    """0012 makes each refresh-token family a session: live if one of its tokens is, ended otherwise."""
    flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="0011")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO agencies (id, name, created_at) VALUES ('000.00.00.H49', 'UBND', :now)"),
            {"now": "2026-11-20 08:00:00"},
        )
        connection.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, full_name, agency_id, language, is_active, "
                "is_platform_admin, created_at, updated_at) VALUES (1, 'vanthu', 'x', 'Văn thư', "
                "'000.00.00.H49', 'vi', true, false, :now, :now)"
            ),
            {"now": "2026-11-20 08:00:00"},
        )
        tokens = [
            ("live", "h1", "2026-11-20 08:00:00", "2026-11-20 09:00:00"),
            ("live", "h2", "2026-11-20 09:00:00", None),
            ("ended", "h3", "2026-11-20 08:30:00", "2026-11-20 10:00:00"),
        ]
        for family, token_hash, created, revoked in tokens:
            connection.execute(
                sa.text(
                    "INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, expires_at, "
                    "revoked_at) VALUES (1, :family, :hash, :created, '2026-12-01 00:00:00', :revoked)"
                ),
                {"family": family, "hash": token_hash, "created": created, "revoked": revoked},
            )

    flask_migrate.upgrade(directory=MIGRATIONS_DIR)

    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, user_id, revoked_at IS NULL FROM auth_sessions ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [("ended", 1, False), ("live", 1, True)]


def test_audit_log_is_append_only_in_the_database(app):
    row_id = record_event("user.created", actor_username="quantri", details={"username": "vanthu"}).id
    db.session.commit()

    for statement in (
        "UPDATE audit_events SET event = 'user.deleted' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": row_id})
            db.session.commit()
        db.session.rollback()

    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, event, actor_username FROM audit_events")).all()
    assert [tuple(row) for row in rows] == [(row_id, "user.created", "quantri")]


def test_audit_log_accepts_new_events_after_refused_changes(app):
    first = record_event("user.created").id
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM audit_events"))
    db.session.rollback()

    second = record_event("user.deactivated").id
    db.session.commit()

    assert db.session.scalars(sa.text("SELECT id FROM audit_events ORDER BY id")).all() == [first, second]


def test_flask_db_upgrade_command_migrates_a_new_database(tmp_path):
    database = tmp_path / "fresh.db"
    environ = {name: value for name, value in os.environ.items() if not name.startswith("EOFFICE_")}
    environ.update(
        EOFFICE_INSTANCE_PATH=str(tmp_path / "instance"),
        EOFFICE_DATABASE_URL=f"sqlite:///{database}",
        # Leave the upgrade to the command, not to the start-up of the app it loads.
        EOFFICE_AUTO_MIGRATE="false",
    )

    result = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        assert APPLICATION_TABLES <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) is not None
    finally:
        engine.dispose()
