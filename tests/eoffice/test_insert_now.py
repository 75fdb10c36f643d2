"""eoffice.insert_now: new objects written with plain INSERTs end as if the session had flushed them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eoffice.documents.models import (
    Document,
    DocumentFile,
    DocumentParticipant,
    DocumentSearch,
    FileRole,
    TextExtraction,
    TraceEntry,
)
from eoffice.extensions import db
from eoffice.insert_now import insert_now
from eoffice.storage.models import StoredFile
from tests.factories import create_user

MOMENT = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _graph(agency_id: str, user, reference: str) -> tuple[Document, list[object]]:
    """A registered document as intake builds it: a file, its link, a participant, search, queue, trace."""
    document = Document(
        agency_id=agency_id,
        direction="incoming",
        status="registered",
        source_reference=reference,
        issuer_id="000.00.98.H49",
        issuer_name="Sở Nội vụ",
        document_type="CV",
        number=12,
        notation="SNV-TCBC",
        issued_date=date(2026, 11, 20),
        subject="Về việc tuyển dụng",
        created_by_id=user.id,
        created_at=MOMENT,
        assignments=[],
    )
    stored = StoredFile(
        key=f"2026/11/{reference}", name="cv.pdf", size=3, sha256="ab" * 32, content_type="application/pdf"
    )
    link = DocumentFile(stored_file=stored, role=FileRole.MAIN, position=0, created_at=MOMENT)
    document.files.append(link)
    participant = DocumentParticipant(user_id=user.id, user=user, named_at=MOMENT)
    document.participants.append(participant)
    document.search = DocumentSearch(agency_id=agency_id, body="ve viec tuyen dung", file_text="")
    extraction = TextExtraction(stored_file=stored, created_at=MOMENT)
    document.text_extractions.add(extraction)
    entry = TraceEntry(
        actor_id=user.id, actor_name="Văn thư", action="register", details={"to": "registered"}
    )
    document.trace.append(entry)
    return document, [document, stored, link, participant, document.search, extraction, entry]


def _statements() -> list[str]:
    seen: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_rows_written_with_keys_and_defaults_and_nothing_left_to_flush(app, agency):
    clerk = create_user("clerk", agency_id=agency.id)
    document, objects = _graph(agency.id, clerk, "ref-1")
    stored, extraction = objects[1], objects[5]
    insert_now(db.session, objects)
    assert not db.session.new and not db.session.dirty
    seen = _statements()
    # Everything is known without reading back: no lazy load of what was just written.
    assert (document.version, document.language, document.urgency, document.channel) == (
        1,
        "vi",
        "normal",
        "upload",
    )
    assert [link.stored_file.sha256 for link in document.files] == ["ab" * 32]
    assert document.trace[0].document_id == document.id and document.search.document_id == document.id
    assert seen == []
    document_id, stored_id, extraction_id, clerk_id = document.id, stored.id, extraction.id, clerk.id
    db.session.commit()
    db.session.expunge_all()

    row = db.session.execute(sa.select(Document.__table__).where(Document.id == document_id)).one()._mapping
    assert (row["subject"], row["issued_date"], row["version"], row["language"]) == (
        "Về việc tuyển dụng",
        date(2026, 11, 20),
        1,
        "vi",
    )
    assert row["updated_at"] is not None
    link_row = db.session.execute(sa.select(DocumentFile.__table__)).one()._mapping
    assert (link_row["document_id"], link_row["stored_file_id"]) == (document_id, stored_id)
    queued = db.session.execute(sa.select(TextExtraction.__table__)).one()._mapping
    assert (queued["id"], queued["document_id"], queued["stored_file_id"]) == (
        extraction_id,
        document_id,
        stored_id,
    )
    assert db.session.scalars(sa.select(DocumentParticipant.user_id)).all() == [clerk_id]
    trace = db.session.execute(sa.select(TraceEntry.__table__)).one()._mapping
    assert (trace["document_id"], trace["details"]) == (document_id, {"to": "registered"})

    # The version counter works from there on like for any flushed document.
    again = db.session.get(Document, document_id)
    again.subject = "Về việc tuyển dụng công chức"
    db.session.commit()
    assert db.session.scalar(sa.select(Document.version).where(Document.id == document_id)) == 2


def test_a_failed_insert_writes_nothing(app, agency):
    clerk = create_user("clerk", agency_id=agency.id)
    _, objects = _graph(agency.id, clerk, "ref-1")
    insert_now(db.session, objects)
    db.session.commit()
    # The same source reference again: the unique constraint refuses the document, and with it every row.
    _, objects = _graph(agency.id, clerk, "ref-1")
    objects[1].key = "2026/11/other"
    with pytest.raises(IntegrityError):
        insert_now(db.session, objects)
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TraceEntry)) == 1
