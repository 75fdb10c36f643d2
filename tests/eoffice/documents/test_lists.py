"""Lists of documents: what waits for each person by default, filters, and keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import create_document


def ids(client, headers, query=""):
    response = client.get(f"/api/v1/documents{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_the_default_list_is_what_each_person_has_to_act_on(client, people, as_user):
    p = people
    roles = dict(clerk=p.clerk, leader=p.leader, handler=p.handler, drafter=p.handler, signer=p.leader)
    pending = create_document("pending_registration", **roles)
    registered = create_document("registered", **roles)
    to_direct = create_document("awaiting_direction", **roles)
    to_direct_by_other = create_document("awaiting_direction", **{**roles, "leader": p.leader2})
    assigned = create_document(
        "assigned",
        **roles,
        assignment={
            "primary_user_id": p.handler.id,
            "co_handler_ids": [p.co_handler.id],
            "informed_ids": [p.informed.id],
        },
    )
    to_unit = create_document(
        "in_progress", **{**roles, "handler": p.colleague}, assignment={"primary_unit_id": p.units["VX"]}
    )
    completed = create_document("completed", **roles)
    draft = create_document("draft", **roles)
    in_review = create_document("in_review", **roles, reviewers=[p.reviewer])
    to_sign = create_document("awaiting_signature", **roles, reviewers=[p.reviewer])
    returned = create_document("returned", **roles, reviewers=[p.reviewer])
    approved = create_document("approved", **roles, reviewers=[p.reviewer])
    issued = create_document(
        "issued", **roles, reviewers=[p.reviewer], metadata={"recipients": [{"unit_id": p.units["KT"]}]}
    )

    def waiting(user):
        return set(ids(client, as_user(user), "?limit=100"))

    assert waiting(p.clerk) == {pending.id, registered.id, approved.id}
    assert waiting(p.leader) == {to_direct.id, to_sign.id}
    assert waiting(p.leader2) == {to_direct_by_other.id}
    assert waiting(p.reviewer) == {in_review.id, to_unit.id}  # a member of the handling unit VX too
    assert waiting(p.handler) == {assigned.id, to_unit.id, draft.id, returned.id}
    assert waiting(p.colleague) == {to_unit.id}
    assert waiting(p.co_handler) == {assigned.id, issued.id}
    assert waiting(p.informed) == {assigned.id, issued.id}
    assert completed.id not in waiting(p.handler)

    # Once read, what was only to be read leaves the list.
    for document in (assigned, issued):
        response = client.post(
            f"/api/v1/documents/{document.id}/actions/mark_read", json={}, headers=as_user(p.informed)
        )
        assert response.status_code == 200, response.get_json()
    assert waiting(p.informed) == set()
    assert waiting(p.co_handler) == {assigned.id, issued.id}


def test_filters_by_direction_status_urgency_text_and_dates(client, people, as_user, monkeypatch):
    p = people
    roles = dict(clerk=p.clerk, leader=p.leader, handler=p.handler, drafter=p.handler, signer=p.leader)

    def created_on(day, status, **metadata):
        monkeypatch.setattr("eoffice.documents.clock.now", lambda: datetime(2026, 11, day, 3, tzinfo=UTC))
        return create_document(status, **roles, reviewers=[p.reviewer], metadata=metadata)

    flood = created_on(10, "registered", subject="Công điện về ứng phó bão số 13", urgency="flash")
    budget = created_on(12, "registered", subject="Hướng dẫn dự toán ngân sách", notation="STC-QLNS")
    plan = created_on(14, "draft", subject="Kế hoạch cải cách hành chính", document_type="KH")
    headers = as_user(p.leader)

    assert ids(client, headers, "?status=all&direction=incoming") == [budget.id, flood.id]
    assert ids(client, headers, "?status=all&direction=outgoing") == [plan.id]
    assert ids(client, headers, "?status=draft,registered") == [plan.id, budget.id, flood.id]
    assert ids(client, headers, "?status=registered&urgency=flash") == [flood.id]
    assert ids(client, headers, "?status=all&q=bão") == [flood.id]
    assert ids(client, headers, "?status=all&q=qlns") == [budget.id]
    assert ids(client, headers, "?status=all&q=T%C3%A0i%20ch%C3%ADnh") == [budget.id, flood.id]
    assert ids(client, headers, "?status=all&q=100%25") == []
    assert ids(client, headers, "?status=all&from=2026-11-11&to=2026-11-12") == [budget.id]
    assert ids(client, headers, "?status=all&from=2026-11-13") == [plan.id]


def test_keyset_pages_cover_every_document_once(client, people, as_user):
    created = [
        create_document("registered", clerk=people.clerk, metadata={"number": n + 1}).id for n in range(7)
    ]
    headers = as_user(people.clerk)
    seen, cursor, pages = [], None, 0
    while True:
        query = "?status=all&limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/documents{query}", headers=headers).get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(created, reverse=True)
    assert pages == 3


@pytest.mark.parametrize(
    "query, field",
    [
        ("?cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("?cursor=%%%", "cursor"),
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?status=archived", "status"),
        ("?direction=sideways", "direction"),
        ("?from=yesterday", "from"),
    ],
)
def test_bad_list_parameters_are_422_naming_them(client, people, as_user, query, field):
    response = client.get(f"/api/v1/documents{query}", headers=as_user(people.clerk))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["message"]


def test_list_items_carry_what_a_register_row_shows(client, people, as_user):
    document = create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": datetime(2026, 12, 5).date()},
    )
    [item] = client.get("/api/v1/documents?status=assigned", headers=as_user(people.handler)).get_json()[
        "items"
    ]
    assert item["id"] == document.id
    assert item["number_and_notation"] == "125/STC-NS"
    assert item["arrival_number"] == 1
    assert item["deadline"] == "2026-12-05"
    assert "trace" not in item


def test_list_items_show_the_deadline_of_the_current_direction_after_a_reassignment(client, people, as_user):
    document = create_document(
        "in_progress",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": datetime(2026, 12, 5).date()},
    )
    reassigned = client.post(
        f"/api/v1/documents/{document.id}/actions/reassign",
        json={"primary_user_id": people.colleague.id, "deadline": "2026-12-20"},
        headers=as_user(people.leader),
    )
    assert reassigned.status_code == 200, reassigned.get_json()

    [item] = client.get("/api/v1/documents", headers=as_user(people.colleague)).get_json()["items"]
    assert item["id"] == document.id
    assert item["deadline"] == reassigned.get_json()["deadline"] == "2026-12-20"


def test_document_types_are_listed_with_their_decree_names(client, people, as_user):
    response = client.get("/api/v1/documents/types", headers=as_user(people.clerk))
    assert response.status_code == 200
    types = {item["code"]: item["name"] for item in response.get_json()}
    assert types["QĐ"] == "Quyết định"
    assert types["CV"] == "Công văn"
    # The 29 of Decree 30 (27 abbreviated, công văn, thư công) and the two legal normative-only forms.
    assert types["TT"] == "Thông tư" and types["NĐ"] == "Nghị định"
    assert len(types) == 31
