"""Whole lives of documents through the API, and what their trace says about them."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.pdfgen import text_pdf
from tests.factories import create_document, incoming_metadata, outgoing_metadata

PDF = text_pdf("Công văn số 125/STC-NS")


def upload_incoming(client, headers, metadata=None, files=None):
    files = files if files is not None else [(io.BytesIO(PDF), "cong-van-125.pdf", "application/pdf")]
    return client.post(
        "/api/v1/documents/incoming",
        data={"metadata": json.dumps(metadata or incoming_metadata()), "files": files},
        headers=headers,
        content_type="multipart/form-data",
    )


def act(client, headers, document_id, action, body=None):
    return client.post(f"/api/v1/documents/{document_id}/actions/{action}", json=body or {}, headers=headers)


def outbox_for(user) -> list[str]:
    return [
        m.kind for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == user.id))
    ]


def test_full_incoming_flow_leaves_a_trace_of_every_step(client, people, as_user):
    created = upload_incoming(client, as_user(people.clerk))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    document_id = body["id"]
    assert body["status"] == "registered"
    assert body["arrival_number"] == 1
    assert body["arrival_date"]
    assert body["warnings"] == []
    [file] = body["files"]
    assert file["name"] == "cong-van-125.pdf" and file["size"] == len(PDF) and file["role"] == "main"
    assert file["content_type"] == "application/pdf"

    steps = [
        (people.clerk, "submit_for_direction", {"leader_id": people.leader.id, "note": "Kính trình"}),
        (
            people.leader,
            "assign",
            {
                "primary_user_id": people.handler.id,
                "co_handler_ids": [people.co_handler.id],
                "informed_ids": [people.informed.id],
                "deadline": "2026-12-05",
                "direction_text": "Giao VX chủ trì, KT phối hợp",
            },
        ),
        (people.co_handler, "add_opinion", {"note": "KT đề nghị bổ sung số liệu"}),
        (people.informed, "mark_read", {}),
        (people.handler, "record_progress", {"note": "Đang tổng hợp", "percent": 50}),
        (people.handler, "complete", {"result_note": "Đã báo cáo UBND tỉnh"}),
    ]
    for actor, action, payload in steps:
        response = act(client, as_user(actor), document_id, action, payload)
        assert response.status_code == 200, (action, response.get_json())

    detail = client.get(f"/api/v1/documents/{document_id}", headers=as_user(people.leader)).get_json()
    assert detail["status"] == "completed"
    assert detail["result_note"] == "Đã báo cáo UBND tỉnh"
    assert detail["current_assignment"]["deadline"] == "2026-12-05"
    assert [(e["actor_name"], e["action"], e["note"], e["details"].get("to")) for e in detail["trace"]] == [
        ("Nguyễn Thị Hoa", "register", None, "registered"),
        ("Nguyễn Thị Hoa", "submit_for_direction", "Kính trình", "awaiting_direction"),
        ("Trần Văn Minh", "assign", "Giao VX chủ trì, KT phối hợp", "assigned"),
        ("Đỗ Minh Khoa", "add_opinion", "KT đề nghị bổ sung số liệu", None),
        ("Ngô Thị Lan", "mark_read", None, None),
        ("Lê Thị Thu Trang", "record_progress", "Đang tổng hợp", "in_progress"),
        ("Lê Thị Thu Trang", "complete", "Đã báo cáo UBND tỉnh", "completed"),
    ]
    assert detail["trace"][0]["details"]["arrival_number"] == 1
    assert detail["trace"][2]["details"]["co_handler_ids"] == [people.co_handler.id]
    assert detail["trace"][5]["details"]["percent"] == 50
    assert all(e["created_at"] and e["actor_id"] for e in detail["trace"])
    assert outbox_for(people.leader) == ["document.awaiting_direction"]
    for person in (people.handler, people.co_handler, people.informed):
        assert outbox_for(person) == ["document.assigned"]


def test_full_outgoing_flow_issues_a_numbered_document(client, people, as_user):
    drafter = as_user(people.handler)
    created = client.post(
        "/api/v1/documents/outgoing",
        data={
            "metadata": json.dumps(
                outgoing_metadata(
                    recipients=[
                        {"unit_id": people.units["KT"]},
                        {"user_id": people.reviewer2.id},
                        {"agency_id": "000.00.12.H49", "agency_name": "Sở Tài chính"},
                    ]
                )
            ),
            "files": [(io.BytesIO(PDF), "du-thao.pdf")],
        },
        headers=drafter,
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.get_json()
    document_id = created.get_json()["id"]
    steps = [
        (people.handler, "submit", {"reviewer_ids": [people.reviewer.id], "signer_id": people.leader.id}),
        (people.reviewer, "return", {"comment": "Sửa lại trích yếu"}),
    ]
    for actor, action, payload in steps:
        response = act(client, as_user(actor), document_id, action, payload)
        assert response.status_code == 200, (action, response.get_json())
    edited = client.patch(
        f"/api/v1/documents/{document_id}",
        json={"subject": "Quyết định ban hành quy chế làm việc năm 2027"},
        headers=drafter,
    )
    assert edited.status_code == 200, edited.get_json()
    steps = [
        (people.handler, "submit", {"reviewer_ids": [people.reviewer.id], "signer_id": people.leader.id}),
        (people.reviewer, "approve", {"comment": "Đồng ý"}),
        (people.leader, "approve", {}),
        (people.clerk, "issue", {}),
    ]
    for actor, action, payload in steps:
        response = act(client, as_user(actor), document_id, action, payload)
        assert response.status_code == 200, (action, response.get_json())
    detail = response.get_json()
    assert detail["status"] == "issued"
    assert detail["number"] == 1
    assert detail["notation"] == "QĐ-UBND"
    assert detail["number_and_notation"] == "01/QĐ-UBND"
    assert detail["issued_date"]
    assert [(r["kind"], r["delivery_status"]) for r in detail["recipients"]] == [
        ("unit", "delivered"),
        ("user", "delivered"),
        ("external", "queued"),
    ]
    assert [(e["action"], e["details"].get("to")) for e in detail["trace"]] == [
        ("create_draft", "draft"),
        ("submit", "in_review"),
        ("return", "returned"),
        ("edit", None),
        ("submit", "in_review"),
        ("approve", "awaiting_signature"),
        ("approve", "approved"),
        ("issue", "issued"),
    ]
    assert detail["trace"][-1]["details"]["number_and_notation"] == "01/QĐ-UBND"
    assert [(r["round"], r["level"], r["kind"], r["decision"]) for r in detail["reviews"]] == [
        (1, 1, "review", "returned"),
        (1, 2, "signature", "cancelled"),
        (2, 1, "review", "approved"),
        (2, 2, "signature", "approved"),
    ]
    assert outbox_for(people.handler) == ["document.returned", "document.approved", "document.issued"]
    assert "document.issued" in outbox_for(people.co_handler)  # member of the recipient unit KT
    issued_notice = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient_id == people.handler.id, OutboxMessage.kind == "document.issued"
        )
    ).one()
    assert "01/QĐ-UBND" in issued_notice.text_body  # the notice names the number it was issued under
    assert outbox_for(people.leader) == ["document.awaiting_signature"]


def test_factory_reaches_every_state(people):
    roles = dict(
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
    )
    for status in [
        "pending_registration",
        "refused",
        "registered",
        "awaiting_direction",
        "assigned",
        "in_progress",
        "completed",
        "draft",
        "in_review",
        "returned",
        "awaiting_signature",
        "approved",
        "issued",
        "recalled",
    ]:
        document = create_document(status, **roles)
        assert db.session.get(Document, document.id).status == status
