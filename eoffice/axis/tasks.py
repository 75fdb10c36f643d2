"""The axis worker: sends the axis outbox and takes what arrived, pass after pass."""

from __future__ import annotations

import logging
import threading
import time

from eoffice.axis.connector import Connector
from eoffice.axis.delivery import send_due
from eoffice.axis.directory import sync_agencies
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


def refresh_directory(connector: Connector) -> None:
    """The agency directory from the axis's list; an unreachable axis leaves the last one in place."""
    try:
        count = sync_agencies(connector)
        db.session.commit()
        log.info("axis worker: %d agencies in the directory", count)
    except Exception:  # noqa: BLE001 - the worker outlives a database or network hiccup
        log.warning("axis worker: the directory of agencies was not refreshed", exc_info=True)
        db.session.rollback()
    finally:
        db.session.remove()


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
        directory_due = 0.0
        try:
            while not stop.is_set():
                if connector.is_configured and time.monotonic() >= directory_due:
                    refresh_directory(connector)
                    directory_due = time.monotonic() + settings().axis_directory_interval
                if run_pass(connector, batch_size) == 0:
                    if exit_when_idle:
                        return
                    stop.wait(interval)
        finally:
            connector.close()
