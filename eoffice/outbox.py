"""What every outbox shares (mail, national axis): leasing due rows to one worker, and retry backoff.

An outbox model has `id`, `status` ("pending" → "sending" while leased → a final state),
`attempts`, `next_attempt_at`, `lease_until` and `lease_token`. A worker claims due rows under a
lease in one committed statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never
take the same row nor wait on each other); a crashed worker's rows become due again when the lease
runs out. Outcomes are recorded only where the row still carries the worker's lease token.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select, update

from eoffice.db import utcnow
from eoffice.extensions import db

log = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"


def due_condition(model) -> list[ColumnElement[bool]]:
    """Rows waiting for a worker: pending, or leased by a worker whose lease ran out."""
    now = utcnow()
    return [
        model.status.in_([PENDING, SENDING]),
        model.next_attempt_at <= now,
        or_(model.lease_until.is_(None), model.lease_until < now),
    ]


def claim_due(
    model,
    limit: int,
    lease_seconds: float,
    *,
    order_by: Sequence[ColumnElement],
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[str, list[int]]:
    """Lease up to `limit` due rows to this worker: (lease token, their ids), committed."""
    now = utcnow()
    token = uuid.uuid4().hex
    due = select(model.id).where(*due_condition(model), *where).order_by(*order_by).limit(limit)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = (
        db.session.execute(
            update(model)
            .where(model.id.in_(due.scalar_subquery()))
            .values(
                status=SENDING,
                lease_until=now + timedelta(seconds=lease_seconds),
                lease_token=token,
                attempts=model.attempts + 1,
            )
            .returning(model.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return token, sorted(claimed)


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next attempt: base, doubled each attempt, at most cap, ±20 % jitter
    so that rows failing together do not come back together."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def poll_until_stopped(
    stop: threading.Event,
    one_pass: Callable[[], int],
    *,
    name: str,
    poll_interval: float,
    exit_when_idle: bool = False,
) -> None:
    """A worker's loop: pass after pass while there is work, a pause when a pass found none.

    A pass that fails (a database or network hiccup) is logged and rolled back, and counts as idle;
    every pass ends with a fresh session. Runs inside an application context.
    """
    while not stop.is_set():
        try:
            done = one_pass()
        except Exception:  # noqa: BLE001 - the worker outlives a hiccup
            log.exception("%s pass failed", name)
            db.session.rollback()
            done = 0
        finally:
            db.session.remove()
        if done == 0:
            if exit_when_idle:
                return
            stop.wait(poll_interval)


def queue_worker(one_batch: Callable[[int], int], name: str) -> Callable[..., None]:
    """A worker that runs `one_batch(batch_size)` until stopped: for a thread or a `flask` command."""

    def run(
        app,
        stop: threading.Event,
        *,
        poll_interval: float = 0.5,
        batch_size: int = 10,
        exit_when_idle: bool = False,
    ) -> None:
        with app.app_context():
            poll_until_stopped(
                stop,
                lambda: one_batch(batch_size),
                name=name,
                poll_interval=poll_interval,
                exit_when_idle=exit_when_idle,
            )

    return run
