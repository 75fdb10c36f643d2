"""Accent-insensitive full-text search over documents: PostgreSQL FTS, or SQLite FTS5 when embedded.

Text is folded in Python before it is indexed and before it is searched ("Quyết định" and
"quyet dinh" both become "quyet dinh"), so both databases index the same plain tokens and a
query typed without diacritics finds the Vietnamese text.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, event, func, inspect, literal_column, select, text
from sqlalchemy.orm import Session

from eoffice.documents.models import Document, DocumentSearch
from eoffice.extensions import db

# Indexing stops here: a register of a thousand pages does not need every word to be found.
MAX_INDEXED_CHARS = 200_000
_TOKEN = re.compile(r"\w+", re.UNICODE)


class _MarkStripper(dict):
    """A str.translate table: nonspacing marks (category Mn) to nothing, đ to d, anything else kept.

    Filled as characters are first seen, so that folding a PDF's text (tens of thousands of
    characters of a small alphabet) is one str.translate instead of a look-up per character.
    """

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = value
        return value


_STRIP_MARKS = _MarkStripper({ord("đ"): "d", ord("Đ"): "D"})


def fold(value: str) -> str:
    """Lowercase, without diacritics, đ as d: what both the index and the queries are made of."""
    stripped = unicodedata.normalize("NFD", value).translate(_STRIP_MARKS)
    return " ".join(_TOKEN.findall(stripped.lower()))


# PostgreSQL keeps to_tsvector('simple', body) in this generated column (migration 0006).
_BODY_TSV = literal_column("document_search.body_tsv")

INDEXED_FIELDS = ("subject", "number", "notation", "issuer_name", "signer_name", "note")


def index_document(document: Document, new_file_texts: list[str] | tuple[str, ...] = ()) -> None:
    """(Re)write the searchable text of a document; new_file_texts is the text of files just added."""
    if document.search is None:
        document.search = DocumentSearch(body="", file_text="")
    row = document.search
    row.agency_id = document.agency_id
    added = fold(" ".join(new_file_texts))
    if added:
        row.file_text = (row.file_text + " " + added).strip()[:MAX_INDEXED_CHARS]
    code = document.number_and_notation
    fields = [document.subject, code, document.issuer_name, document.signer_name, document.note]
    row.body = (fold(" ".join(field for field in fields if field)) + " " + row.file_text).strip()


def lock_search_row(session: Session, document_id: int) -> DocumentSearch | None:
    """The document's search row read again, locked until the commit (PostgreSQL).

    The text worker adds a PDF's text while a clerk may be changing the metadata: each rebuilds
    body under this lock from the other's committed part, so neither writes over the other's.
    """
    query = (
        select(DocumentSearch)
        .where(DocumentSearch.document_id == document_id)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


@event.listens_for(Session, "before_flush")
def _reindex_changed_documents(session: Session, _context, _instances) -> None:
    # Whatever operation changed a document's metadata (registration, issuance, an edit),
    # its searchable text follows in the same flush.
    for instance in list(session.new) + list(session.dirty):
        if not isinstance(instance, Document):
            continue
        if instance in session.new:
            index_document(instance)
        elif any(inspect(instance).attrs[name].history.has_changes() for name in INDEXED_FIELDS):
            lock_search_row(session, instance.id)
            index_document(instance)


def _query_terms(query: str) -> list[str]:
    return fold(query).split()[:20]


def _tsquery(terms: list[str]):
    # Every word, the last one also as a prefix (a word typed halfway).
    return func.to_tsquery(
        "simple", " & ".join(f"{term}:*" if i == len(terms) - 1 else term for i, term in enumerate(terms))
    )


def matches(document_id_column, query: str, agency_id: str | None = None) -> ColumnElement[bool] | None:
    """The documents (of the agency, if given) whose text contains every word of the query, from the index.

    None when the query has no word. On PostgreSQL the GIN index over (agency_id, body_tsv) finds
    them; the set is computed once (a materialised CTE), then the caller's conditions and order apply.
    """
    terms = _query_terms(query)
    if not terms:
        return None
    if db.engine.dialect.name == "postgresql":
        found = select(DocumentSearch.document_id).where(_BODY_TSV.op("@@")(_tsquery(terms)))
        if agency_id is not None:
            found = found.where(DocumentSearch.agency_id == agency_id)
        matched = found.cte("text_matches").prefix_with("MATERIALIZED")
        return document_id_column.in_(select(matched.c.document_id))
    # FTS5: each term quoted (no operator injection), the last one as a prefix.
    fts_query = " ".join(f'"{term}"' + ("*" if i == len(terms) - 1 else "") for i, term in enumerate(terms))
    return document_id_column.in_(
        select(literal_column("rowid"))
        .select_from(text("document_search_fts"))
        .where(text("document_search_fts MATCH :fts_query").bindparams(fts_query=fts_query))
    )


def row_matches(document_id_column, query: str) -> ColumnElement[bool] | None:
    """The same test as matches(), made row by row on the stored tsvector (PostgreSQL); None elsewhere.

    For walking documents newest first and stopping at a page: when the words are common, a few
    rows in a hundred match and the walk ends long before the index could have listed every match.
    """
    terms = _query_terms(query)
    if not terms or db.engine.dialect.name != "postgresql":
        return None
    # A scalar subquery, so the database tests each row it reaches instead of joining all matches.
    return (
        select(_BODY_TSV.op("@@")(_tsquery(terms)))
        .where(DocumentSearch.document_id == document_id_column)
        .scalar_subquery()
    ).is_(True)
