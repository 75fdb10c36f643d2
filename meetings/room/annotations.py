"""Annotations: private ones for their author only; shared ones from whoever may present, seen by the
people who may read the document (a confidential item's named people). Their author deletes them."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.models import User
from eoffice.api_base import invalid
from eoffice.db import savepoint
from eoffice.extensions import db
from meetings import policy, workflow
from meetings.models import Annotation, Meeting, MeetingDocument
from meetings.room.common import iso, not_found, require_participant
from meetings.schemas import annotation_shape_problem
from meetings.workflow import RoomAction

log = logging.getLogger(__name__)


def annotation_payload(row: Annotation) -> dict[str, Any]:
    data = row.data
    # Rows written before their shape was checked: one out of shape must not break every join of its
    # audience; it is shown empty, so that its author still sees it and can delete it.
    if not isinstance(data, dict) or annotation_shape_problem(data) is not None:
        log.warning("annotation %s has data out of shape; sent empty", row.id)
        data = {}
    return {
        "meeting_id": row.meeting_id,
        "id": row.id,
        "document_id": row.document_id,
        "page": row.page,
        "author_id": row.author_id,
        "shared": row.is_shared,
        "data": data,
        "client_id": row.client_id,
        "created_at": iso(row.created_at),
    }


def annotation_audience(row: Annotation) -> set[int] | None:
    """Who receives an annotation: its author for a private one; for a shared one those who may read
    its document (None: everyone at the meeting)."""
    if not row.is_shared:
        return {row.author_id}
    document = db.session.get(MeetingDocument, row.document_id)
    return policy.item_audience(document.agenda_item if document is not None else None)


def _given(user: User, client_id: str) -> Annotation | None:
    return db.session.scalar(
        select(Annotation).where(Annotation.author_id == user.id, Annotation.client_id == client_id)
    )


def annotate(
    meeting: Meeting,
    user: User,
    document_id: int,
    page: int,
    data: dict[str, Any],
    shared: bool,
    client_id: str | None = None,
) -> tuple[dict[str, Any], set[int] | None]:
    """The new annotation and its audience (see annotation_audience).

    client_id, the UUID the author's device gave it, makes it once: sent again (a device's offline outbox
    repeats what it did not hear answered), the first one is answered and nothing is stored; its
    audience is then the empty set, as it was told already."""
    seat = workflow.check_room(meeting, RoomAction.ANNOTATE, user)
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting.id:
        raise not_found(f"document {document_id} of meeting {meeting.id}")
    policy.require(policy.may_read_document(user, meeting, document), "not allowed to read this document")
    if page > (document.page_count or 1):
        raise invalid("page", f"the document has {document.page_count or 1} page(s)")
    if shared:
        workflow.check_room(meeting, RoomAction.SHARE_ANNOTATION, user, seat)
    first = _given(user, client_id) if client_id is not None else None
    if first is not None:
        return annotation_payload(first), set()
    row = Annotation(
        meeting_id=meeting.id,
        document_id=document_id,
        page=page,
        author_id=user.id,
        is_shared=shared,
        data=data,
        client_id=client_id,
    )
    try:
        with savepoint(db.session):
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # The same creation, sent twice at once, was stored by the other request.
        return annotation_payload(_given(user, client_id)), set()
    return annotation_payload(row), annotation_audience(row)


def delete_annotation(
    meeting: Meeting, user: User, annotation_id: int
) -> tuple[dict[str, Any], set[int] | None]:
    """Removes one of the user's own annotations: what to tell its audience, and that audience."""
    require_participant(meeting, user)
    row = db.session.get(Annotation, annotation_id)
    if row is None or row.meeting_id != meeting.id or (not row.is_shared and row.author_id != user.id):
        # Someone else's private note is not even said to exist.
        raise not_found(f"annotation {annotation_id} of meeting {meeting.id}")
    policy.require(row.author_id == user.id, "only its author deletes an annotation")
    audience = annotation_audience(row)
    policy.require(policy.in_audience(user.id, audience), "not allowed to read this document")
    gone = {"meeting_id": meeting.id, "id": row.id, "document_id": row.document_id, "shared": row.is_shared}
    db.session.delete(row)
    db.session.flush()
    return gone, audience
