"""Annotations: private ones for their author only; shared ones from whoever may present."""

from __future__ import annotations

import json
from typing import Any

from eoffice.accounts.models import User
from eoffice.extensions import db
from meetings import policy
from meetings.models import Annotation, Meeting, MeetingDocument
from meetings.room.common import bad_input, iso, not_found, require_participant

MAX_ANNOTATION_SIZE = 16 * 1024


def annotation_payload(row: Annotation) -> dict[str, Any]:
    return {
        "meeting_id": row.meeting_id,
        "id": row.id,
        "document_id": row.document_id,
        "page": row.page,
        "author_id": row.author_id,
        "shared": row.is_shared,
        "data": row.data,
        "created_at": iso(row.created_at),
    }


def annotate(
    meeting: Meeting, user: User, document_id: int, page: int, data: dict[str, Any], shared: bool
) -> dict[str, Any]:
    require_participant(meeting, user)
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting.id:
        raise not_found(f"document {document_id} of meeting {meeting.id}")
    policy.require(policy.may_read_document(user, meeting, document), "not allowed to read this document")
    if page > (document.page_count or 1):
        raise bad_input("page", f"the document has {document.page_count or 1} page(s)")
    if shared:
        policy.require(policy.may_present(user, meeting), "only the presenter shares annotations")
    if len(json.dumps(data)) > MAX_ANNOTATION_SIZE:
        raise bad_input("data", f"larger than {MAX_ANNOTATION_SIZE} bytes")
    row = Annotation(
        meeting_id=meeting.id,
        document_id=document_id,
        page=page,
        author_id=user.id,
        is_shared=shared,
        data=data,
    )
    db.session.add(row)
    db.session.flush()
    return annotation_payload(row)
