"""What the axis is told, recorded in the transaction of the step it follows: packages, statuses, recalls."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eoffice.api_base import ApiError
from eoffice.axis.models import AxisSend
from eoffice.documents import operations
from eoffice.documents.models import Channel, Document
from eoffice.extensions import db
from eoffice.storage.operations import commit_or_discard
from tests.factories import create_document, incoming_metadata, pdf_file

EXTERNAL = {"agency_id": "000.00.12.H49", "agency_name": "Sở Tài chính tỉnh Quảng Nam"}
SOURCE = "000.00.12.H49,2026/11/20,125/STC-NS"


def sends() -> list[tuple]:
    db.session.expire_all()
    return [
        (s.kind, s.agency_id, s.to_organ_id, s.status_code, s.status)
        for s in db.session.scalars(select(AxisSend).order_by(AxisSend.id))
    ]


def commit(step, *args, **kwargs):
    with commit_or_discard():
        return step(*args, **kwargs)


def outgoing(people, status: str, recipients: list[dict]) -> Document:
    return create_document(
        status,
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"recipients": recipients},
    )


def test_issuing_queues_one_package_per_external_recipient_and_nothing_before(people):
    document = outgoing(
        people,
        "approved",
        [
            EXTERNAL,
            {"user_id": people.informed.id},
            {"agency_id": "000.00.01.H49", "agency_name": "Sở Nội vụ"},
        ],
    )
    assert sends() == []

    commit(operations.issue, document, people.clerk)

    assert sends() == [
        ("edoc", "000.00.00.H49", "000.00.12.H49", None, "pending"),
        ("edoc", "000.00.00.H49", "000.00.01.H49", None, "pending"),
    ]
    document = db.session.get(Document, document.id)
    assert [r.delivery_status for r in document.recipients] == ["queued", "delivered", "queued"]
    recipients = {s.to_organ_id: s.recipient_id for s in db.session.scalars(select(AxisSend))}
    assert recipients == {r.agency_id: r.id for r in document.recipients if r.kind == "external"}


def test_an_issue_that_rolls_back_queues_nothing(people):
    document = outgoing(people, "approved", [EXTERNAL])

    with pytest.raises(RuntimeError), commit_or_discard():
        operations.issue(db.session.get(Document, document.id), people.clerk)
        raise RuntimeError("the request failed after the step")

    assert sends() == []
    assert db.session.get(Document, document.id).status == "approved"


def test_recalling_an_issued_document_queues_a_revocation_package_after_its_package(people):
    document = outgoing(people, "issued", [EXTERNAL])

    commit(operations.recall, document, people.clerk, reason="Sai sót số liệu")

    rows = db.session.scalars(select(AxisSend).order_by(AxisSend.id)).all()
    assert [(r.kind, r.business_type, r.status_code) for r in rows] == [("edoc", 0, None), ("edoc", 1, None)]
    package, revocation = rows
    assert package.thread == revocation.thread
    assert revocation.recipient_id == package.recipient_id
    assert (revocation.description, revocation.staff_name) == ("Sai sót số liệu", "Nguyễn Thị Hoa")


def test_correcting_an_issued_document_queues_an_update_package_and_traces_what_changed(people):
    document = outgoing(people, "issued", [EXTERNAL, {"user_id": people.informed.id}])

    commit(
        operations.correct,
        db.session.get(Document, document.id),
        people.clerk,
        reason="Sai số trang",
        page_count=7,
        signer_position="Phó Chủ tịch",
    )

    rows = db.session.scalars(select(AxisSend).order_by(AxisSend.id)).all()
    assert [(r.kind, r.business_type, r.to_organ_id) for r in rows] == [
        ("edoc", 0, EXTERNAL["agency_id"]),
        ("edoc", 2, EXTERNAL["agency_id"]),
    ]
    assert rows[1].description == "Sai số trang"
    document = db.session.get(Document, document.id)
    assert (document.status, document.page_count, document.signer_position) == ("issued", 7, "Phó Chủ tịch")
    entry = document.trace[-1]
    assert (entry.action, entry.note) == ("correct", "Sai số trang")
    assert entry.details["changed"] == {
        "page_count": {"from": None, "to": 7},
        "signer_position": {"from": None, "to": "Phó Chủ tịch"},
    }


def test_a_correction_that_changes_nothing_is_refused_and_queues_nothing(people):
    document = outgoing(people, "issued", [EXTERNAL])

    with pytest.raises(ApiError) as refused:
        commit(operations.correct, document, people.clerk, reason="Không đổi", subject=document.subject)

    assert (refused.value.status, list(refused.value.details["json"])) == (422, ["_schema"])
    assert "nothing to correct" in refused.value.message
    assert [kind for kind, *_ in sends()] == ["edoc"]


def arrival(people) -> Document:
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[pdf_file()],
        channel=Channel.AXIS,
        source_reference=SOURCE,
    )
    document, _ = commit(operations.receive_incoming, record)
    return document


def test_a_document_from_the_axis_tells_its_sender_each_step_once(people):
    document = arrival(people)
    commit(operations.register, document, people.clerk)
    commit(operations.submit_for_direction, document, people.clerk, leader_id=people.leader.id)
    commit(operations.assign, document, people.leader, primary_user_id=people.handler.id)
    commit(operations.record_progress, document, people.handler, note="Đang tổng hợp")
    commit(operations.record_progress, document, people.handler, note="Gần xong")
    commit(operations.complete, document, people.handler, result_note="Đã trả lời")

    assert sends() == [
        ("status", "000.00.00.H49", "000.00.12.H49", code, "pending")
        for code in ("01", "03", "04", "05", "06")
    ]
    rows = db.session.scalars(select(AxisSend).order_by(AxisSend.id)).all()
    assert {(r.edxml_document_id, r.original_sender_id, r.thread) for r in rows} == {
        (SOURCE, "000.00.12.H49", f"in|000.00.00.H49|{SOURCE}")
    }
    assert [r.staff_name for r in rows] == [
        None,
        "Nguyễn Thị Hoa",
        "Trần Văn Minh",
        "Lê Thị Thu Trang",
        "Lê Thị Thu Trang",
    ]
    assert rows[0].document_id == document.id


def test_refusing_a_document_from_the_axis_tells_the_sender_why(people):
    document = arrival(people)

    commit(operations.refuse, document, people.clerk, reason="Gửi nhầm cơ quan")

    assert [
        (r.status_code, r.description) for r in db.session.scalars(select(AxisSend).order_by(AxisSend.id))
    ] == [
        ("01", "Đã nhận văn bản"),
        ("02", "Từ chối tiếp nhận: Gửi nhầm cơ quan"),
    ]


def test_the_same_document_arriving_again_is_not_announced_again(people):
    arrival(people)
    arrival(people)

    assert [code for _k, _a, _t, code, _s in sends()] == ["01"]


def test_a_clerk_upload_tells_nobody(people):
    create_document("completed", clerk=people.clerk, leader=people.leader, handler=people.handler)

    assert sends() == []


def test_the_packages_an_issue_queues_keep_the_id_of_its_request(client, people, as_user):
    document = outgoing(people, "approved", [EXTERNAL])

    response = client.post(
        f"/api/v1/documents/{document.id}/actions/issue",
        json={},
        headers={**as_user(people.clerk), "X-Request-Id": "ban-hanh-125-STC"},
    )

    assert response.status_code == 200, response.get_json()
    assert response.headers["X-Request-Id"] == "ban-hanh-125-STC"
    db.session.expire_all()
    queued = db.session.scalars(select(AxisSend)).all()
    assert [(s.to_organ_id, s.request_id) for s in queued] == [("000.00.12.H49", "ban-hanh-125-STC")]
