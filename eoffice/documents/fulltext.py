"""Accent-insensitive full-text search over documents: PostgreSQL FTS, or SQLite FTS5 when embedded.

Text is folded in Python before it is indexed and before it is searched ("Quyết định" and
"quyet dinh" both become "quyet dinh"), so both databases index the same plain tokens and a
query typed without diacritics finds the Vietnamese text.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import BinaryIO

from sqlalchemy import ColumnElement, event, func, inspect, literal_column, select, text
from sqlalchemy.orm import Session

from eoffice.documents.document_types import number_and_notation
from eoffice.documents.models import Document, DocumentSearch
from eoffice.extensions import db

log = logging.getLogger(__name__)

# Indexing stops here: a register of a thousand pages does not need every word to be found.
MAX_INDEXED_CHARS = 200_000
_TOKEN = re.compile(r"\w+", re.UNICODE)
# PDFium is not thread-safe: concurrent use from two threads corrupts its heap.
_PDFIUM = threading.Lock()


def fold(value: str) -> str:
    """Lowercase, without diacritics, đ as d: what both the index and the queries are made of."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(_TOKEN.findall(stripped.lower()))


def extract_pdf_text(stream: BinaryIO) -> str:
    """The text layer of a PDF, or "" when it has none or cannot be read (a scan, a damaged file)."""
    with _PDFIUM:
        return _extract(stream)


def _extract(stream: BinaryIO) -> str:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(stream)
    except pypdfium2.PdfiumError as exc:
        log.info("no text extracted: %s", exc)
        return ""
    parts: list[str] = []
    size = 0
    try:
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            chunk = text_page.get_text_range()
            text_page.close()
            page.close()
            parts.append(chunk)
            size += len(chunk)
            if size >= MAX_INDEXED_CHARS:
                break
    finally:
        document.close()
    return "\n".join(parts)[:MAX_INDEXED_CHARS]


INDEXED_FIELDS = ("subject", "number", "notation", "issuer_name", "signer_name", "note")


def index_document(document: Document, new_file_texts: list[str] | tuple[str, ...] = ()) -> None:
    """(Re)write the searchable text of a document; new_file_texts is the text of files just added."""
    if document.search is None:
        document.search = DocumentSearch(body="", file_text="")
    row = document.search
    added = fold(" ".join(new_file_texts))
    if added:
        row.file_text = (row.file_text + " " + added).strip()[:MAX_INDEXED_CHARS]
    code = number_and_notation(document.number, document.notation)
    fields = [document.subject, code, document.issuer_name, document.signer_name, document.note]
    row.body = (fold(" ".join(field for field in fields if field)) + " " + row.file_text).strip()


@event.listens_for(Session, "before_flush")
def _reindex_changed_documents(session: Session, _context, _instances) -> None:
    # Whatever operation changed a document's metadata (registration, issuance, an edit),
    # its searchable text follows in the same flush.
    for instance in list(session.new) + list(session.dirty):
        if not isinstance(instance, Document):
            continue
        state = inspect(instance)
        if instance in session.new or any(state.attrs[name].history.has_changes() for name in INDEXED_FIELDS):
            index_document(instance)


def _query_terms(query: str) -> list[str]:
    return fold(query).split()[:20]


def matches(document_id_column, query: str) -> ColumnElement[bool] | None:
    """A condition selecting the documents whose text contains every word of the query."""
    terms = _query_terms(query)
    if not terms:
        return None
    if db.engine.dialect.name == "postgresql":
        tsquery = func.to_tsquery(
            "simple", " & ".join(f"{term}:*" if i == len(terms) - 1 else term for i, term in enumerate(terms))
        )
        return document_id_column.in_(
            select(DocumentSearch.document_id).where(
                func.to_tsvector(literal_column("'simple'::regconfig"), DocumentSearch.body).op("@@")(tsquery)
            )
        )
    # FTS5: each term quoted (no operator injection), the last one as a prefix.
    fts_query = " ".join(f'"{term}"' + ("*" if i == len(terms) - 1 else "") for i, term in enumerate(terms))
    return document_id_column.in_(
        select(literal_column("rowid"))
        .select_from(text("document_search_fts"))
        .where(text("document_search_fts MATCH :fts_query").bindparams(fts_query=fts_query))
    )
