"""The offline meeting book: the documents a participant may read, and the key their device encrypts
them with at rest.

The key is derived, never stored: HMAC-SHA-256 of the server's secret key over the user, the meeting
and the user's offline key generation (raised when one of the user's devices is revoked). Each user has
their own key per meeting, the same on every device of theirs and at every request, until a device is
revoked or the secret key changes; `key_id` tells the device which key it holds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.auth.session import Caller
from eoffice.db import utcnow
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.runtime import settings
from eoffice.storage import operations as storage_operations
from eoffice.storage.models import StoredFile
from meetings import policy
from meetings.models import AgendaItem, Meeting, MeetingDocument, MeetingStatus
from meetings.room.common import not_found


def book_key(user: User | Caller, meeting_id: int) -> tuple[bytes, str]:
    """(32-byte AES key, its id) of this user's book of this meeting."""
    message = f"eoffice offline book|{user.id}|{meeting_id}|{user.offline_key_generation}".encode()
    key = hmac.new(settings().secret_key.encode(), message, hashlib.sha256).digest()
    # The generation and a fingerprint: a new secret key changes the id as it changes the key.
    return key, f"g{user.offline_key_generation}-{hashlib.sha256(key).hexdigest()[:16]}"


def keep_until(closed_at: datetime | None) -> datetime | None:
    """Until when devices keep the book: the retention after the meeting closed; None while it runs."""
    if closed_at is None:
        return None
    return closed_at + timedelta(days=settings().offline_retention_days)


# A hall of tablets asks for the book at once: the meeting and whether the caller is invited, then its
# documents with their files and who may read them (policy.may_read_paper's columns), as plain columns.
_MEETING = select(
    Meeting.status,
    Meeting.closed_at,
    Meeting.offline_download,
    Meeting.organiser_id,
    policy.invited(Meeting.id),
).where(Meeting.id == bindparam("meeting_id"))

_DOCUMENTS = (
    select(
        MeetingDocument.id,
        MeetingDocument.name,
        MeetingDocument.page_count,
        MeetingDocument.agenda_item_id,
        StoredFile.id.label("file_id"),
        StoredFile.key,
        StoredFile.name.label("file_name"),
        StoredFile.size,
        StoredFile.sha256,
        StoredFile.content_type,
        *policy.item_audience_columns(),
    )
    .join(StoredFile, StoredFile.id == MeetingDocument.file_id)
    .outerjoin(AgendaItem, AgendaItem.id == MeetingDocument.agenda_item_id)
    .where(MeetingDocument.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingDocument.id)
)


def _document(row: Row) -> dict[str, Any]:
    # With S3, the store's own signed URL: a hall of tablets takes the bytes (and their ranges) from the
    # store, asking the server for nothing but this book. It expires; `url` stays the way in.
    signed = storage_operations.store_url(row.key, row.file_name, storage_operations.IMMUTABLE)
    return {
        "id": row.id,
        "file_id": row.file_id,
        "name": row.name,
        "size": row.size,
        "page_count": row.page_count,
        # As the download's ETag header says it, quotes included: for If-None-Match and If-Range.
        "etag": f'"{row.sha256}"',
        "content_type": row.content_type,
        "agenda_item_id": row.agenda_item_id,
        # The file's own URL names this version for good: the device may keep what it fetched there.
        "url": f"/api/v1/files/{row.file_id}/content",
        "direct_url": signed[0] if signed else None,
        "direct_url_expires_at": datetime.fromtimestamp(signed[1], UTC) if signed else None,
    }


def book(meeting_id: int, user: User | Caller) -> dict[str, Any]:
    """The book of this meeting for this user: 404 for no such meeting, 403 not_invited for anyone who may
    not see it, 410 offline_expired once it is cancelled or kept past its retention (devices then erase
    it)."""
    parameters = {"meeting_id": meeting_id, "user_id": user.id}
    meeting = db.session.execute(_MEETING, parameters).one_or_none()
    if meeting is None:
        raise not_found(f"meeting {meeting_id}")
    if not policy.views(user.id, meeting):
        raise ApiError(
            403, ErrorCode.NOT_INVITED, "only the meeting's invitees (and organiser) read its book"
        )
    until = keep_until(meeting.closed_at)
    if meeting.status == MeetingStatus.CANCELLED or (until is not None and utcnow() >= until):
        raise ApiError(
            410,
            ErrorCode.OFFLINE_EXPIRED,
            f"meeting {meeting_id} is {meeting.status}: its documents are no longer kept offline",
            {"keep_until": until.isoformat() if until else None},
        )
    key, key_id = book_key(user, meeting_id)
    documents = db.session.execute(_DOCUMENTS, parameters)
    return {
        "meeting_id": meeting_id,
        "key": base64.b64encode(key).decode("ascii"),
        "key_id": key_id,
        "keep_until": until,
        "auto_download": meeting.offline_download,
        # Only what the user may read: a confidential item's documents for its named people.
        "documents": [_document(row) for row in documents if policy.may_see_paper(user.id, row)],
    }
