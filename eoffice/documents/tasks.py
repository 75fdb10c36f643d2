"""Background work of the document flow: reminders of handling deadlines, the text of PDFs for search."""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from eoffice.documents import clock, notifications
from eoffice.documents.clock import vietnam_date
from eoffice.documents.fulltext import index_document, lock_search_row
from eoffice.documents.models import Assignment, Direction, Document, Status, TextExtraction
from eoffice.documents.ocr import OcrOptions, Recognised, pages_without_text, recognise
from eoffice.documents.operations.files import OCR_IMAGE_TYPES, keep_recognised, note_text_not_extracted
from eoffice.extensions import db
from eoffice.outbox import queue_worker
from eoffice.runtime import settings, storage
from eoffice.storage.backend import ObjectNotFound, StorageError
from eoffice.storage.models import StoredFile
from eoffice.storage.operations import commit_or_discard
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
    """Index the text of up to `limit` queued files, oldest first, recognising scans; commit; how many done.

    Several workers may run: on PostgreSQL each takes rows the others have not locked. A worker
    that dies leaves its rows queued (its transaction rolls back) for the next one.
    """
    query = select(TextExtraction).order_by(TextExtraction.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=TextExtraction)
    queued = db.session.scalars(query).all()
    with commit_or_discard(), ExitStack() as scans:
        # Every text read (and every scan recognised, its searchable PDF stored) before anything is
        # written: on SQLite the first write locks the database.
        read = [_read(item, scans) for item in queued]
        for item, (text, recognised) in zip(queued, read, strict=True):
            lock_search_row(db.session(), item.document_id)
            document = db.session.get(Document, item.document_id, populate_existing=True)
            index_document(document, [text.output, recognised.text if recognised else ""])
            if text.failure is not None:
                note_text_not_extracted(document, item.stored_file.name, text)
            if recognised is not None:
                keep_recognised(document, item.stored_file, recognised)
            db.session.delete(item)
    return len(queued)


def _read(item: TextExtraction, scans: ExitStack) -> tuple[Parsed, Recognised | None]:
    """The file's text layer (unless indexed already) and, for the scan of an incoming document, its OCR."""
    stored = item.stored_file
    is_pdf = stored.content_type == "application/pdf"
    text = Parsed() if item.text_indexed or not is_pdf else _pdf_text(stored.key)
    if not settings().ocr or not needs_ocr(item.document_id, stored, text):
        return text, None
    try:
        source = scans.enter_context(tempfile.TemporaryFile())
        for chunk in storage().open(stored.key):
            source.write(chunk)
        source.seek(0)
    except ObjectNotFound:
        return text, None
    recognised = scans.enter_context(recognise(source, image=not is_pdf, options=OcrOptions.of(settings())))
    return text, recognised


def needs_ocr(document_id: int, stored: StoredFile, text: Parsed) -> bool:
    """A scan of an incoming document: an image, or a PDF with a page without text (all of it when the
    text layer was indexed on upload: it was queued for that reason)."""
    if stored.content_type in OCR_IMAGE_TYPES:
        pass
    elif stored.content_type != "application/pdf" or text.failure is not None:
        return False
    elif text.output and not pages_without_text(text.output):
        return False
    direction = db.session.scalar(select(Document.direction).where(Document.id == document_id))
    return direction == Direction.INCOMING


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


# Indexes queued text, and recognises scans, until stopped (EOFFICE_TEXT_EXTRACTION=background).
run_text_worker = queue_worker(index_queued_texts, "text worker")
