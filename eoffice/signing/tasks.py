"""Background work of signatures: validating each stored PDF once, after the commit that stored it."""

from __future__ import annotations

import logging

from sqlalchemy import select

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.outbox import queue_worker
from eoffice.runtime import settings, storage
from eoffice.signing.models import SignatureCheck
from eoffice.signing.operations import SignaturesUnchecked, check_signatures
from eoffice.storage.backend import ObjectNotFound

log = logging.getLogger(__name__)


def check_queued_signatures(limit: int = 10) -> int:
    """Validate the signatures of up to `limit` queued PDFs, oldest first, and commit; how many were done.

    On PostgreSQL several workers share the queue (each takes rows the others have not locked).
    """
    query = (
        select(SignatureCheck)
        .where(SignatureCheck.checked_at.is_(None))
        .order_by(SignatureCheck.created_at, SignatureCheck.stored_file_id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=SignatureCheck)
    queued = db.session.scalars(query).all()
    # Everything read and validated before anything is written: on SQLite the first write locks.
    outcomes = [_validate_stored(check.stored_file.key) for check in queued]
    for check, (signatures, error) in zip(queued, outcomes, strict=True):
        check.signatures = signatures
        check.error = error
        check.checked_at = utcnow()
    db.session.commit()
    return len(queued)


def _validate_stored(key: str) -> tuple[list[dict] | None, str | None]:
    try:
        content = b"".join(storage().open(key))
    except ObjectNotFound:
        log.warning("queued PDF %s is missing from the store; its signatures are not checked", key)
        return None, "the file is missing from the store"
    try:
        return check_signatures(content, settings()), None
    except SignaturesUnchecked as exc:
        # Not a PDF, or over the limits of the child that read it: the record says which and why.
        return None, f"{exc.failure}: {exc.reason}"[:500]
    except Exception:  # noqa: BLE001 - one PDF that breaks the validator must not hold up the queue
        log.exception("the signatures of %s could not be validated", key)
        return None, "the signatures could not be validated"


# Validates queued PDFs until stopped.
run_signature_worker = queue_worker(check_queued_signatures, "signature worker")
