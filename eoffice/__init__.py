"""The e-office server: create_app builds the application from settings."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from eoffice import logs, metrics, socketio_fanout, socketio_json
from eoffice.api_base import ApiRequest, JsonErrorApi, install_converters
from eoffice.config import Settings
from eoffice.db import autocommit_engine, ping_when_idle
from eoffice.extensions import db, migrate, socketio
from eoffice.sessions import NoCookieSessions

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(settings: Settings | None = None) -> Flask:
    settings = (settings if settings is not None else Settings.from_env()).resolve_secrets()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(settings.log_level, settings.log_format)

    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.request_class = ApiRequest
    app.session_interface = NoCookieSessions()
    # First of the request hooks: a request refused by a later one is still timed and carries its id.
    metrics.init_app(app)
    logs.init_app(app, settings.log_format)
    install_converters(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.effective_database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=settings.max_json_size,
        API_TITLE="e-office",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count)

    from eoffice.storage.factory import build_storage

    app.extensions["eoffice"] = {"settings": settings, "storage": build_storage(settings)}

    import eoffice.models  # noqa: F401 - every table registered before migrations run

    db.init_app(app)
    with app.app_context():
        # The hot paths' engine: on PostgreSQL a pool of its own, half the size of the session's.
        autocommit = autocommit_engine(db.engine, **_pool_options(max(2, settings.database_pool_size // 2)))
        app.extensions["eoffice"]["autocommit"] = autocommit
        pools = {"session": db.engine}
        if not settings.is_embedded_database:  # embedded: the autocommit engine shares the session's pool
            pools["autocommit"] = autocommit
        for name, engine in pools.items():
            metrics.watch_pool(engine, name)
            if not settings.is_embedded_database:
                ping_when_idle(engine, idle_seconds=10)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    socketio.init_app(
        app,
        # Rooms shared through Redis when it is configured; broadcasts framed once (socketio_fanout).
        client_manager=socketio_fanout.client_manager(
            settings.redis_url, settings.redis_channel, settings.redis_timeout
        ),
        async_mode=_socketio_async_mode(settings),
        cors_allowed_origins=[],
        json=socketio_json,
    )
    app.wsgi_app = socketio_fanout.WebSocketOutboxMiddleware(app.wsgi_app)
    import meetings.live

    meetings.live.init_app(socketio, settings)
    # One Api per application: it holds that application's OpenAPI document.
    api = JsonErrorApi(app, spec_kwargs={"security": [{"bearer": []}]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    from eoffice.devices.schemas import document_devices

    document_devices(api.spec)
    _register_blueprints(api)
    from eoffice.auth.session import authenticate_first

    app.before_request(authenticate_first)
    from eoffice import web

    web.init_app(app)

    from eoffice import cli

    cli.register(app)
    from eoffice.axis.outbound import follow_document_steps
    from eoffice.documents import events

    events.subscribe(follow_document_steps)
    from eoffice.mailbox import operations as mailbox

    events.subscribe(mailbox.follow_document_steps)
    _register_file_owners()

    if settings.should_auto_migrate:
        with app.app_context(), _migration_lock(settings.instance_dir):
            from flask_migrate import upgrade

            upgrade(directory=MIGRATIONS_DIR)
    return app


def _under_gevent() -> bool:
    """Whether gevent patched this process (the gunicorn workers), not merely installed."""
    from gevent import monkey

    return monkey.is_module_patched("socket")


def _socketio_async_mode(settings: Settings) -> str:
    if settings.socketio_async_mode:
        return settings.socketio_async_mode
    # Socket.IO would pick gevent whenever it is installed. Without gevent's patches every socket
    # call blocks the one thread all requests share: one upload waiting on a frozen object store
    # froze the whole `python wsgi.py` server. Unpatched, a thread per request keeps the rest going.
    return "gevent" if _under_gevent() else "threading"


@contextlib.contextmanager
def _migration_lock(instance_dir: Path) -> Iterator[None]:
    """One upgrade at a time: `make serve` starts several processes on the same instance at once."""
    with open(instance_dir / "migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _engine_options(settings: Settings) -> dict:
    if settings.is_embedded_database:
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {
        # Under gevent (the production servers) a fixed pool: a hall's tablets arriving at once made the
        # pool open and drop overflow connections by the hundred, and PostgreSQL starting a backend for
        # each cost more than a greenlet's wait for a pooled one. Threaded processes (`python wsgi.py`,
        # whose background workers each hold a connection while they work) keep as many again for peaks.
        **_pool_options(settings.database_pool_size)
    }


def _pool_options(size: int) -> dict:
    return {
        "pool_size": size,
        "max_overflow": 0 if _under_gevent() else 2 * size,
        # A bounded connect keeps /readyz and requests from hanging on a host that drops packets.
        "connect_args": {"connect_timeout": 5},
    }


def _register_file_owners() -> None:
    """The features whose rules decide who reads the files they own (eoffice.storage.access)."""
    from eoffice.documents.policy import document_file_readable, owns_document_file
    from eoffice.records.policy import handover_file_readable, owns_handover_file
    from eoffice.storage import access
    from meetings import policy as meeting_policy

    access.register_owner(document_file_readable, owns_document_file)
    access.register_owner(meeting_policy.may_read_file, meeting_policy.owns_file)
    access.register_owner(handover_file_readable, owns_handover_file)


def _register_blueprints(api: JsonErrorApi) -> None:
    from eoffice.accounts.api import blp as accounts_blp
    from eoffice.accounts.api import directory_blp
    from eoffice.audit.api import blp as audit_blp
    from eoffice.auth.api import blp as auth_blp
    from eoffice.devices.api import blp as devices_blp
    from eoffice.documents.api import blp as documents_blp
    from eoffice.documents.reports_api import blp as document_reports_blp
    from eoffice.health import blp as health_blp
    from eoffice.mail.api import blp as mail_blp
    from eoffice.mailbox.api import blp as mailbox_blp
    from eoffice.records.api import blp as records_blp
    from eoffice.signing.api import blp as signing_blp
    from eoffice.storage.api import blp as storage_blp
    from meetings.api import blp as meetings_blp
    from meetings.minutes.api import blp as meeting_minutes_blp
    from meetings.offline.api import blp as meeting_offline_blp

    for blueprint in (
        health_blp,
        auth_blp,
        devices_blp,
        accounts_blp,
        directory_blp,
        audit_blp,
        storage_blp,
        mail_blp,
        signing_blp,
        documents_blp,
        document_reports_blp,
        records_blp,
        mailbox_blp,
        meetings_blp,
        meeting_minutes_blp,
        meeting_offline_blp,
    ):
        api.register_blueprint(blueprint)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
