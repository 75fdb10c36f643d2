"""The demo province comes with documents in every state, each with a PDF, loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.demo import load_demo_data
from eoffice.documents.models import Document, Status
from eoffice.extensions import db
from eoffice.runtime import storage


def test_demo_documents_cover_every_state_and_load_once(app):
    load_demo_data()
    db.session.commit()
    documents = db.session.scalars(select(Document)).all()

    assert {document.status for document in documents} == {status.value for status in Status}
    for document in documents:
        assert document.files, document.subject
        head = b"".join(storage().open(document.files[0].stored_file.key))[:5]
        assert head == b"%PDF-"
    count = db.session.scalar(select(func.count()).select_from(Document))

    assert load_demo_data() is False
    assert db.session.scalar(select(func.count()).select_from(Document)) == count
