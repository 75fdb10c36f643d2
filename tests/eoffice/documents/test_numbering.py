"""Arrival and outgoing numbers: consecutive under concurrency, per year and series, not lost to rollbacks."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from eoffice.documents import clock, numbering, operations
from eoffice.documents.document_types import build_notation, number_and_notation
from eoffice.documents.models import Document, NumberCounter
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.storage.operations import commit_or_discard
from tests.factories import create_document, incoming_metadata, pdf_file

THREADS = 24
PDF = text_pdf("Văn bản đến")


def concurrently(count: int, work):
    """Run work(i) for i in range(count) from as many threads, released together."""
    barrier = threading.Barrier(count)

    def run(index):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def register_over_http(live_server, headers, metadata):
    return requests.post(
        f"{live_server}/api/v1/documents/incoming",
        data={"metadata": json.dumps(metadata)},
        files=[("files", ("van-ban.pdf", PDF, "application/pdf"))],
        headers=headers,
        timeout=120,
    )


def test_arrival_numbers_are_consecutive_under_concurrent_registration(live_server, people, login):
    headers = [login(people.clerk.username), login(people.clerk2.username)]

    responses = concurrently(
        THREADS,
        lambda i: register_over_http(live_server, headers[i % 2], incoming_metadata(number=i + 1)),
    )

    assert [r.status_code for r in responses] == [201] * THREADS, [
        r.text for r in responses if r.status_code != 201
    ]
    numbers = sorted(r.json()["arrival_number"] for r in responses)
    assert numbers == list(range(1, THREADS + 1))
    stored = db.session.scalars(select(Document.arrival_number).order_by(Document.arrival_number)).all()
    assert stored == numbers
    assert db.session.scalars(select(NumberCounter.last_number)).all() == [THREADS]


def test_registrations_that_fail_after_numbering_leave_no_gap(live_server, people, login, monkeypatch):
    real_number_arrival = numbering.number_arrival

    def fails_for_some(document, entry, day, now):
        number = real_number_arrival(document, entry, day, now)
        if "HỎNG" in document.subject:
            raise RuntimeError("the transaction fails after it took a number")
        return number

    monkeypatch.setattr(numbering, "number_arrival", fails_for_some)
    headers = login(people.clerk.username)

    responses = concurrently(
        THREADS,
        lambda i: register_over_http(
            live_server,
            headers,
            incoming_metadata(number=i + 1, subject=f"Văn bản {'HỎNG' if i % 3 == 0 else 'tốt'} {i}"),
        ),
    )

    succeeded = [r for r in responses if r.status_code == 201]
    assert len(succeeded) == THREADS - len(range(0, THREADS, 3))
    assert all(r.status_code == 500 for r in responses if r.status_code != 201)
    assert sorted(r.json()["arrival_number"] for r in succeeded) == list(range(1, len(succeeded) + 1))


def test_concurrent_issuance_numbers_one_to_n_without_gaps_or_duplicates(live_server, people, login):
    document_ids = [
        create_document(
            "approved",
            clerk=people.clerk,
            drafter=people.handler,
            reviewers=[people.reviewer],
            signer=people.leader,
            metadata={"subject": f"Quyết định số thứ tự {i}"},
        ).id
        for i in range(THREADS)
    ]
    headers = [login(people.clerk.username), login(people.clerk2.username)]

    responses = concurrently(
        THREADS,
        lambda i: requests.post(
            f"{live_server}/api/v1/documents/{document_ids[i]}/actions/issue",
            json={},
            headers=headers[i % 2],
            timeout=120,
        ),
    )

    assert [r.status_code for r in responses] == [200] * THREADS, [
        r.text for r in responses if r.status_code != 200
    ]
    assert sorted(r.json()["number"] for r in responses) == list(range(1, THREADS + 1))
    assert {r.json()["notation"] for r in responses} == {"QĐ-UBND"}


def test_two_clerks_registering_the_same_arrival_at_once_take_one_number(live_server, people, login):
    pending_id = create_document("pending_registration", clerk=people.clerk).id
    headers = [login(people.clerk.username), login(people.clerk2.username)]

    responses = concurrently(
        2,
        lambda i: requests.post(
            f"{live_server}/api/v1/documents/{pending_id}/actions/register",
            json={},
            headers=headers[i],
            timeout=60,
        ),
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    db.session.expire_all()
    document = db.session.get(Document, pending_id)
    assert document.arrival_number == 1
    assert [e.action for e in document.trace] == ["receive", "register"]
    assert db.session.scalars(select(NumberCounter.last_number)).all() == [1]


def at(year, month, day, hour, minute=0, second=0):
    """A UTC moment."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_arrival_numbers_restart_on_new_year_in_vietnam_time(people, monkeypatch):
    def register_at(moment):
        monkeypatch.setattr("eoffice.documents.clock.now", lambda: moment)
        return create_document("registered", clerk=people.clerk)

    late_2026 = [register_at(at(2026, 12, 31, 10)), register_at(at(2026, 12, 31, 16, 59, 59))]
    # 17:00 UTC on 31 December is midnight in Vietnam: a new year, a new series.
    early_2027 = [register_at(at(2026, 12, 31, 17)), register_at(at(2027, 1, 2, 1))]

    assert [(d.arrival_year, d.arrival_number, str(d.arrival_date)) for d in late_2026 + early_2027] == [
        (2026, 1, "2026-12-31"),
        (2026, 2, "2026-12-31"),
        (2027, 1, "2027-01-01"),
        (2027, 2, "2027-01-02"),
    ]


def test_outgoing_numbers_restart_on_new_year_in_vietnam_time(people, monkeypatch):
    def issue_at(moment):
        document = create_document(
            "approved",
            clerk=people.clerk,
            drafter=people.handler,
            reviewers=[people.reviewer],
            signer=people.leader,
        )
        monkeypatch.setattr("eoffice.documents.clock.now", lambda: moment)
        with commit_or_discard():
            operations.issue(document, people.clerk)
        monkeypatch.undo()
        return document

    issued = [
        issue_at(at(2026, 12, 31, 16, 59, 59)),
        issue_at(at(2026, 12, 31, 17, 0, 0)),
        issue_at(at(2027, 3, 1, 3)),
    ]
    assert [(d.number_year, d.number, str(d.issued_date)) for d in issued] == [
        (2026, 1, "2026-12-31"),
        (2027, 1, "2027-01-01"),
        (2027, 2, "2027-03-01"),
    ]


def test_each_series_counts_on_its_own(people):
    def issue(document_type, **metadata):
        document = create_document(
            "issued",
            clerk=people.clerk,
            drafter=people.handler,
            reviewers=[people.reviewer],
            signer=people.leader,
            metadata={"document_type": document_type, **metadata},
        )
        year = f"{document.number_year}/" if document.is_legal_normative else ""
        assert document.number_and_notation == f"{document.number:02d}/{year}{document.notation}"
        return document.number_and_notation, document.series

    results = [
        issue("QĐ"),
        issue("CV"),
        issue("QĐ", is_legal_normative=True),
        issue("NQ", is_legal_normative=True),
        issue("QĐ", is_legal_normative=True),
        issue("TB", confidentiality="secret"),
        issue("CV", confidentiality="confidential"),
        issue("TB"),
    ]
    year = clock.vietnam_date(clock.now()).year
    assert results == [
        ("01/QĐ-UBND", "general"),
        ("02/UBND-VX", "general"),
        (f"01/{year}/QĐ-UBND", "legal:QĐ"),
        (f"01/{year}/NQ-UBND", "legal:NQ"),
        (f"02/{year}/QĐ-UBND", "legal:QĐ"),
        ("01/TB-UBND", "confidential"),
        ("02/UBND-VX", "confidential"),
        ("03/TB-UBND", "general"),
    ]


def test_a_failed_issuance_does_not_consume_a_number(people, monkeypatch):
    document = create_document(
        "approved",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
    )
    real_take_number = numbering.take_number

    def take_then_fail(*args):
        real_take_number(*args)
        raise RuntimeError("the server stops after numbering")

    monkeypatch.setattr(numbering, "take_number", take_then_fail)
    with pytest.raises(RuntimeError), commit_or_discard():
        operations.issue(document, people.clerk)
    monkeypatch.undo()

    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "approved"
    with commit_or_discard():
        operations.issue(db.session.get(Document, document.id), people.clerk)
    assert db.session.get(Document, document.id).number == 1


def test_a_failed_registration_does_not_consume_a_number(app, people, monkeypatch):
    real_number_arrival = numbering.number_arrival

    def take_then_fail(*args):
        real_number_arrival(*args)
        raise RuntimeError("the server stops after numbering")

    monkeypatch.setattr(numbering, "number_arrival", take_then_fail)
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id, metadata=incoming_metadata(), files=[pdf_file()]
    )
    with pytest.raises(RuntimeError), commit_or_discard():
        operations.register_upload(record, people.clerk)
    monkeypatch.undo()

    assert create_document("registered", clerk=people.clerk).arrival_number == 1


def test_notations_follow_decree_30():
    assert build_notation("QĐ", "UBND", "VX") == "QĐ-UBND"
    assert build_notation("CV", "UBND", "VX") == "UBND-VX"
    assert build_notation("THC", "BNV", "VP") == "BNV-VP"
    assert number_and_notation(5, "QĐ-UBND") == "05/QĐ-UBND"
    assert number_and_notation(12, "UBND-VX") == "12/UBND-VX"
    assert number_and_notation(123, "TTr-SNV") == "123/TTr-SNV"
    assert number_and_notation(15, "QĐ-UBND", 2026) == "15/2026/QĐ-UBND"
    assert number_and_notation(5, "NĐ-CP", 2026) == "05/2026/NĐ-CP"


def test_issuing_without_an_agency_abbreviation_is_refused_and_changes_nothing(client, people, as_user):
    from eoffice.accounts.models import Agency

    document = create_document(
        "approved",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
    )
    db.session.get(Agency, people.clerk.agency_id).abbreviation = None
    db.session.commit()

    response = client.post(
        f"/api/v1/documents/{document.id}/actions/issue", json={}, headers=as_user(people.clerk)
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "notation_unavailable"
    assert db.session.get(Document, document.id).status == "approved"
    assert db.session.scalars(select(NumberCounter)).all() == []
