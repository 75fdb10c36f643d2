"""Storing uploaded files and handing out download links."""

from __future__ import annotations

import hashlib
import hmac
import time
import unicodedata
import uuid
from typing import BinaryIO

from flask import url_for

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.runtime import settings, storage
from eoffice.storage.backend import ObjectTooLarge, StorageError
from eoffice.storage.models import StoredFile


def clean_file_name(name: str | None) -> str:
    """The last path component, NFC, without control characters; only ever shown, never a key."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:255] or "file"


def new_object_key() -> str:
    now = utcnow()
    return f"{now:%Y/%m}/{uuid.uuid4().hex}"


def store_file(
    stream: BinaryIO, name: str | None, *, uploaded_by: User | None, flush: bool = True
) -> StoredFile:
    """Put the stream in the object store and add its row.

    flush=False leaves the row to the caller's next flush, for a caller that removes the object
    itself if the transaction fails (documents: files.commit_or_discard).
    """
    key = new_object_key()
    max_size = settings().max_upload_size
    try:
        info = storage().put(key, stream, max_size=max_size)
    except ObjectTooLarge as exc:
        raise ApiError(
            413,
            "payload_too_large",
            f"file larger than the limit of {max_size} bytes",
            {"max_size": max_size},
        ) from exc
    except StorageError as exc:
        raise ApiError(503, "storage_unavailable", "the object store is unavailable; try again") from exc
    row = StoredFile(
        key=key,
        name=clean_file_name(name),
        size=info.size,
        sha256=info.sha256,
        content_type=info.content_type,
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
        agency_id=uploaded_by.agency_id if uploaded_by else None,
    )
    db.session.add(row)
    if not flush:
        return row
    try:
        db.session.flush()
    except Exception:
        storage().delete(key)
        raise
    return row


def _link_signature(file_id: int, expires: int) -> str:
    key = settings().secret_key.encode()
    return hmac.new(key, f"download:{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def download_link(stored: StoredFile) -> tuple[str, int]:
    """(URL, expiry as a Unix time): from the store when it signs its own, else signed by us."""
    ttl = settings().download_link_ttl
    expires = int(time.time()) + ttl
    direct = storage().presigned_url(stored.key, ttl, stored.name)
    if direct is not None:
        return direct, expires
    url = url_for(
        "files.download_signed",
        file_id=stored.id,
        expires=expires,
        signature=_link_signature(stored.id, expires),
        _external=True,
    )
    return url, expires


def check_link(file_id: int, expires: int, signature: str) -> None:
    # As bytes: compare_digest refuses a str holding anything but ASCII, which a client may send.
    if not hmac.compare_digest(_link_signature(file_id, expires).encode(), signature.encode()):
        raise ApiError(403, "invalid_link", "download link signature is invalid")
    if expires < time.time():
        raise ApiError(403, "link_expired", "download link has expired")
