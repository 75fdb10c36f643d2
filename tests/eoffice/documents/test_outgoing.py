"""Outgoing documents: drafts and their files, review levels, signature, replacement, correction, recall."""

from __future__ import annotations

import io
import json

import pytest

from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from tests.eoffice.documents.conftest import snapshot
from tests.factories import create_document, create_user, outgoing_metadata


def act(client, headers, document_id, action, body=None):
    return client.post(f"/api/v1/documents/{document_id}/actions/{action}", json=body or {}, headers=headers)


def add_files(client, headers, document_id, *names, replace_main=False):
    return client.post(
        f"/api/v1/documents/{document_id}/files",
        data={
            "files": [(io.BytesIO(text_pdf(name)), name) for name in names],
            "replace_main": "true" if replace_main else "false",
        },
        headers=headers,
        content_type="multipart/form-data",
    )


def test_a_json_draft_gets_its_files_later_and_is_submitted_once_it_has_a_main_file(client, people, as_user):
    drafter = as_user(people.handler)
    created = client.post(
        "/api/v1/documents/outgoing", json=outgoing_metadata(document_type="CV"), headers=drafter
    )
    assert created.status_code == 201, created.get_json()
    document_id = created.get_json()["id"]
    assert created.get_json()["drafting_unit_id"] == people.units["VX"]
    submit = {"reviewer_ids": [people.reviewer.id], "signer_id": people.leader.id}

    too_early = act(client, drafter, document_id, "submit", submit)
    assert too_early.status_code == 422 and too_early.get_json()["error"]["message"].startswith("files")

    with_files = add_files(client, drafter, document_id, "du-thao.pdf", "phu-luc.pdf")
    assert [(f["name"], f["role"]) for f in with_files.get_json()["files"]] == [
        ("du-thao.pdf", "main"),
        ("phu-luc.pdf", "attachment"),
    ]
    replaced = add_files(client, drafter, document_id, "du-thao-v2.pdf", replace_main=True)
    files = replaced.get_json()["files"]
    assert [(f["name"], f["role"]) for f in files] == [
        ("du-thao-v2.pdf", "main"),
        ("phu-luc.pdf", "attachment"),
    ]
    old_main = with_files.get_json()["files"][0]["id"]
    assert client.get(f"/api/v1/documents/{document_id}/files/{old_main}", headers=drafter).status_code == 404
    assert replaced.get_json()["trace"][-1]["details"]["replaced_main_file"] == old_main

    assert act(client, drafter, document_id, "submit", submit).status_code == 200


def test_the_replaced_main_file_of_a_confidential_draft_stays_with_its_drafter(client, people, as_user):
    # Let go of by its document, the file belonged to nothing: the agency's admins read it then.
    drafter = as_user(people.handler)
    created = client.post(
        "/api/v1/documents/outgoing",
        json=outgoing_metadata(document_type="CV", confidentiality="confidential"),
        headers=drafter,
    )
    document_id = created.get_json()["id"]
    old_main = add_files(client, drafter, document_id, "du-thao-mat.pdf").get_json()["files"][0]["id"]
    assert add_files(client, drafter, document_id, "du-thao-mat-v2.pdf", replace_main=True).status_code == 200
    content = f"/api/v1/files/{old_main}/content"
    for outsider in (people.admin, people.platform_admin, people.clerk):
        assert client.get(content, headers=as_user(outsider)).status_code == 403, outsider.username
    assert client.get(content, headers=drafter).status_code == 200


def test_review_levels_of_the_agency_are_enforced_in_order(client, people, as_user):
    p = people
    url = f"/api/v1/documents/settings/{p.clerk.agency_id}"
    assert (
        client.put(url, json={"review_levels": 2}, headers=as_user(p.admin)).get_json()["review_levels"] == 2
    )
    document = create_document("draft", drafter=p.handler)
    drafter = as_user(p.handler)

    too_few = act(
        client, drafter, document.id, "submit", {"reviewer_ids": [p.reviewer.id], "signer_id": p.leader.id}
    )
    assert too_few.status_code == 422 and "reviewer_ids" in too_few.get_json()["error"]["message"]

    body = {"reviewer_ids": [p.reviewer.id, p.reviewer2.id], "signer_id": p.leader.id}
    assert act(client, drafter, document.id, "submit", body).status_code == 200
    assert act(client, as_user(p.reviewer2), document.id, "approve").status_code == 403  # not their turn yet
    first = act(client, as_user(p.reviewer), document.id, "approve", {"comment": "Nội dung đạt"})
    assert (first.get_json()["status"], first.get_json()["review_level"]) == ("in_review", 2)
    assert first.get_json()["current_reviewer_id"] == p.reviewer2.id
    assert act(client, as_user(p.reviewer), document.id, "approve").status_code == 403  # already passed on
    second = act(client, as_user(p.reviewer2), document.id, "approve", {"comment": "Thể thức đạt"})
    assert second.get_json()["status"] == "awaiting_signature"
    signed = act(client, as_user(p.leader), document.id, "approve")
    assert signed.get_json()["status"] == "approved"
    assert signed.get_json()["signer_name"] == "Trần Văn Minh"
    assert [
        (r["level"], r["reviewer_id"], r["decision"], r["comment"]) for r in signed.get_json()["reviews"]
    ] == [
        (1, p.reviewer.id, "approved", "Nội dung đạt"),
        (2, p.reviewer2.id, "approved", "Thể thức đạt"),
        (3, p.leader.id, "approved", None),
    ]


def test_submission_names_valid_reviewers_and_a_leader_as_signer(client, people, as_user):
    p = people
    document = create_document("draft", drafter=p.handler)
    before = snapshot(document.id)
    cases = [
        ({"reviewer_ids": [p.reviewer.id], "signer_id": p.reviewer2.id}, "signer_id"),
        ({"reviewer_ids": [p.reviewer.id], "signer_id": p.outsider_leader.id}, "signer_id"),
        ({"reviewer_ids": [p.handler.id], "signer_id": p.leader.id}, "reviewer_ids"),
        ({"reviewer_ids": [p.reviewer.id, p.reviewer.id], "signer_id": p.leader.id}, "reviewer_ids"),
        ({"reviewer_ids": [p.outsider_clerk.id], "signer_id": p.leader.id}, "reviewer_ids"),
        # A clerk checks the form at issuance; the platform's administrator handles no documents.
        ({"reviewer_ids": [p.clerk.id], "signer_id": p.leader.id}, "reviewer_ids"),
        ({"reviewer_ids": [p.platform_admin.id], "signer_id": p.leader.id}, "reviewer_ids"),
        ({"reviewer_ids": [p.admin.id], "signer_id": p.leader.id}, "reviewer_ids"),
        ({"reviewer_ids": [p.leader.id], "signer_id": p.leader.id}, "signer_id"),
        ({"reviewer_ids": [], "signer_id": p.leader.id}, "reviewer_ids"),
        ({"signer_id": p.leader.id}, "reviewer_ids"),
    ]
    for body, field in cases:
        response = act(client, as_user(p.handler), document.id, "submit", body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["message"], body
    assert snapshot(document.id) == before


def test_the_drafter_is_offered_the_reviewers_and_signers_the_submission_accepts(client, people, as_user):
    p = people
    document = create_document("draft", drafter=p.handler)
    offered = client.get(f"/api/v1/documents/{document.id}/review-candidates", headers=as_user(p.handler))
    assert offered.status_code == 200
    reviewers, signers = offered.get_json()["reviewer_ids"], offered.get_json()["signer_ids"]
    assert set(reviewers) == {
        p.leader.id,
        p.leader2.id,
        p.colleague.id,
        p.co_handler.id,
        p.informed.id,
        p.reviewer.id,
        p.reviewer2.id,
    }
    assert set(signers) == {p.leader.id, p.leader2.id}
    # Someone else than the drafter may not ask.
    assert (
        client.get(f"/api/v1/documents/{document.id}/review-candidates", headers=as_user(p.clerk)).status_code
        == 403
    )
    # Each one offered is accepted.
    submitted = act(
        client,
        as_user(p.handler),
        document.id,
        "submit",
        {"reviewer_ids": [p.colleague.id], "signer_id": signers[0]},
    )
    assert submitted.status_code == 200, submitted.get_json()


def test_editing_a_draft_validates_what_changes(client, people, as_user):
    p = people
    document = create_document(
        "draft",
        drafter=p.handler,
        metadata={"recipients": [{"agency_id": "000.00.12.H49", "agency_name": "Sở Tài chính"}]},
    )
    before = snapshot(document.id)
    for body, field in [
        ({"number": 15}, "number"),
        ({"notation": "QĐ-UBND"}, "notation"),
        ({"subject": ""}, "subject"),
        ({"subject": None}, "subject"),
        ({"document_type": "XX"}, "document_type"),
        ({"confidentiality": "secret"}, "recipients[0]"),
        ({"recipients": [{"unit_id": p.units["KT"], "user_id": p.informed.id}]}, "recipients"),
        ({"recipients": [{"agency_id": "000.00.12.H49"}]}, "recipients"),
        ({"recipients": [{"user_id": p.outsider_clerk.id}]}, "recipients[0]"),
        ({"recipients": [{"user_id": p.informed.id}, {"user_id": p.informed.id}]}, "recipients[1]"),
        ({"drafting_unit_id": 99999}, "drafting_unit_id"),
    ]:
        response = client.patch(f"/api/v1/documents/{document.id}", json=body, headers=as_user(p.handler))
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["message"], (body, response.get_json())
    assert snapshot(document.id) == before

    changed = client.patch(
        f"/api/v1/documents/{document.id}",
        json={"subject": "Trích yếu đã sửa", "urgency": "urgent", "recipients": [{"unit_id": p.units["KT"]}]},
        headers=as_user(p.handler),
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["subject"], body["urgency"], [r["kind"] for r in body["recipients"]]) == (
        "Trích yếu đã sửa",
        "urgent",
        ["unit"],
    )
    assert body["trace"][-1]["details"]["fields"] == ["recipients", "subject", "urgency"]


def test_a_cong_van_needs_a_drafting_unit(client, people, as_user):
    without_unit = create_user("khongdonvi", roles=["specialist"], agency_id=people.clerk.agency_id)
    response = client.post(
        "/api/v1/documents/outgoing",
        json=outgoing_metadata(document_type="CV"),
        headers=as_user(without_unit),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith("drafting_unit_id")


def test_a_multipart_draft_names_bad_metadata_under_metadata(app, client, people, as_user):
    response = client.post(
        "/api/v1/documents/outgoing",
        data={
            "metadata": json.dumps({"subject": "Thiếu loại văn bản"}),
            "files": [(io.BytesIO(b"%PDF-1.4"), "a.pdf")],
        },
        headers=as_user(people.handler),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith("metadata.document_type")
    assert db.session.scalars(db.select(Document)).all() == []


def test_a_replacement_once_issued_marks_the_original_replaced(client, people, as_user):
    p = people
    roles = dict(clerk=p.clerk, drafter=p.handler, reviewers=[p.reviewer], signer=p.leader)
    original = create_document("issued", **roles)
    draft = create_document("draft", drafter=p.handler)

    refused = client.post(
        "/api/v1/documents/outgoing", json=outgoing_metadata(replaces_id=draft.id), headers=as_user(p.handler)
    )
    assert refused.status_code == 422 and "replaces_id" in refused.get_json()["error"]["message"]

    replacement = create_document("issued", **roles, metadata={"replaces_id": original.id})

    original_body = client.get(f"/api/v1/documents/{original.id}", headers=as_user(p.clerk)).get_json()
    assert original_body["status"] == "replaced"
    assert original_body["trace"][-1]["action"] == "replace"
    assert original_body["trace"][-1]["details"]["replaced_by"] == replacement.id
    replacement_body = client.get(f"/api/v1/documents/{replacement.id}", headers=as_user(p.clerk)).get_json()
    assert replacement_body["replaces_id"] == original.id
    assert replacement_body["trace"][-1]["details"]["replaces_id"] == original.id
    assert (original_body["number"], replacement_body["number"]) == (1, 2)


def test_the_clerk_corrects_an_issued_document_and_the_trace_keeps_each_field_before_and_after(
    client, people, as_user
):
    p = people
    document = create_document(
        "issued", clerk=p.clerk, drafter=p.handler, reviewers=[p.reviewer], signer=p.leader
    )
    before = client.get(f"/api/v1/documents/{document.id}", headers=as_user(p.clerk)).get_json()

    response = act(
        client,
        as_user(p.clerk),
        document.id,
        "correct",
        {"reason": "Sai chức vụ người ký", "signer_position": "Phó Chủ tịch", "due_date": "2027-02-01"},
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["signer_position"], body["due_date"]) == (
        "issued",
        "Phó Chủ tịch",
        "2027-02-01",
    )
    assert (body["number_and_notation"], body["subject"]) == (
        before["number_and_notation"],
        before["subject"],
    )
    entry = body["trace"][-1]
    assert (entry["action"], entry["note"]) == ("correct", "Sai chức vụ người ký")
    assert entry["details"]["changed"] == {
        "signer_position": {"from": before["signer_position"], "to": "Phó Chủ tịch"},
        "due_date": {"from": before["due_date"], "to": "2027-02-01"},
    }


@pytest.mark.parametrize(
    "body, field",
    [
        ({"subject": "Trích yếu mới"}, "reason"),
        ({"reason": "Sai"}, "_schema"),
        ({"reason": "Sai", "subject": None}, "subject"),
        ({"reason": "Sai", "page_count": 0}, "page_count"),
        ({"reason": "Sai", "number": 7}, "number"),
    ],
)
def test_a_correction_without_a_reason_or_a_change_or_of_another_field_is_422_and_changes_nothing(
    client, people, as_user, body, field
):
    p = people
    document = create_document(
        "issued", clerk=p.clerk, drafter=p.handler, reviewers=[p.reviewer], signer=p.leader
    )
    before = client.get(f"/api/v1/documents/{document.id}", headers=as_user(p.clerk)).get_json()

    response = act(client, as_user(p.clerk), document.id, "correct", body)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["json"]
    after = client.get(f"/api/v1/documents/{document.id}", headers=as_user(p.clerk)).get_json()
    assert after == before


def test_recall_of_an_issued_document_is_recorded(client, people, as_user):
    p = people
    document = create_document(
        "issued", clerk=p.clerk, drafter=p.handler, reviewers=[p.reviewer], signer=p.leader
    )

    response = act(client, as_user(p.leader), document.id, "recall", {"reason": "Ban hành sai thẩm quyền"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["recall_reason"]) == ("recalled", "Ban hành sai thẩm quyền")
    assert body["recalled_at"] is not None
    assert body["trace"][-1]["action"] == "recall"
    assert body["trace"][-1]["note"] == "Ban hành sai thẩm quyền"
    missing_reason = act(client, as_user(p.leader), document.id, "recall", {})
    assert missing_reason.status_code == 409  # recalled already: the state refuses before the body
