"""A well-signed package from another agency carrying a PDF bomb: taken in, the bomb read by a bounded
child process, the document kept without that file's text and with the reason in its trace."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eoffice.axis import inbound
from eoffice.axis.models import AxisReceipt
from eoffice.axis.package import PackageFile, build_package
from eoffice.documents.fulltext import fold
from eoffice.documents.models import Document
from eoffice.documents.tasks import index_queued_texts
from eoffice.extensions import db
from eoffice.runtime import settings
from tests.eoffice.axis.conftest import RECIPIENT, SENDER, unreachable_connector
from tests.eoffice.axis.packages import a_package
from tests.fixtures.hostile_pdfs import MB, PeakRss, inflating_pdf


@pytest.fixture
def connector(app, key_dir):
    yield from unreachable_connector(key_dir)


def test_a_signed_package_carrying_a_pdf_bomb_is_taken_in_without_that_files_text(
    connector, client, people, as_user, sender_identity
):
    # ~46 KB whose page is 30 MB of text objects: PDFium took 2.8 GB to read it.
    bomb = inflating_pdf(30 * MB, b"(a) Tj ")
    package = a_package(files=[PackageFile("Quyết định số 05.pdf", "application/pdf", bomb, "Văn bản chính")])
    body = build_package(package, sender_identity)
    item = {"message_id": "m-1", "type": "edoc", "from": SENDER, "to": RECIPIENT}

    with PeakRss() as peak:
        inbound.import_package(connector, item, body)
        if not settings().extracts_text_inline:
            assert index_queued_texts() == 1
    # Stated bound: the server grows by less than 200 MB.
    assert peak.growth < 200 * MB

    db.session.expire_all()
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    document = db.session.get(Document, receipt.document_id)
    assert (receipt.outcome, document.status, document.source_reference) == (
        "imported",
        "pending_registration",
        package.document_id,
    )
    assert [link.stored_file.size for link in document.files] == [len(bomb)]
    [entry] = [step for step in document.trace if step.action == "text_not_extracted"]
    assert (entry.details["file"], entry.details["reason"]) == ("Quyết định số 05.pdf", "too_large")
    assert entry.actor_name == "Hệ thống"
    assert document.search.file_text == ""
    assert fold(package.subject) in document.search.body
    # The next request is answered: the recipient's clerk sees the document waiting.
    shown = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.outsider_clerk))
    assert shown.status_code == 200 and shown.get_json()["status"] == "pending_registration"
