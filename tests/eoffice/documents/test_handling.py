"""Direction and handling of incoming documents: re-assignment, opinions, reading, completion, notices."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from tests.eoffice.documents.conftest import snapshot
from tests.factories import create_document


def act(client, headers, document_id, action, body=None):
    return client.post(f"/api/v1/documents/{document_id}/actions/{action}", json=body or {}, headers=headers)


def detail(client, headers, document_id):
    return client.get(f"/api/v1/documents/{document_id}", headers=headers).get_json()


def roles(p):
    return dict(clerk=p.clerk, leader=p.leader, handler=p.handler)


def test_reassignment_supersedes_the_direction_and_keeps_it(client, people, as_user):
    p = people
    document = create_document("in_progress", **roles(p))

    response = act(
        client,
        as_user(p.leader),
        document.id,
        "reassign",
        {"primary_unit_id": p.units["KT"], "deadline": "2026-12-10", "direction_text": "Chuyển KT chủ trì"},
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "assigned"
    first, second = body["assignments"]
    assert first["primary"]["user_id"] == p.handler.id and first["superseded_at"] is not None
    assert second["superseded_at"] is None
    assert body["current_assignment"]["id"] == second["id"]
    assert body["current_assignment"]["primary"] == {
        "user_id": None,
        "user_name": None,
        "unit_id": p.units["KT"],
        "unit_name": "Phòng Kinh tế",
    }
    assert body["trace"][-1]["action"] == "reassign"
    assert body["trace"][-1]["details"]["supersedes"] == first["id"]
    # The former handler still sees what they worked on, but no longer acts on it.
    assert act(client, as_user(p.handler), document.id, "record_progress", {"note": "x"}).status_code == 403
    assert detail(client, as_user(p.handler), document.id)["id"] == document.id
    assert (
        act(client, as_user(p.co_handler), document.id, "record_progress", {"note": "KT nhận"}).status_code
        == 200
    )


def test_a_confidential_document_is_assigned_to_people_not_units(client, people, as_user):
    p = people
    document = create_document("awaiting_direction", **roles(p), metadata={"confidentiality": "confidential"})
    before = snapshot(document.id)

    response = act(client, as_user(p.leader), document.id, "assign", {"primary_unit_id": p.units["KT"]})

    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith("primary_unit_id")
    assert snapshot(document.id) == before


def test_only_a_leader_is_asked_for_direction(client, people, as_user):
    document = create_document("registered", clerk=people.clerk)
    before = snapshot(document.id)
    for leader_id in (people.handler.id, people.outsider_leader.id, 123456):
        response = act(
            client, as_user(people.clerk), document.id, "submit_for_direction", {"leader_id": leader_id}
        )
        assert response.status_code == 422
        assert "leader_id" in response.get_json()["error"]["message"]
    assert snapshot(document.id) == before


def test_reading_twice_is_one_step_of_the_trace(client, people, as_user):
    document = create_document(
        "assigned",
        **roles(people),
        assignment={"primary_user_id": people.handler.id, "informed_ids": [people.informed.id]},
    )
    for _ in range(2):
        assert act(client, as_user(people.informed), document.id, "mark_read").status_code == 200
    body = detail(client, as_user(people.leader), document.id)
    assert [e["action"] for e in body["trace"]].count("mark_read") == 1
    [reader] = [row for row in body["participants"] if row["user_id"] == people.informed.id]
    assert reader["read_at"] is not None


def test_completion_may_name_the_reply_document(client, people, as_user):
    p = people
    document = create_document("in_progress", **roles(p))
    reply = create_document(
        "issued", clerk=p.clerk, drafter=p.handler, reviewers=[p.reviewer], signer=p.leader
    )
    other_incoming = create_document("registered", clerk=p.clerk)

    refused = act(
        client,
        as_user(p.handler),
        document.id,
        "complete",
        {"result_note": "Đã trả lời", "reply_document_id": other_incoming.id},
    )
    assert refused.status_code == 422 and "reply_document_id" in refused.get_json()["error"]["message"]

    done = act(
        client,
        as_user(p.handler),
        document.id,
        "complete",
        {"result_note": "Đã trả lời", "reply_document_id": reply.id},
    )
    assert done.status_code == 200
    assert done.get_json()["reply_document_id"] == reply.id
    assert done.get_json()["trace"][-1]["details"]["reply_document_id"] == reply.id


def test_a_clerk_registers_an_axis_arrival_with_the_next_arrival_number(client, people, as_user):
    create_document("registered", clerk=people.clerk)
    pending = create_document("pending_registration", clerk=people.clerk)
    refused = create_document("refused", clerk=people.clerk)

    response = act(client, as_user(people.clerk2), pending.id, "register", {"note": "Đã kiểm tra chữ ký số"})

    assert response.status_code == 200
    assert response.get_json()["arrival_number"] == 2
    assert response.get_json()["trace"][-1]["details"]["arrival_number"] == 2
    refused_row = db.session.get(Document, refused.id)
    assert (refused_row.status, refused_row.refusal_reason, refused_row.arrival_number) == (
        "refused",
        "Gửi nhầm cơ quan",
        None,
    )


def test_notices_carry_the_urgency_and_hide_confidential_subjects(people):
    flash = create_document(
        "assigned",
        **roles(people),
        metadata={"urgency": "flash", "subject": "Công điện hỏa tốc về phòng chống bão"},
    )
    secret = create_document(
        "assigned",
        **roles(people),
        metadata={"confidentiality": "secret", "subject": "Kế hoạch bảo vệ bí mật nhà nước"},
    )
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient_id == people.handler.id)
        .order_by(OutboxMessage.id)
    ).all()

    assert [(m.kind, m.is_urgent) for m in messages] == [
        ("document.assigned", True),
        ("document.assigned", False),
    ]
    assert "Công điện hỏa tốc về phòng chống bão" in messages[0].subject
    assert f"/documents/{flash.id}" in messages[0].text_body
    assert "bí mật nhà nước" not in messages[1].subject + messages[1].text_body + messages[1].html_body
    assert f"/documents/{secret.id}" in messages[1].text_body


def test_a_unit_as_handler_tells_each_of_its_members(people):
    create_document("assigned", **roles(people), assignment={"primary_unit_id": people.units["KT"]})
    told = db.session.scalars(
        select(OutboxMessage.recipient_id).where(OutboxMessage.kind == "document.assigned")
    ).all()
    assert sorted(told) == sorted([people.co_handler.id, people.informed.id])
