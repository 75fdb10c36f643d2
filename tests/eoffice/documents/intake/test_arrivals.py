"""Documents that arrive by a channel (the axis): they wait for a clerk, arrive once however many
deliveries race, and are written whole."""

from __future__ import annotations

import io

from eoffice.documents import operations
from eoffice.documents.models import Channel, Document
from eoffice.extensions import db
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import count, stored_objects
from tests.eoffice.documents.intake.conftest import PDF
from tests.factories import incoming_metadata, pdf_file


def test_an_arrival_by_the_axis_waits_for_a_clerk_and_arrives_once(app, people):
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[pdf_file()],
        channel=Channel.AXIS,
        source_reference="000.00.12.H49,2026/11/20,125/STC-NS",
    )
    with commit_or_discard():
        document, _ = operations.receive_incoming(record)
    with commit_or_discard():
        again, _ = operations.receive_incoming(record)

    assert again.id == document.id
    assert count(Document) == 1 and len(stored_objects(app)) == 1
    document = db.session.get(Document, document.id)
    assert (document.status, document.arrival_number, document.channel) == (
        "pending_registration",
        None,
        "axis",
    )
    assert [(e.action, e.actor_id, e.actor_name) for e in document.trace] == [
        ("receive", None, "Trục liên thông văn bản quốc gia")
    ]


def test_two_deliveries_of_one_document_racing_make_one_document_and_the_second_finds_it(app, people):
    """The second delivery passes its look-up before the first commits; its insert then waits for the
    first and hits the unique source reference: it must answer with the first document, not fail."""
    import threading
    import time

    def delivery():
        return operations.InboundRecord(
            agency_id=people.clerk.agency_id,
            metadata=incoming_metadata(),
            files=[pdf_file()],
            channel=Channel.AXIS,
            source_reference="000.00.12.H49,2026/11/20,125/STC-NS",
        )

    first_written, release = threading.Event(), threading.Event()
    found: dict[str, int] = {}
    failures: list[BaseException] = []

    def receive(name: str, before=None, after=None):
        try:
            with app.app_context():
                if before:
                    before.wait(10)
                with commit_or_discard():
                    document, _ = operations.receive_incoming(delivery())
                    found[name] = document.id
                    if after:
                        after.set()
                        release.wait(10)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [
        threading.Thread(target=receive, args=("first", None, first_written)),
        threading.Thread(target=receive, args=("second", first_written, None)),
    ]
    for thread in threads:
        thread.start()
    first_written.wait(10)
    time.sleep(1.5)  # the second delivery is now waiting on the first one's insert
    release.set()
    for thread in threads:
        thread.join(30)

    assert failures == []
    assert found["first"] == found["second"]
    assert count(Document) == 1
    assert len(stored_objects(app)) == 1


def test_a_registration_written_by_insert_now_leaves_nothing_pending_and_its_search_row_exists(
    app, people, monkeypatch
):
    """register_upload writes the new document's rows with eoffice.insert_now, past the unit of work: right
    after it the session holds nothing of them still to flush, and the search row is in the database."""
    from sqlalchemy import select

    from eoffice.documents.fulltext import fold
    from eoffice.documents.models import DocumentSearch
    from eoffice.documents.operations import intake
    from eoffice.insert_now import insert_now

    seen = {}

    def insert_and_look(session, objects):
        insert_now(session, objects)
        written = {id(item) for item in objects}
        seen["pending"] = [
            item for item in [*session.new, *session.dirty, *session.deleted] if id(item) in written
        ]
        seen["written"] = len(objects)
        seen["document_id"] = document_id = next(item.id for item in objects if isinstance(item, Document))
        # A statement of its own with autoflush off: only what insert_now wrote can answer it.
        with session.no_autoflush:
            seen["search"] = session.execute(
                select(DocumentSearch.__table__.c.body).where(
                    DocumentSearch.__table__.c.document_id == document_id
                )
            ).scalar_one_or_none()

    monkeypatch.setattr(intake, "insert_now", insert_and_look)
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[operations.IncomingFile("cong-van.pdf", io.BytesIO(PDF))],
    )
    with commit_or_discard():
        operations.register_upload(record, people.clerk)

    # The document, its stored file and link, its participant, search row, text-extraction job and trace.
    assert seen["written"] >= 6
    assert seen["pending"] == []
    assert seen["search"] is not None and fold("dự toán ngân sách") in seen["search"]
    assert db.session.get(DocumentSearch, seen["document_id"]).agency_id == people.clerk.agency_id
