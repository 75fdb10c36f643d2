"""Uploading files (streamed, size-limited) and downloading them, whole or by range."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from werkzeug.datastructures import FileStorage
from werkzeug.http import quote_etag

from eoffice.api_base import ApiError, Blueprint, invalid
from eoffice.auth.policy import Permission, authorize
from eoffice.auth.session import caller_required, current_caller, current_user, login_required
from eoffice.extensions import db
from eoffice.runtime import settings, storage
from eoffice.storage import access, operations
from eoffice.storage.backend import attachment_disposition
from eoffice.storage.models import StoredFile
from eoffice.storage.schemas import (
    DownloadLinkSchema,
    SignedDownloadQuerySchema,
    StoredFileSchema,
    UploadQuerySchema,
)

blp = Blueprint("files", __name__, url_prefix="/api/v1/files", description="Stored files")

# Room for multipart boundaries and part headers around the largest allowed file.
MULTIPART_OVERHEAD = 64 * 1024
# Werkzeug's multipart parser reads 64 KiB at a time and refuses any read that, with the bytes it
# still holds back (a possible boundary after a CR or LF), passes the form memory limit, even inside
# a file part: a limit of 64 KiB refused most binary files. Form fields may use this much at least.
FORM_MEMORY_FLOOR = 2 * 64 * 1024


def apply_upload_limits(max_files: int = 1) -> None:
    """The body limits of a multipart upload, set before anything reads the body.

    A file part may reach EOFFICE_MAX_UPLOAD_SIZE; the other (text) parts stay under the JSON limit.
    """
    request.max_content_length = settings().max_upload_size * max_files + MULTIPART_OVERHEAD
    request.max_form_memory_size = max(settings().max_json_size, FORM_MEMORY_FLOOR)


def file_part() -> FileStorage:
    """The multipart part named `file`, or the 422 that names it."""
    part = request.files.get("file")
    if part is None:
        raise invalid("file", "a multipart part named 'file' is required", "files")
    return part


def upload_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a route whose form is parsed by a schema before the view runs (under the app's JSON limit
    otherwise): place it right under the route decorator."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        apply_upload_limits()
        return view(*args, **kwargs)

    return limited


@blp.post("")
@blp.arguments(UploadQuerySchema, location="query")
@blp.response(201, StoredFileSchema)
@blp.alt_response(413, description="Larger than EOFFICE_MAX_UPLOAD_SIZE")
@blp.doc(
    description="Either multipart/form-data with a `file` part, or the raw bytes as the body "
    "(any other content type, chunked allowed) with `?name=`. The content type is sniffed from the bytes."
)
@login_required
def upload(query):
    user = current_user()
    authorize(user, Permission.UPLOAD_FILE)
    limit = settings().max_upload_size
    with operations.commit_or_discard():
        if request.mimetype == "multipart/form-data":
            apply_upload_limits()
            part = file_part()
            stored = operations.store_file(part.stream, part.filename, uploaded_by=user)
        else:
            if request.content_length is None and not request.environ.get("wsgi.input_terminated"):
                raise ApiError(411, "length_required", "send Content-Length or a chunked body")
            # One byte of slack: a chunked body exactly at the limit must reach our own check, which
            # tells "at the limit" from "over it" (Werkzeug refuses once the limit is reached).
            request.max_content_length = limit + 1
            stored = operations.store_file(request.stream, query.get("name"), uploaded_by=user)
    return stored


def _not_found(file_id: int) -> ApiError:
    return ApiError(404, "not_found", f"file {file_id} not found")


def _get_file(file_id: int) -> StoredFile:
    stored = db.session.get(StoredFile, file_id)
    if stored is None:
        raise _not_found(file_id)
    return stored


def _readable_file(file_id: int) -> StoredFile:
    """The file, 404 when there is none, 403 unless the caller may read it: its row and which features
    own it read together, so that only its owners' rules are asked (access.read_owned)."""
    owned = access.read_owned(file_id)
    if owned is None:
        raise _not_found(file_id)
    authorize(current_caller(), Permission.READ_FILE, owned)
    return owned.stored


@blp.get("/<int:file_id>")
@blp.response(200, StoredFileSchema)
@caller_required
def get_file(file_id):
    stored = _readable_file(file_id)
    return stored


@blp.post("/<int:file_id>/link")
@blp.response(200, DownloadLinkSchema)
@caller_required
def create_link(file_id):
    stored = _readable_file(file_id)
    url, expires = operations.download_link(stored)
    return {"url": url, "expires_at": datetime.fromtimestamp(expires, UTC)}


# A URL naming one stored version (a file id: its bytes never change) may be kept for good
# (operations.IMMUTABLE); one naming something whose version may change (a meeting's document) is asked
# about again each time (ETag).
IMMUTABLE = operations.IMMUTABLE
REVALIDATE = "private, no-cache"


def _etag(stored: StoredFile) -> str:
    return quote_etag(stored.sha256)


def send_stored_file(stored: StoredFile, *, immutable: bool) -> Response:
    """The bytes of a stored file: 304 when the client holds this version (If-None-Match), a 307 to the
    store's own signed URL when it signs them (S3), else streamed from the store honouring a single
    Range (206, 416), unless If-Range names another version."""
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": IMMUTABLE if immutable else REVALIDATE,
        "ETag": _etag(stored),
        "X-Content-Type-Options": "nosniff",
    }
    if request.if_none_match.contains_weak(stored.sha256):
        return Response(status=304, headers=headers)
    signed = operations.store_url(stored.key, stored.name, headers["Cache-Control"])
    if signed is not None:
        # The URL expires: the answer pointing at it must not outlive it in any cache.
        return Response(status=307, headers={"Location": signed[0], "Cache-Control": "private, no-store"})
    headers["Content-Disposition"] = attachment_disposition(stored.name)
    start, end, status = 0, stored.size - 1, 200
    # If-Range compares strongly (RFC 9110 13.1.5): a weak tag or a date never matches our versions,
    # and the whole file is sent instead of a range of another version.
    if_range = request.headers.get("If-Range")
    if request.range is not None and (if_range is None or if_range.strip() == headers["ETag"]):
        span = request.range.range_for_length(stored.size) if request.range.units == "bytes" else None
        if span is None:
            raise ApiError(
                416,
                "range_not_satisfiable",
                f"the file has {stored.size} bytes",
                headers={"Content-Range": f"bytes */{stored.size}"},
            )
        start, end, status = span[0], span[1] - 1, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{stored.size}"
    headers["Content-Length"] = str(end - start + 1 if stored.size else 0)
    body = storage().open(stored.key, start, end) if stored.size else iter(())
    return Response(
        body, status=status, headers=headers, mimetype=stored.content_type, direct_passthrough=True
    )


@blp.get("/<int:file_id>/content")
@blp.doc(
    description="A file id names one version for good: `Cache-Control: private, max-age=31536000, "
    "immutable`, `ETag` its SHA-256 (If-None-Match → 304, If-Range), one byte range (206; 416 with "
    "`Content-Range: bytes */size`). With S3, 307 to a URL the store signs (EOFFICE_DOWNLOAD_REDIRECT_TTL), "
    "which then serves the range itself.",
    responses={
        "200": {"description": "The bytes"},
        "206": {"description": "A byte range"},
        "304": {"description": "The version the client holds (If-None-Match)"},
        "307": {"description": "To the store's signed URL (S3)"},
    },
)
@caller_required
def download(file_id):
    stored = _readable_file(file_id)
    return send_stored_file(stored, immutable=True)


@blp.get("/<int:file_id>/signed")
@blp.arguments(SignedDownloadQuerySchema, location="query")
@blp.doc(security=[], responses={"200": {"description": "The bytes"}})
def download_signed(query, file_id):
    operations.check_link(file_id, query["expires"], query["signature"])
    return send_stored_file(_get_file(file_id), immutable=True)
