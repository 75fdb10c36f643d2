"""Issuance of an approved draft, with its number and the agency's signature; then correction and recall."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.documents import clock, notifications, numbering, workflow
from eoffice.documents.document_types import NotationError, build_notation
from eoffice.documents.models import DeliveryStatus, Document, FileRole, RecipientKind, Status
from eoffice.documents.operations.common import invalid, name, shown, step
from eoffice.documents.operations.files import read_content, replace_content
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.signing import operations as signing


def _seal_files(document: Document, actor: User, pin: str | None, moment: datetime) -> None:
    """The agency's signature at issuance: into the signed main PDF, and alone on each PDF attachment."""
    shown = document.number_and_notation
    for index, link in enumerate(sorted(document.files, key=lambda link: link.position)):
        if link.stored_file.content_type != signing.PDF:
            continue
        main = link.role == FileRole.MAIN
        sealed = signing.seal_as_agency(
            read_content(link),
            document.agency,
            pin,
            moment,
            f"files[{index}]",
            number_and_notation=shown,
            issued_date=document.issued_date.strftime("%d/%m/%Y"),
            attachment=not main,
        )
        replace_content(link, sealed, actor)


def issue(document: Document, actor: User, *, note: str | None = None, pin: str | None = None) -> Document:
    """Number, notation and date, given atomically and filled into the signed PDF, which the agency signs.

    Internal recipients get it, external ones are queued. pin: unlocks the agency's key for this act,
    when it is not taken from EOFFICE_SIGNING_PIN.
    """
    transition = workflow.check(document, Action.ISSUE, actor)
    try:
        notation = build_notation(
            document.document_type,
            document.agency.abbreviation,
            document.drafting_unit.abbreviation if document.drafting_unit else None,
        )
    except NotationError as exc:
        raise ApiError(409, "notation_unavailable", f"cannot build the notation: {exc}") from exc
    original = db.session.get(Document, document.replaces_id) if document.replaces_id else None
    replace = workflow.check(original, Action.REPLACE, actor) if original is not None else None
    moment = clock.now()
    document.issued_at = moment
    document.issued_by_id = actor.id
    name(document, actor)
    for recipient in document.recipients:
        if recipient.kind == RecipientKind.EXTERNAL:
            # The national axis connector sends it and updates this status.
            recipient.delivery_status = DeliveryStatus.QUEUED
        else:
            recipient.delivery_status = DeliveryStatus.DELIVERED
            recipient.delivered_at = moment
            name(document, recipient.user)
    entry = step(document, transition, Status.ISSUED, actor, Action.ISSUE, note=note)
    if original is not None:
        step(original, replace, Status.REPLACED, actor, Action.REPLACE, details={"replaced_by": document.id})
    # Last, after every other row: the counter stays locked only until the commit.
    db.session.flush()
    local_day = clock.vietnam_date(moment)
    series = numbering.outgoing_series(document)
    number = numbering.take_number(document.agency_id, local_day.year, series)
    document.number = number
    document.notation = notation
    document.series = series
    document.number_year = local_day.year
    document.issued_date = local_day
    _seal_files(document, actor, pin, moment)
    entry.details = {
        **entry.details,
        "number": number,
        "notation": notation,
        "number_and_notation": document.number_and_notation,
        "series": series,
        "issued_date": local_day.isoformat(),
        **({"replaces_id": original.id} if original is not None else {}),
    }
    # After numbering, so that the notice names the number and notation it was issued under.
    notifications.issued(document)
    return document


def correct(document: Document, actor: User, *, reason: str, **changes: Any) -> Document:
    """Put right fields of an issued document; the trace keeps each one's value before and after, and the
    axis connector sends the other agencies that received it an update package."""
    transition = workflow.check(document, Action.CORRECT, actor)
    if "subject" in changes and changes["subject"] is None:
        raise invalid("subject", "may not be null")
    if "urgency" in changes and changes["urgency"] is None:
        raise invalid("urgency", "may not be null")
    changed = {
        key: {"from": shown(getattr(document, key)), "to": shown(value)}
        for key, value in changes.items()
        if getattr(document, key) != value
    }
    if not changed:
        raise invalid(
            "_schema", "nothing to correct: give at least one field with a value other than the document's"
        )
    for key in changed:
        setattr(document, key, changes[key])
    document.updated_at = clock.now()
    step(
        document, transition, Status.ISSUED, actor, Action.CORRECT, note=reason, details={"changed": changed}
    )
    db.session.flush()
    return document


def recall(document: Document, actor: User, *, reason: str) -> Document:
    """Recorded here; the axis connector sends external recipients a revocation package."""
    transition = workflow.check(document, Action.RECALL, actor)
    document.recall_reason = reason
    document.recalled_at = clock.now()
    step(document, transition, Status.RECALLED, actor, Action.RECALL, note=reason)
    return document
