"""Fixtures building real things: an app on SQLite and on PostgreSQL, users, logged-in clients."""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from eoffice import create_app
from eoffice.config import Settings
from eoffice.extensions import db

pytest_plugins = [
    "tests.fixtures.s3",
    "tests.fixtures.smtp",
    "tests.fixtures.axis",
    "tests.fixtures.signing",
    "tests.fixtures.imap",
]

REQUIRE_SERVICES = os.environ.get("EOFFICE_TEST_REQUIRE_SERVICES") == "1"
TEST_PASSWORD = "Mật-khẩu-2026"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost in this process (the e2e servers, separate processes, keep the real one).

    At the production cost a hash or a check takes ~130 ms of CPU: almost half of the time of the
    modules that create users and log in. The algorithm, the encoded form and every code path stay
    the same; only the parameters change.
    """
    from argon2 import PasswordHasher

    from eoffice.accounts import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_hasher", cheap)
    patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not a real password"))
    yield
    patch.undo()


def service_missing(reason: str) -> None:
    """Skip on a developer laptop; fail in CI, where every service must be present."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (EOFFICE_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@contextlib.contextmanager
def statements_run(engine: sa.Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block, in order."""
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)


def make_settings(instance: Path, **env: str) -> Settings:
    base = {
        "EOFFICE_INSTANCE_PATH": str(instance),
        "EOFFICE_SECRET_KEY": "test-secret-" + "x" * 40,
        "EOFFICE_JWT_KEYS": "test-1:" + "k" * 48,
        "EOFFICE_LOG_LEVEL": "WARNING",
        "EOFFICE_SOCKETIO_ASYNC_MODE": "threading",
        "EOFFICE_SIGNING_PIN": "test-signing-pin",
        # The test CA's CRL is read from the instance folder; nothing is fetched.
        "EOFFICE_SIGNING_FETCH_REVOCATION": "false",
    }
    return Settings.from_env({**base, **env})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test instead of migrating again."""
    instance = tmp_path_factory.mktemp("template")
    create_app(make_settings(instance))
    return instance / "eoffice.db"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end."""
    server_url = os.environ.get("EOFFICE_TEST_DATABASE_URL")
    if not server_url:
        service_missing("PostgreSQL not configured: set EOFFICE_TEST_DATABASE_URL")
    name = f"eoffice_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        service_missing(f"PostgreSQL unreachable at {server_url}: {exc.orig}")
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_url, tmp_path_factory) -> str:
    app = create_app(
        make_settings(
            tmp_path_factory.mktemp("pg"), EOFFICE_DATABASE_URL=postgres_url, EOFFICE_AUTO_MIGRATE="true"
        )
    )
    with app.app_context():
        db.engine.dispose()
    return postgres_url


def _truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    """Each test using it runs on the embedded SQLite default and on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "instance" / "eoffice.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("postgres_migrated")
    yield url
    _truncate_all(url)


@pytest.fixture
def app_env() -> dict[str, str]:
    """Extra EOFFICE_* settings for the `app` fixture; override in a test module to change them."""
    return {}


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own application context, session and `g`, as in production.

    The test itself keeps an application context open to look at the database; without this,
    Flask would reuse that context for every request and share one session between them.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # End the test's own read transaction so it sees what the request committed.
        db.session.rollback()
        return response


@pytest.fixture
def app(database_url, tmp_path, app_env, signing_authority_dir):
    from tests.fixtures.signing import install_authority

    install_authority(signing_authority_dir, tmp_path / "instance")
    flask_app = create_app(make_settings(tmp_path / "instance", EOFFICE_DATABASE_URL=database_url, **app_env))
    flask_app.testing = True
    flask_app.test_client_class = RequestIsolatingClient
    with flask_app.app_context():
        yield flask_app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class FailingCommits:
    """From start() to stop(), every commit fails as if the database went away; `keys` are the objects
    stored meanwhile."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.keys: list[str] = []
        self._monkeypatch = monkeypatch

    def start(self) -> None:
        from eoffice.runtime import storage

        real_put = type(storage()).put

        def remember(backend, key, *args, **kwargs):
            self.keys.append(key)
            return real_put(backend, key, *args, **kwargs)

        def connection_killed(session):
            raise sa.exc.OperationalError(
                "COMMIT", {}, Exception("server closed the connection unexpectedly")
            )

        self._monkeypatch.setattr(type(storage()), "put", remember)
        self._monkeypatch.setattr(sa.orm.Session, "commit", connection_killed)

    def stop(self) -> None:
        self._monkeypatch.undo()

    def objects_left(self) -> list[str]:
        """The keys stored while commits failed whose objects are still in the store."""
        from eoffice.runtime import storage
        from eoffice.storage.backend import ObjectNotFound

        left = []
        for key in self.keys:
            try:
                storage().stat(key)
            except ObjectNotFound:
                continue
            left.append(key)
        return left


@pytest.fixture
def failing_commits(app, monkeypatch) -> FailingCommits:
    """For upload paths that must leave no object behind when their commit fails."""
    return FailingCommits(monkeypatch)


@pytest.fixture
def agency(app):
    from tests.factories import create_agency

    return create_agency("000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Nam", units=["Văn phòng"])


@pytest.fixture
def login(client):
    """login(username, password=TEST_PASSWORD) -> headers with a bearer token."""

    def do_login(username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
        response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return do_login
