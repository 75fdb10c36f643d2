"""Storing uploaded files (removed again if their transaction fails) and handing out download links."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time
import unicodedata
import uuid
from collections.abc import Iterator
from typing import BinaryIO

from flask import url_for
from sqlalchemy import event
from sqlalchemy.orm import Session

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.runtime import settings, storage
from eoffice.storage.backend import ObjectTooLarge, StorageError
from eoffice.storage.models import StoredFile

log = logging.getLogger(__name__)

# Objects this session put in the store; deleted again unless the session commits.
_NEW_KEYS = "eoffice.storage.new_object_keys"
# Objects of versions this session replaced; deleted only once the session commits.
_REPLACED_KEYS = "eoffice.storage.replaced_object_keys"


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

    The object is the session's until it commits: commit_or_discard deletes it if the transaction fails.
    flush=False leaves the row to the caller's next flush.
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
    _new_keys().append(key)
    if flush:
        db.session.flush()
    return row


def _new_keys() -> list[str]:
    return db.session.info.setdefault(_NEW_KEYS, [])


@event.listens_for(Session, "after_commit")
def _objects_committed(session: Session) -> None:
    # Their rows are in the database now: no later failure of this session may delete their objects.
    session.info.pop(_NEW_KEYS, None)


def _replaced_keys() -> list[str]:
    return db.session.info.setdefault(_REPLACED_KEYS, [])


def discard_after_commit(stored: StoredFile) -> None:
    """Delete this file's row now and its object once the transaction has committed, so that a refused or
    failed transaction keeps it whole."""
    db.session.delete(stored)
    _replaced_keys().append(stored.key)


def _delete_objects(keys: list[str], what: str = "a failed transaction") -> None:
    for key in keys:
        try:
            storage().delete(key)
        except StorageError:
            log.exception("could not remove object %s of %s", key, what)


@contextlib.contextmanager
def objects_discarded_on_error() -> Iterator[None]:
    """For a savepoint: if the block fails, delete the objects stored inside it (the rows roll back)."""
    mark, replaced_mark = len(_new_keys()), len(_replaced_keys())
    try:
        yield
    except BaseException:
        keys = _new_keys()
        _delete_objects(keys[mark:])
        del keys[mark:]
        # The savepoint brings their rows back: their objects stay.
        del _replaced_keys()[replaced_mark:]
        raise


@contextlib.contextmanager
def commit_or_discard(*, keep_loaded: bool = False) -> Iterator[None]:
    """Run the block and commit the session's work; on any failure roll back and delete the objects it
    stored (store_file), so that no object outlives a transaction that failed. Every upload commits so.

    keep_loaded: what the session holds stays loaded after the commit instead of being read back
    on first use; for answering with a document just created, whose rows are exactly what was written.
    """
    session = db.session()
    expire_on_commit = session.expire_on_commit
    try:
        yield
        session.expire_on_commit = expire_on_commit and not keep_loaded
        session.commit()
    except BaseException:
        keys = list(_new_keys())
        db.session.rollback()
        _delete_objects(keys)
        raise
    else:
        _delete_objects(list(_replaced_keys()), "a replaced version")
    finally:
        session.expire_on_commit = expire_on_commit
        _new_keys().clear()
        _replaced_keys().clear()


def _link_signature(file_id: int, expires: int) -> str:
    key = settings().secret_key.encode()
    return hmac.new(key, f"download:{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()


# How long a client may keep the bytes of a URL naming one stored version (they never change).
IMMUTABLE = "private, max-age=31536000, immutable"


def store_url(key: str, name: str, cache_control: str) -> tuple[str, int] | None:
    """(URL, expiry as a Unix time) the store signed for these bytes, valid EOFFICE_DOWNLOAD_REDIRECT_TTL
    seconds and answering with this Cache-Control, so that they never pass through the server; None with
    the local store, or when redirects are off (0)."""
    ttl = settings().download_redirect_ttl
    if not ttl:
        return None
    expires = int(time.time()) + ttl
    url = storage().presigned_url(key, ttl, name, cache_control=cache_control)
    return None if url is None else (url, expires)


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
