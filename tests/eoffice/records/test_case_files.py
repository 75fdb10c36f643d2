"""Case files: their code, consecutive ordinals (also concurrently), closing, the archivist's changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.records.models import CaseFile, CaseFileDocument
from eoffice.records.operations import case_files
from tests.eoffice.documents.test_numbering import concurrently
from tests.eoffice.records.conftest import CASE_FILES, act, handled, open_case_file
from tests.factories import create_agency, create_document, create_user

HOME = "000.00.00.H49"


def ordinals(case_file_id: int) -> list[tuple[int, int]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(CaseFileDocument.ordinal, CaseFileDocument.document_id)
            .where(CaseFileDocument.case_file_id == case_file_id)
            .order_by(CaseFileDocument.ordinal)
        )
    ]


def test_file_code_is_organ_year_notation_and_unique_per_agency_and_year(client, people, as_user):
    headers = as_user(people.handler)

    first = open_case_file(client, headers, year=2026)
    taken = open_case_file(client, as_user(people.colleague), year=2026, title="Hồ sơ khác")
    next_year = open_case_file(client, headers, year=2027)
    create_agency("000.00.05.H49", "Sở Tư pháp", units=["Văn phòng"])
    outsider = create_user("chuyenvien.stp", agency_id="000.00.05.H49", roles=["specialist"])
    elsewhere = open_case_file(client, as_user(outsider), year=2026)
    bad = open_case_file(client, headers, notation="VX/01")

    assert first.status_code == 201, first.get_json()
    assert first.get_json()["code"] == f"{HOME}.2026.VX-01"
    assert first.get_json()["status"] == "open"
    assert first.get_json()["responsible_name"] == people.handler.full_name
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "case_file_code_taken"
    assert next_year.status_code == 201 and next_year.get_json()["code"] == f"{HOME}.2027.VX-01"
    assert elsewhere.status_code == 201 and elsewhere.get_json()["code"] == "000.00.05.H49.2026.VX-01"
    assert bad.status_code == 422 and "notation" in bad.get_json()["error"]["details"]["json"]
    assert db.session.scalar(
        select(CaseFile.title).where(CaseFile.year == 2026, CaseFile.agency_id == HOME)
    ) == ("Hồ sơ xây dựng dự toán ngân sách 2027")


def test_a_case_file_opened_from_the_file_list_takes_its_plan(client, people, as_user):
    entry = client.post(
        "/api/v1/records/file-list",
        json={
            "year": 2026,
            "heading": "Phòng Khoa giáo - Văn xã",
            "notation": "VX-07",
            "title": "Hồ sơ tổ chức Tết Nguyên đán",
            "retention_years": None,
            "unit_id": people.units["VX"],
            "responsible_id": people.handler.id,
        },
        headers=as_user(people.clerk),
    )
    assert entry.status_code == 201, entry.get_json()

    opened = client.post(
        CASE_FILES, json={"file_list_entry_id": entry.get_json()["id"]}, headers=as_user(people.handler)
    )

    assert opened.status_code == 201, opened.get_json()
    body = opened.get_json()
    assert (body["code"], body["title"], body["retention_years"]) == (
        f"{HOME}.2026.VX-07",
        "Hồ sơ tổ chức Tết Nguyên đán",
        None,
    )
    assert body["unit_id"] == people.units["VX"]


def test_documents_are_filed_in_order_with_dates_and_pages_from_them(client, people, as_user):
    headers = as_user(people.handler)
    case_file = open_case_file(client, headers).get_json()
    older = handled(people, "Công văn tháng ba", issued_date="2026-03-02", page_count=3)
    newer = handled(people, "Công văn tháng chín", issued_date="2026-09-15", page_count=2)

    for document in (newer, older):
        assert (
            act(client, headers, case_file["id"], "file_document", document_id=document.id).status_code == 200
        )

    body = client.get(f"{CASE_FILES}/{case_file['id']}", headers=headers).get_json()
    assert [(d["ordinal"], d["document_id"]) for d in body["documents"]] == [(1, newer.id), (2, older.id)]
    assert (body["start_date"], body["end_date"]) == ("2026-03-02", "2026-09-15")
    assert (body["document_count"], body["page_count"]) == (2, 5)

    reordered = act(client, headers, case_file["id"], "reorder", document_ids=[older.id, newer.id])
    assert reordered.status_code == 200, reordered.get_json()
    assert ordinals(case_file["id"]) == [(1, older.id), (2, newer.id)]

    third = handled(people, "Báo cáo tổng hợp", issued_date="2026-10-01", page_count=4)
    act(client, headers, case_file["id"], "file_document", document_id=third.id)
    removed = act(client, headers, case_file["id"], "remove_document", document_id=older.id)
    assert removed.status_code == 200, removed.get_json()
    assert ordinals(case_file["id"]) == [(1, newer.id), (2, third.id)]
    assert removed.get_json()["start_date"] == "2026-09-15"
    assert [e["action"] for e in removed.get_json()["history"]] == [
        "open",
        "file_document",
        "file_document",
        "reorder",
        "file_document",
        "remove_document",
    ]


def test_a_document_is_filed_once_per_agency_and_only_once_handled(client, people, as_user):
    headers = as_user(people.handler)
    first = open_case_file(client, headers).get_json()
    second = open_case_file(client, headers, notation="VX-02").get_json()
    document = handled(people)
    act(client, headers, first["id"], "file_document", document_id=document.id)
    unhandled = create_document("assigned", clerk=people.clerk, leader=people.leader, handler=people.handler)
    outsider = create_document("registered", clerk=people.outsider_clerk)

    again = act(client, headers, second["id"], "file_document", document_id=document.id)
    early = act(client, headers, second["id"], "file_document", document_id=unhandled.id)
    foreign = act(client, headers, second["id"], "file_document", document_id=outsider.id)
    missing = act(client, headers, second["id"], "file_document")

    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_filed"
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_state"
    assert foreign.status_code == 422 and "document_id" in foreign.get_json()["error"]["details"]["json"]
    assert missing.status_code == 422 and "document_id" in missing.get_json()["error"]["details"]["json"]
    assert ordinals(second["id"]) == []
    assert ordinals(first["id"]) == [(1, document.id)]


def test_ordinals_stay_consecutive_under_concurrent_filing(live_server, client, people, as_user):
    headers = [as_user(people.handler), as_user(people.handler)]
    case_file = open_case_file(client, headers[0]).get_json()
    documents = [handled(people, f"Văn bản số {i}") for i in range(8)]
    # The same document into two case files at once: exactly one of them gets it.
    other = open_case_file(client, headers[0], notation="VX-02").get_json()
    contested = handled(people, "Văn bản tranh chấp")
    work = [(case_file["id"], d.id) for d in documents] + [
        (case_file["id"], contested.id),
        (other["id"], contested.id),
    ]

    responses = concurrently(
        len(work),
        lambda i: requests.post(
            f"{live_server}{CASE_FILES}/{work[i][0]}/actions/file_document",
            json={"document_id": work[i][1]},
            headers=headers[i % 2],
            timeout=120,
        ),
    )

    statuses = [r.status_code for r in responses]
    assert statuses[:-2] == [200] * len(documents), [r.text for r in responses]
    assert sorted(statuses[-2:]) == [200, 409], [r.text for r in responses[-2:]]
    assert responses[-1 if statuses[-1] == 409 else -2].json()["error"]["code"] == "already_filed"
    db.session.expire_all()
    filed = ordinals(case_file["id"])
    assert [ordinal for ordinal, _ in filed] == list(range(1, len(filed) + 1))
    assert len(filed) + len(ordinals(other["id"])) == len(documents) + 1
    assert db.session.get(CaseFile, case_file["id"]).document_count == len(filed)


def test_a_filing_that_loses_the_race_for_its_document_is_refused_and_leaves_nothing(
    client, people, as_user, monkeypatch
):
    """Another case file takes the document after this filing checked it and before it inserts: the
    unique index refuses the insert, and the answer is the same 409 as when the check sees it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the filing holds it from its lock on")
    headers = as_user(people.handler)
    mine = open_case_file(client, headers).get_json()
    theirs = open_case_file(client, headers, notation="VX-02").get_json()
    contested = handled(people, "Văn bản tranh chấp")
    real_savepoint = case_files.savepoint

    def taken_meanwhile(session):
        with db.engine.begin() as other:
            other.execute(
                sa.insert(CaseFileDocument.__table__).values(
                    agency_id=HOME,
                    case_file_id=theirs["id"],
                    document_id=contested.id,
                    ordinal=1,
                    filed_by_id=people.handler.id,
                    filed_at=datetime.now(UTC),
                )
            )
        return real_savepoint(session)

    monkeypatch.setattr(case_files, "savepoint", taken_meanwhile)
    lost = act(client, headers, mine["id"], "file_document", document_id=contested.id)

    assert lost.status_code == 409, lost.get_data(as_text=True)
    assert lost.get_json()["error"]["code"] == "already_filed"
    db.session.expire_all()
    assert ordinals(mine["id"]) == [] and ordinals(theirs["id"]) == [(1, contested.id)]
    assert db.session.get(CaseFile, mine["id"]).document_count == 0


def test_a_closed_case_file_refuses_changes_except_the_archivists_with_the_reason(
    client, people, as_user, archivist
):
    headers = as_user(people.handler)
    case_file = open_case_file(client, headers).get_json()
    first, late = handled(people), handled(people, "Văn bản đến muộn")
    act(client, headers, case_file["id"], "file_document", document_id=first.id)

    closed = act(client, headers, case_file["id"], "close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert closed.get_json()["allowed_actions"] == ["propose_handover"]

    refused = [
        act(client, headers, case_file["id"], "file_document", document_id=late.id),
        client.patch(f"{CASE_FILES}/{case_file['id']}", json={"title": "Đổi tên"}, headers=headers),
        act(client, headers, case_file["id"], "reopen", reason="Bổ sung"),
    ]
    stranger = act(client, as_user(people.co_handler), case_file["id"], "file_document", document_id=late.id)
    unexplained = act(client, as_user(archivist), case_file["id"], "file_document", document_id=late.id)

    assert [r.status_code for r in refused] == [409, 409, 409]
    assert {r.get_json()["error"]["code"] for r in refused} == {"invalid_state"}
    assert stranger.status_code == 403
    assert unexplained.status_code == 422 and "reason" in unexplained.get_json()["error"]["details"]["json"]
    assert ordinals(case_file["id"]) == [(1, first.id)]
    assert db.session.get(CaseFile, case_file["id"]).title == case_file["title"]

    amended = act(
        client,
        as_user(archivist),
        case_file["id"],
        "file_document",
        document_id=late.id,
        reason="Văn bản về sau",
    )
    assert amended.status_code == 200, amended.get_json()
    assert amended.get_json()["status"] == "closed"
    assert ordinals(case_file["id"]) == [(1, first.id), (2, late.id)]
    last = amended.get_json()["history"][-1]
    assert (last["action"], last["reason"], last["actor_name"]) == (
        "file_document",
        "Văn bản về sau",
        archivist.full_name,
    )

    reopened = act(client, as_user(archivist), case_file["id"], "reopen", reason="Tiếp tục giải quyết")
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "open"
    assert reopened.get_json()["history"][-1]["reason"] == "Tiếp tục giải quyết"
    assert (
        "file_document"
        in client.get(f"{CASE_FILES}/{case_file['id']}", headers=headers).get_json()["allowed_actions"]
    )


def test_an_empty_case_file_is_not_closed(client, people, as_user):
    headers = as_user(people.handler)
    case_file = open_case_file(client, headers).get_json()

    response = act(client, headers, case_file["id"], "close")

    assert response.status_code == 409
    assert db.session.get(CaseFile, case_file["id"]).status == "open"


def test_the_file_list_is_copied_from_last_year_and_printed(client, people, as_user):
    clerk = as_user(people.clerk)
    for notation, title in (("VX-01", "Hồ sơ dự toán"), ("VP-01", "Hồ sơ hội nghị")):
        response = client.post(
            "/api/v1/records/file-list",
            json={
                "year": 2025,
                "heading": "Văn phòng",
                "notation": notation,
                "title": title,
                "retention_years": 5,
            },
            headers=clerk,
        )
        assert response.status_code == 201, response.get_json()
    client.post(
        "/api/v1/records/file-list",
        json={
            "year": 2026,
            "heading": "Văn phòng",
            "notation": "VP-01",
            "title": "Đã có",
            "retention_years": 5,
        },
        headers=clerk,
    )

    copied = client.post(
        "/api/v1/records/file-list/copy", json={"from_year": 2025, "to_year": 2026}, headers=clerk
    )
    listed = client.get("/api/v1/records/file-list?year=2026", headers=as_user(people.handler))
    csv = client.get("/api/v1/records/file-list?year=2026&format=csv", headers=clerk)
    pdf = client.get("/api/v1/records/file-list?year=2026&format=pdf", headers=clerk)
    refused = client.post(
        "/api/v1/records/file-list/copy",
        json={"from_year": 2025, "to_year": 2026},
        headers=as_user(people.handler),
    )

    assert copied.status_code == 201 and [e["notation"] for e in copied.get_json()] == ["VX-01"]
    assert sorted((e["notation"], e["title"]) for e in listed.get_json()) == [
        ("VP-01", "Đã có"),
        ("VX-01", "Hồ sơ dự toán"),
    ]
    assert "Hồ sơ dự toán" in csv.get_data().decode("utf-8-sig")
    assert pdf.mimetype == "application/pdf" and pdf.get_data().startswith(b"%PDF")
    assert refused.status_code == 403


def test_case_files_are_found_by_title_code_and_keywords_without_diacritics(client, people, as_user):
    headers = as_user(people.handler)
    budget = open_case_file(client, headers, title="Hồ sơ dự toán ngân sách", keywords="tài chính").get_json()
    festival = open_case_file(
        client, headers, notation="VH-02", title="Hồ sơ lễ hội Đêm phố cổ", keywords="du lịch"
    ).get_json()
    document = handled(people)
    act(client, headers, festival["id"], "file_document", document_id=document.id)

    def found(query: str) -> list[int]:
        response = client.get(f"{CASE_FILES}?{query}", headers=as_user(people.colleague))
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert found("q=ngan sach") == [budget["id"]]
    assert found("q=DEM PHO") == [festival["id"]]
    assert found("q=vh-02") == [festival["id"]]
    assert found("q=tai chinh") == [budget["id"]]
    assert found("q=hồ sơ") == [festival["id"], budget["id"]]
    assert found("q=100%25") == []
    assert found(f"document_id={document.id}") == [festival["id"]]
