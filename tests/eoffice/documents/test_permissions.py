"""Who sees and who changes which document: each role against each endpoint, confidential ones included."""

from __future__ import annotations

import io
import json

import pytest

from eoffice.pdfgen import text_pdf
from tests.eoffice.documents.conftest import snapshot
from tests.factories import create_document, outgoing_metadata

EVERYONE = [
    "clerk",
    "clerk2",
    "leader",
    "leader2",
    "handler",
    "colleague",
    "co_handler",
    "informed",
    "reviewer",
    "admin",
    "platform_admin",
    "outsider_clerk",
    "outsider_leader",
]
AGENCY_STAFF_WITH_A_ROLE = {"clerk", "clerk2", "leader", "leader2", "admin", "platform_admin"}


def _open_assigned_to_a_person(p):
    return create_document(
        "assigned",
        clerk=p.clerk,
        leader=p.leader,
        handler=p.handler,
        assignment={
            "primary_user_id": p.handler.id,
            "co_handler_ids": [p.co_handler.id],
            "informed_ids": [p.informed.id],
        },
    )


def _open_assigned_to_a_unit(p):
    return create_document(
        "assigned", clerk=p.clerk, leader=p.leader, assignment={"primary_unit_id": p.units["KT"]}
    )


def _confidential_incoming(p):
    return create_document(
        "in_progress",
        clerk=p.clerk,
        leader=p.leader,
        handler=p.handler,
        metadata={"confidentiality": "secret"},
    )


def _confidential_pending(p):
    return create_document(
        "pending_registration", clerk=p.clerk, metadata={"confidentiality": "confidential"}
    )


def _open_draft(p):
    return create_document("draft", drafter=p.handler)


def _confidential_in_review(p):
    return create_document(
        "in_review",
        drafter=p.handler,
        reviewers=[p.reviewer],
        signer=p.leader,
        metadata={"confidentiality": "top_secret"},
    )


def _confidential_approved(p):
    return create_document(
        "approved",
        drafter=p.handler,
        reviewers=[p.reviewer],
        signer=p.leader,
        metadata={"confidentiality": "confidential"},
    )


def _confidential_issued(p):
    return create_document(
        "issued",
        clerk=p.clerk,
        drafter=p.handler,
        reviewers=[p.reviewer],
        signer=p.leader,
        metadata={"confidentiality": "confidential", "recipients": [{"user_id": p.informed.id}]},
    )


def _open_issued_to_a_unit(p):
    return create_document(
        "issued",
        clerk=p.clerk,
        drafter=p.handler,
        reviewers=[p.reviewer],
        signer=p.leader,
        metadata={"recipients": [{"unit_id": p.units["KT"]}]},
    )


VISIBILITY = [
    (
        _open_assigned_to_a_person,
        AGENCY_STAFF_WITH_A_ROLE | {"handler", "co_handler", "informed"},
    ),
    (_open_assigned_to_a_unit, AGENCY_STAFF_WITH_A_ROLE | {"co_handler", "informed"}),
    (_confidential_incoming, {"clerk", "leader", "handler"}),
    (_confidential_pending, {"clerk", "clerk2"}),
    (_open_draft, AGENCY_STAFF_WITH_A_ROLE | {"handler"}),
    (_confidential_in_review, {"handler", "reviewer", "leader"}),
    (_confidential_approved, {"handler", "reviewer", "leader", "clerk", "clerk2"}),
    (_confidential_issued, {"handler", "reviewer", "leader", "clerk", "informed"}),
    (_open_issued_to_a_unit, AGENCY_STAFF_WITH_A_ROLE | {"handler", "reviewer", "co_handler", "informed"}),
]


@pytest.mark.parametrize(
    "make, allowed", VISIBILITY, ids=[make.__name__.strip("_") for make, _ in VISIBILITY]
)
def test_reading_a_document_its_files_and_finding_it_in_lists(client, people, as_user, make, allowed):
    document = make(people)
    file_id = document.files[0].stored_file_id
    for name in EVERYONE:
        headers = as_user(people.by_name(name))
        expected = 200 if name in allowed else 403
        detail = client.get(f"/api/v1/documents/{document.id}", headers=headers)
        assert detail.status_code == expected, (name, detail.get_json())
        download = client.get(f"/api/v1/documents/{document.id}/files/{file_id}", headers=headers)
        assert download.status_code == expected, name
        # The same bytes through the generic file paths: who may read the document, exactly.
        for method, path in (
            ("get", f"/api/v1/files/{file_id}"),
            ("get", f"/api/v1/files/{file_id}/content"),
            ("post", f"/api/v1/files/{file_id}/link"),
        ):
            response = getattr(client, method)(path, headers=headers)
            assert response.status_code == expected, (name, path)
        listed = client.get("/api/v1/documents?status=all&limit=100", headers=headers).get_json()["items"]
        assert (document.id in [item["id"] for item in listed]) == (name in allowed), name


def test_a_file_of_another_document_is_not_served_through_this_one(client, people, as_user):
    first, second = _open_draft(people), _open_draft(people)
    other_file = second.files[0].stored_file_id
    response = client.get(f"/api/v1/documents/{first.id}/files/{other_file}", headers=as_user(people.handler))
    assert response.status_code == 404


def test_a_missing_document_is_404(client, people, as_user):
    assert client.get("/api/v1/documents/4242", headers=as_user(people.leader)).status_code == 404


@pytest.mark.parametrize(
    "name, expected",
    [
        ("clerk", 201),
        ("leader", 201),
        ("handler", 201),
        ("outsider_clerk", 201),
        ("admin", 403),
        ("platform_admin", 403),
    ],
)
def test_who_drafts_outgoing_documents(client, people, as_user, name, expected):
    response = client.post(
        "/api/v1/documents/outgoing", json=outgoing_metadata(), headers=as_user(people.by_name(name))
    )
    assert response.status_code == expected, response.get_json()
    if expected == 201:
        assert response.get_json()["agency_id"] == people.by_name(name).agency_id


@pytest.mark.parametrize("name", EVERYONE)
def test_only_the_drafter_edits_a_draft_and_adds_files(client, people, as_user, name):
    document = _open_draft(people)
    headers = as_user(people.by_name(name))
    before = snapshot(document.id)
    edit = client.patch(
        f"/api/v1/documents/{document.id}", json={"subject": "Trích yếu mới"}, headers=headers
    )
    files = client.post(
        f"/api/v1/documents/{document.id}/files",
        data={"files": [(io.BytesIO(text_pdf("Phụ lục")), "phu-luc.pdf")]},
        headers=headers,
        content_type="multipart/form-data",
    )
    expected = 200 if name == "handler" else 403
    assert (edit.status_code, files.status_code) == (expected, expected), (edit.get_json(), files.get_json())
    if expected == 403:
        assert snapshot(document.id) == before


@pytest.mark.parametrize(
    "name, read, write",
    [
        ("admin", 200, 200),
        ("platform_admin", 200, 200),
        ("clerk", 200, 403),
        ("handler", 200, 403),
        ("outsider_clerk", 403, 403),
    ],
)
def test_review_levels_are_set_by_the_agency_admin(client, people, as_user, name, read, write):
    headers = as_user(people.by_name(name))
    url = f"/api/v1/documents/settings/{people.clerk.agency_id}"
    assert client.get(url, headers=headers).status_code == read
    assert client.put(url, json={"review_levels": 2}, headers=headers).status_code == write


def test_every_endpoint_needs_a_login(client, people):
    document = _open_draft(people)
    for method, url in [
        ("get", "/api/v1/documents"),
        ("get", f"/api/v1/documents/{document.id}"),
        ("patch", f"/api/v1/documents/{document.id}"),
        ("post", "/api/v1/documents/outgoing"),
        ("post", f"/api/v1/documents/{document.id}/files"),
        ("post", f"/api/v1/documents/{document.id}/actions/submit"),
        ("get", f"/api/v1/documents/{document.id}/files/{document.files[0].stored_file_id}"),
        ("get", f"/api/v1/documents/settings/{people.clerk.agency_id}"),
    ]:
        assert (
            getattr(client, method)(url, data=json.dumps({}), content_type="application/json").status_code
            == 401
        )
