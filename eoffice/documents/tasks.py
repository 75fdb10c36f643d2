"""Scheduled work of the document flow: reminders before and after handling deadlines."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eoffice.documents import clock, notifications
from eoffice.documents.clock import vietnam_date
from eoffice.documents.models import Assignment, Document, Status
from eoffice.extensions import db

log = logging.getLogger(__name__)

# A deadline this many days ahead (Vietnam calendar) counts as near.
NEAR_DAYS = 2


def queue_deadline_reminders(now: datetime) -> dict[str, int]:
    """Tell the handlers of documents whose deadline is near or past, once each; the caller commits."""
    today = vietnam_date(now)
    near_limit = today + timedelta(days=NEAR_DAYS)
    due = db.session.scalars(
        select(Assignment)
        .join(Document, Document.id == Assignment.document_id)
        .where(
            Assignment.superseded_at.is_(None),
            Assignment.deadline.is_not(None),
            Assignment.deadline <= near_limit,
            Document.status.in_([Status.ASSIGNED, Status.IN_PROGRESS]),
            or_(
                Assignment.reminded_near_at.is_(None),
                (Assignment.deadline < today) & Assignment.reminded_overdue_at.is_(None),
            ),
        )
        .options(selectinload(Assignment.document))
        .order_by(Assignment.id)
    ).all()
    counts = {"near": 0, "overdue": 0}
    for assignment in due:
        if assignment.deadline < today:
            notifications.deadline_passed(assignment.document, assignment)
            assignment.reminded_overdue_at = now
            assignment.reminded_near_at = assignment.reminded_near_at or now
            counts["overdue"] += 1
        else:
            notifications.deadline_near(assignment.document, assignment)
            assignment.reminded_near_at = now
            counts["near"] += 1
    db.session.flush()
    return counts


def run_reminders_hourly(app, stop: threading.Event) -> None:
    """For the single-process default; production runs `flask document-reminders` from a scheduler."""
    while not stop.is_set():
        with app.app_context():
            try:
                queue_deadline_reminders(clock.now())
                db.session.commit()
            except Exception:  # noqa: BLE001 - try again next hour
                log.exception("deadline reminders failed")
                db.session.rollback()
            finally:
                db.session.remove()
        stop.wait(3600)
