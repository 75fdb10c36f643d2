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

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.auth.session import Caller
from eoffice.db import utcnow
from eoffice.errors import ErrorCode
from eoffice.runtime import settings
from eoffice.storage import operations as storage_operations
from meetings import policy, room
from meetings.models import Meeting, MeetingDocument, MeetingStatus


def book_key(user: User | Caller, meeting: Meeting) -> tuple[bytes, str]:
    """(32-byte AES key, its id) of this user's book of this meeting."""
    message = f"eoffice offline book|{user.id}|{meeting.id}|{user.offline_key_generation}".encode()
    key = hmac.new(settings().secret_key.encode(), message, hashlib.sha256).digest()
    # The generation and a fingerprint: a new secret key changes the id as it changes the key.
    return key, f"g{user.offline_key_generation}-{hashlib.sha256(key).hexdigest()[:16]}"


def keep_until(meeting: Meeting) -> datetime | None:
    """Until when devices keep the book: the retention after the meeting closed; None while it runs."""
    if meeting.closed_at is None:
        return None
    return meeting.closed_at + timedelta(days=settings().offline_retention_days)


def _document(document: MeetingDocument) -> dict[str, Any]:
    stored = document.file
    # With S3, the store's own signed URL: a hall of tablets takes the bytes (and their ranges) from the
    # store, asking the server for nothing but this book. It expires; `url` stays the way in.
    signed = storage_operations.store_url(stored.key, stored.name, storage_operations.IMMUTABLE)
    return {
        "id": document.id,
        "file_id": stored.id,
        "name": document.name,
        "size": stored.size,
        "page_count": document.page_count,
        # As the download's ETag header says it, quotes included: for If-None-Match and If-Range.
        "etag": f'"{stored.sha256}"',
        "content_type": stored.content_type,
        "agenda_item_id": document.agenda_item_id,
        # The file's own URL names this version for good: the device may keep what it fetched there.
        "url": f"/api/v1/files/{stored.id}/content",
        "direct_url": signed[0] if signed else None,
        "direct_url_expires_at": datetime.fromtimestamp(signed[1], UTC) if signed else None,
    }


def book(meeting: Meeting, user: User | Caller) -> dict[str, Any]:
    """The book of this meeting for this user: 403 not_invited for anyone who may not see the meeting, 410
    offline_expired once it is cancelled or kept past its retention (devices then erase it)."""
    if not policy.may_view(user, meeting):
        raise ApiError(
            403, ErrorCode.NOT_INVITED, "only the meeting's invitees (and organiser) read its book"
        )
    until = keep_until(meeting)
    if meeting.status == MeetingStatus.CANCELLED or (until is not None and utcnow() >= until):
        raise ApiError(
            410,
            ErrorCode.OFFLINE_EXPIRED,
            f"meeting {meeting.id} is {meeting.status}: its documents are no longer kept offline",
            {"keep_until": until.isoformat() if until else None},
        )
    key, key_id = book_key(user, meeting)
    return {
        "meeting_id": meeting.id,
        "key": base64.b64encode(key).decode("ascii"),
        "key_id": key_id,
        "keep_until": until,
        "auto_download": meeting.offline_download,
        # Only what the user may read: a confidential item's documents for its named people.
        "documents": [_document(d) for d in room.readable_documents(meeting, user)],
    }
