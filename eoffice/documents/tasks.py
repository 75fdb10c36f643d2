"""Background work of the document flow: reminders of handling deadlines, the text of PDFs for search."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eoffice.documents import clock, notifications
from eoffice.documents.clock import vietnam_date
from eoffice.documents.fulltext import index_document, lock_search_row
from eoffice.documents.models import Assignment, Document, Status, TextExtraction
from eoffice.documents.operations.files import note_text_not_extracted
from eoffice.extensions import db
from eoffice.outbox import queue_worker
from eoffice.runtime import storage
from eoffice.storage.backend import ObjectNotFound, StorageError
from eoffice.untrusted import Parsed, pdf_text

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


def run_reminders_hourly(
    app, stop: threading.Event, job: Callable[[datetime], Any] = queue_deadline_reminders
) -> None:
    """For the single-process default; production runs `flask document-reminders` (and the other features'
    reminders, `job`) from a scheduler."""
    while not stop.is_set():
        with app.app_context():
            try:
                job(clock.now())
                db.session.commit()
            except Exception:  # noqa: BLE001 - try again next hour
                log.exception("reminders failed: %s", job.__name__)
                db.session.rollback()
            finally:
                db.session.remove()
        stop.wait(3600)


def index_queued_texts(limit: int = 10) -> int:
    """Extract and index the text of up to `limit` queued PDFs, oldest first, and commit; how many were done.

    Several workers may run: on PostgreSQL each takes rows the others have not locked. A worker
    that dies leaves its rows queued (its transaction rolls back) for the next one.
    """
    query = select(TextExtraction).order_by(TextExtraction.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=TextExtraction)
    queued = db.session.scalars(query).all()
    # Every text read before anything is written: on SQLite the first write locks the database.
    texts = [_pdf_text(item.stored_file.key) for item in queued]
    for item, text in zip(queued, texts, strict=True):
        lock_search_row(db.session(), item.document_id)
        document = db.session.get(Document, item.document_id, populate_existing=True)
        index_document(document, [text.output])
        if text.failure is not None:
            note_text_not_extracted(document, item.stored_file.name, text)
        db.session.delete(item)
    db.session.commit()
    return len(queued)


def _pdf_text(key: str) -> Parsed:
    try:
        # Streamed from the store to the parser's child process, never whole in this one's memory.
        return pdf_text(storage().open(key))
    except ObjectNotFound:
        log.warning("queued PDF %s is missing from the store; indexed without its text", key)
    except StorageError:
        # The store is down, not the PDF at fault: the batch stays queued for the next round.
        raise
    except Exception:  # noqa: BLE001 - a PDF that cannot be read must not hold up the queue behind it
        log.exception("no text extracted from %s", key)
    return Parsed()


# Indexes queued PDF text until stopped (EOFFICE_TEXT_EXTRACTION=background).
run_text_worker = queue_worker(index_queued_texts, "text worker")
