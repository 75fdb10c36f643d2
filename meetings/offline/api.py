"""The offline meeting book, and the writes a device's offline outbox sends again until answered."""

from __future__ import annotations

from eoffice.api_base import Blueprint
from eoffice.auth.session import caller_required, current_caller, current_user, login_required
from eoffice.extensions import db
from meetings import broadcasts, room
from meetings.offline import operations
from meetings.offline.schemas import AnnotationCreateSchema, AnnotationSchema, OfflineBookSchema

blp = Blueprint(
    "meetings_offline",
    __name__,
    url_prefix="/api/v1/meetings",
    description="Tablets working offline: the meeting book and the outbox's writes",
)


@blp.get("/<int:meeting_id>/offline")
@blp.response(200, OfflineBookSchema)
@blp.alt_response(403, description="not_invited: the caller is not invited")
@blp.alt_response(404, description="No such meeting")
@blp.alt_response(410, description="offline_expired: cancelled, or closed longer ago than the retention")
@blp.doc(
    description="The documents the caller may read, where to download them, and the key the device "
    "encrypts them with at rest (derived per user and meeting, never stored; never cached: no-store)."
)
@caller_required
def offline_book(meeting_id):
    # Who calls, his roles and key generation, as plain columns: a hall of tablets asks at once.
    book = operations.book(meeting_id, current_caller())
    return book, 200, {"Cache-Control": "no-store"}


@blp.post("/<int:meeting_id>/annotations")
@blp.arguments(AnnotationCreateSchema)
@blp.response(201, AnnotationSchema)
@blp.alt_response(200, schema=AnnotationSchema, description="The same client_id again: the first one")
@blp.doc(
    description="The live room's `annotate` over HTTP, for a device's offline outbox: a private note or "
    "mark (shared ones by whoever may present), told to its audience's devices as `annotation`."
)
@login_required
def create_annotation(body, meeting_id):
    meeting = room.load_meeting(meeting_id)
    client_id = str(body["client_id"]) if body["client_id"] is not None else None
    payload, audience = room.annotate(
        meeting, current_user(), body["document_id"], body["page"], body["data"], body["shared"], client_id
    )
    db.session.commit()
    if audience == set():
        return payload, 200
    broadcasts.announce_annotation(meeting.id, payload, audience)
    return payload
