"""Files of documents: checked before anything is stored, and removed again if the transaction fails."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.db import Base
from eoffice.documents import clock
from eoffice.documents.fulltext import index_document
from eoffice.documents.models import Direction, Document, DocumentFile, FileRole, TextExtraction
from eoffice.documents.ocr import Recognised, pages_without_text
from eoffice.documents.operations.common import invalid, record
from eoffice.extensions import db
from eoffice.runtime import settings, storage
from eoffice.signing import operations as signing
from eoffice.storage.backend import SNIFF_BYTES, StorageError, sniff_content_type
from eoffice.storage.models import StoredFile
from eoffice.storage.operations import clean_file_name, discard_after_commit, store_file
from eoffice.untrusted import Failure, Parsed, pdf_text

log = logging.getLogger(__name__)

MAX_FILES = 20
ACCEPTED_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "application/zip",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
# Scans the OCR reads besides PDFs (what scanners write).
OCR_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff"})
ACCEPTED_DESCRIPTION = "PDF, images, office documents (doc, docx, xls, xlsx, odt, …), ZIP or plain text"


@dataclass
class IncomingFile:
    """A file handed in by a channel: a seekable stream and the name the sender gave it."""

    name: str | None
    stream: BinaryIO
    # What its bytes say it is, once check_files has looked.
    content_type: str | None = None


def is_accepted(content_type: str) -> bool:
    return content_type in ACCEPTED_TYPES or content_type.startswith("image/")


def _measure(stream: BinaryIO) -> tuple[int, bytes]:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return size, head


def _is_pdf(file: IncomingFile) -> bool:
    if file.content_type is None:
        file.stream.seek(0)
        file.content_type = sniff_content_type(file.stream.read(SNIFF_BYTES))
        file.stream.seek(0)
    return file.content_type == "application/pdf"


def check_files(
    files: list[IncomingFile], field: str = "files", max_files: int = MAX_FILES, *, required: bool = False
) -> None:
    """Refuse the whole batch before anything is stored: none when required or an empty file 422, too many
    422, too large 413, wrong type 415."""
    if required and not files:
        raise invalid(field, "at least one file is required (the main document first)", "files")
    if len(files) > max_files:
        raise invalid(field, f"at most {max_files} files per request", "files")
    limit = settings().max_upload_size
    for index, file in enumerate(files):
        label = f"{field}[{index}]"
        shown = clean_file_name(file.name)
        size, head = _measure(file.stream)
        if size == 0:
            raise invalid(label, f"the file {shown!r} is empty", "files")
        if size > limit:
            raise ApiError(
                413,
                "payload_too_large",
                f"{label}: the file {shown!r} is larger than the limit of {limit} bytes",
                {"field": label, "max_size": limit},
            )
        content_type = file.content_type = sniff_content_type(head)
        if not is_accepted(content_type):
            raise ApiError(
                415,
                "unsupported_media_type",
                f"{label}: the file {shown!r} is {content_type}; accepted: {ACCEPTED_DESCRIPTION}",
                {"field": label, "content_type": content_type},
            )


def attach_files(
    document: Document, files: list[IncomingFile], uploader: User | None, *, replace_main: bool = False
) -> list[DocumentFile]:
    """Store checked files and link them to the document; the first becomes the main file if it has none."""
    if replace_main:
        for link in [link for link in document.files if link.role == FileRole.MAIN]:
            document.files.remove(link)
    has_main = any(link.role == FileRole.MAIN for link in document.files)
    # The main file sits at position 0, attachments follow in the order they were added.
    position = max((link.position for link in document.files if link.role == FileRole.ATTACHMENT), default=0)
    added = []
    # Text of the PDFs, for search: read here, before anything is written (on SQLite the first
    # insert takes the database's write lock until the commit), or queued for the text worker.
    inline = settings().extracts_text_inline
    texts = [pdf_text(file.stream) if inline and _is_pdf(file) else None for file in files]
    for file, text in zip(files, texts, strict=True):
        file.stream.seek(0)
        stored = store_file(file.stream, file.name, uploaded_by=uploader, flush=False)
        stored.agency_id = document.agency_id
        if _is_pdf(file):
            signing.queue_check(stored)
        if text is not None and text.failure is not None:
            note_text_not_extracted(document, stored.name, text)
        if not inline and _is_pdf(file):
            document.text_extractions.add(TextExtraction(stored_file=stored, created_at=clock.now()))
        elif _waits_for_ocr(document, file, text):
            # Its text layer (if any) is indexed: the text worker only recognises the scan.
            document.text_extractions.add(
                TextExtraction(stored_file=stored, created_at=clock.now(), text_indexed=text is not None)
            )
        if has_main:
            position += 1
            link = DocumentFile(stored_file=stored, role=FileRole.ATTACHMENT, position=position)
        else:
            link = DocumentFile(stored_file=stored, role=FileRole.MAIN, position=0)
            has_main = True
        link.created_at = clock.now()
        document.files.append(link)
        added.append(link)
    index_document(document, [text.output for text in texts if text is not None])
    return added


def _waits_for_ocr(document: Document, file: IncomingFile, text: Parsed | None) -> bool:
    """A scan arriving with an incoming document: an image, or a PDF whose text layer misses a page."""
    if not settings().ocr or document.direction != Direction.INCOMING:
        return False
    if file.content_type in OCR_IMAGE_TYPES:
        return True
    return text is not None and text.failure is None and bool(pages_without_text(text.output))


def keep_recognised(document: Document, scan: StoredFile, recognised: Recognised) -> None:
    """The OCR of a scan of the document: its searchable PDF takes the scan's place (role and position),
    the scan stays beside it as the original, untouched; or the trace says why there is none."""
    if recognised.failure is not None:
        failed = Parsed(failure=recognised.failure, reason=recognised.reason)
        note_text_not_extracted(document, scan.name, failed)
        return
    source = next((link for link in document.files if link.stored_file_id == scan.id), None)
    if source is None or recognised.pdf is None:
        return  # the scan left the document meanwhile
    with recognised.pdf.open("rb") as pdf:
        stored = store_file(pdf, _searchable_name(scan.name), uploaded_by=None, flush=False)
    stored.agency_id = document.agency_id
    searchable = DocumentFile(
        stored_file=stored, role=source.role, position=source.position, derived_from_id=source.id
    )
    searchable.created_at = clock.now()
    source.role = FileRole.ORIGINAL
    document.files.append(searchable)
    record(
        document,
        None,
        "text_recognised",
        note=f"Đã nhận dạng chữ (OCR) tệp {scan.name}: bản PDF tìm kiếm được là {stored.name}.",
        details={
            "file": scan.name,
            "searchable_file": stored.name,
            "pages": list(recognised.pages),
            "pdfa": recognised.is_pdfa,
        },
    )


def _searchable_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}-ocr.pdf"


def read_content(link: DocumentFile) -> bytes:
    try:
        return b"".join(storage().open(link.stored_file.key))
    except StorageError as exc:
        raise ApiError(503, "storage_unavailable", "the object store is unavailable; try again") from exc


def replace_content(link: DocumentFile, content: bytes, actor: User | None) -> None:
    """The file now holds these bytes (a signed version): a new object under the same name.

    The earlier version, when no other row needs it, goes: its row (and signature check) in this
    transaction, its object once the transaction has committed (discard_after_commit), so that a
    refused or failed act keeps it whole.
    """
    previous = link.stored_file
    stored = store_file(io.BytesIO(content), previous.name, uploaded_by=actor, flush=False)
    stored.agency_id = previous.agency_id
    signing.queue_check(stored)
    link.stored_file = stored
    db.session.flush()
    if not _still_referenced(previous):
        discard_after_commit(previous)


def _still_referenced(stored: StoredFile) -> bool:
    """Whether a row of any table (a document's link, a meeting's file, minutes) names this file.

    Rows that exist only for the file (signature checks, text extractions: ON DELETE CASCADE) go with it.
    """
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name != StoredFile.__tablename__ or key.ondelete == "CASCADE":
                continue
            found = db.session.execute(select(key.parent).where(key.parent == stored.id).limit(1)).first()
            if found is not None:
                return True
    return False


_FAILURES_IN_WORDS = {
    Failure.TOO_LARGE: "vượt giới hạn xử lý",
    Failure.TIMED_OUT: "quá thời gian xử lý",
    Failure.UNREADABLE: "tệp không đọc được",
}


def note_text_not_extracted(document: Document, file_name: str, parsed: Parsed) -> None:
    """A file whose text search will not find: the trace says which and why (the metadata still is)."""
    record(
        document,
        None,
        "text_not_extracted",
        note=f"Không lấy được nội dung tệp {file_name} để tìm kiếm: {_FAILURES_IN_WORDS[parsed.failure]}.",
        details={"file": file_name, "reason": str(parsed.failure), "detail": parsed.reason},
    )
