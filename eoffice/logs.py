"""Log lines, as text or one JSON object each, carrying the id of the request (or outbox row) they serve."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-Id"
# What a caller's id may be: an id someone greps for, never a line break or markup in our logs.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("eoffice_request_id", default=None)
log = logging.getLogger("eoffice.requests")


def current_request_id() -> str | None:
    """The id of the request this code serves, or of the outbox row a worker is delivering."""
    return _request_id.get()


@contextlib.contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Lines logged inside carry request_id (a worker delivering a row the request created)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so that a collector needs no parsing rules of its own."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "route", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = _request_id.get()
        return f"{line} [request {request_id}]" if request_id else line


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure(level: str, log_format: str) -> None:
    """The root logger's own handler, installed once per process and set to the latest settings."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        if root.handlers:
            # Someone configured logging before us (a test runner): leave it theirs, as basicConfig does.
            return
        handler = _StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    root.setLevel(level)


def gunicorn_logconfig(level: str) -> dict:
    """For EOFFICE_LOG_FORMAT=json under gunicorn: its own lines (start, workers, errors) and Python's
    warnings (gevent's, printed before the application is loaded) go through the JSON handler too."""
    logging.captureWarnings(True)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": f"{__name__}._StderrHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": level, "handlers": [], "propagate": False},
        },
        "root": {"level": level, "handlers": ["stderr"]},
    }


def init_app(app: Flask, log_format: str) -> None:
    """Give each request its id (the caller's X-Request-Id when acceptable) and return it."""

    @app.before_request
    def bind_request_id() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id_token = _request_id.set(request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def return_request_id(response):
        request_id = _request_id.get()
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if log_format == "json":
            # In place of gunicorn's access line, which is not JSON.
            started = g.get("request_started")
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": request.url_rule.rule if request.url_rule else None,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                },
            )
        return response

    @app.teardown_request
    def unbind_request_id(_exc) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):
                _request_id.reset(token)
