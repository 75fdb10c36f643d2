"""Prometheus metrics, served on EOFFICE_METRICS_PORT by a listener of their own, never by the public app.

Under gunicorn every worker writes its figures to PROMETHEUS_MULTIPROC_DIR (the gunicorn configuration
sets it before anything imports prometheus_client) and the listener, in the gunicorn master, adds them
up; under `python wsgi.py` the listener reads the process's own figures. The outbox backlogs are read
from the database at each scrape, so any listener shows them, whichever process queued the rows.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from eoffice.db import utcnow

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "eoffice_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (the URL rule, not the path), method and status.",
    ["route", "method", "status"],
)
SOCKETS = Gauge(
    "eoffice_socketio_connections",
    "Socket.IO connections to the live meeting room held by the server processes.",
    multiprocess_mode="livesum",
)
ROOMS = Gauge(
    "eoffice_socketio_meeting_rooms",
    "Meetings with at least one joined connection, counted in each server process and summed.",
    multiprocess_mode="livesum",
)
BROADCAST_SECONDS = Histogram(
    "eoffice_socketio_broadcast_seconds",
    "Time a server process takes to hand one broadcast to every recipient it holds.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
# By pool: "session" (the ORM's) and "autocommit" (eoffice.db.autocommit_engine: connect, join, page turn), so
# that either one running full shows on its own.
DB_CONNECTIONS_IN_USE = Gauge(
    "eoffice_db_connections_in_use",
    "Database connections checked out of the processes' pools, by pool (session, autocommit).",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_LIMIT = Gauge(
    "eoffice_db_connections_limit",
    "Database connections the processes' pools may open (pool size and overflow), by pool.",
    ["pool"],
    multiprocess_mode="livesum",
)


def init_app(app: Flask) -> None:
    """Time every request under its route; registered first so that it sees requests refused early."""

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe_request(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response


def watch_pool(engine: Engine, name: str) -> None:
    """Count the connections one of the application's pools hands out (not the listener's own), under
    the `pool` label `name`."""
    pool = engine.pool
    limit = getattr(pool, "size", lambda: 0)() + max(0, getattr(pool, "_max_overflow", 0))
    if limit:
        DB_CONNECTIONS_LIMIT.labels(name).inc(limit)
    in_use = DB_CONNECTIONS_IN_USE.labels(name)
    sa.event.listen(pool, "checkout", lambda *_: in_use.inc())
    sa.event.listen(pool, "checkin", lambda *_: in_use.dec())


class OutboxBacklog(Collector):
    """Rows waiting in each outbox and the age of the oldest, read from the database at each scrape."""

    def __init__(self, database_url: str):
        # Its own engine without a pool: a scrape every few seconds needs no connection kept open.
        self.engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from eoffice.axis.models import AxisSend, SendStatus
        from eoffice.documents.models import TextExtraction
        from eoffice.mail.models import MessageStatus, OutboxMessage

        waiting = {
            "mail": (OutboxMessage, OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.SENDING])),
            "axis": (AxisSend, AxisSend.status.in_([SendStatus.PENDING, SendStatus.SENDING])),
            "text_extraction": (TextExtraction, sa.true()),
        }
        rows = GaugeMetricFamily(
            "eoffice_outbox_backlog",
            "Rows waiting to be delivered or processed, by outbox.",
            labels=["outbox"],
        )
        ages = GaugeMetricFamily(
            "eoffice_outbox_oldest_age_seconds",
            "Age of the oldest waiting row, by outbox (0 when none waits).",
            labels=["outbox"],
        )
        now = utcnow()
        try:
            with self.engine.connect() as connection:
                for name, (model, condition) in waiting.items():
                    count, oldest = connection.execute(
                        sa.select(sa.func.count(), sa.func.min(model.created_at)).where(condition)
                    ).one()
                    rows.add_metric([name], count)
                    ages.add_metric([name], _age_seconds(now, oldest))
        except sa.exc.SQLAlchemyError as exc:
            # The process figures are still worth a scrape; /readyz says what is down.
            log.warning("outbox backlog not read: %s", exc)
            return
        yield rows
        yield ages


def _age_seconds(now, oldest) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite keeps no zone; the column holds UTC
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


class _ThisProcess(Collector):
    def collect(self):
        yield from REGISTRY.collect()


def registry(database_url: str) -> CollectorRegistry:
    """Every process's figures (one process's without PROMETHEUS_MULTIPROC_DIR) and the backlogs."""
    collected = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(collected)
    else:
        collected.register(_ThisProcess())
    collected.register(OutboxBacklog(database_url))
    return collected


def serve(host: str, port: int, database_url: str) -> None:
    """Start the listener (a thread) answering GET /metrics on host:port."""
    start_http_server(port, addr=host, registry=registry(database_url))
    log.info("metrics on http://%s:%d/metrics", host, port)


def forget_process(pid: int) -> None:
    """A gunicorn worker ended: its live gauges (connections, pool use) no longer count."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)
