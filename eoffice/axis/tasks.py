"""The axis worker: sends the axis outbox and takes what arrived, pass after pass."""

from __future__ import annotations

import logging
import threading

from eoffice.axis.connector import Connector
from eoffice.axis.delivery import send_due
from eoffice.axis.inbound import receive_pending
from eoffice.extensions import db
from eoffice.runtime import settings

log = logging.getLogger(__name__)


def run_pass(connector: Connector, batch_size: int) -> int:
    """Send what is due, then take what is pending; how many messages went either way."""
    moved = 0
    for step in (send_due, receive_pending):
        try:
            moved += step(connector, batch_size)
        except Exception:  # noqa: BLE001 - the worker outlives a database or network hiccup
            log.exception("axis worker: %s failed", step.__name__)
            db.session.rollback()
        finally:
            db.session.remove()
    return moved


def run_worker(
    app,
    stop: threading.Event,
    *,
    poll_interval: float | None = None,
    batch_size: int = 20,
    exit_when_idle: bool = False,
) -> None:
    with app.app_context():
        connector = Connector(settings())
        interval = settings().axis_poll_interval if poll_interval is None else poll_interval
        try:
            while not stop.is_set():
                if run_pass(connector, batch_size) == 0:
                    if exit_when_idle:
                        return
                    stop.wait(interval)
        finally:
            connector.close()
