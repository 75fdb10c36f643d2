"""Handling statistics per unit and the deadline reminders, from the worker and the scheduler's commands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eoffice.documents import clock
from eoffice.documents.tasks import queue_deadline_reminders
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from tests.factories import create_document


def test_statistics_count_on_time_late_and_overdue_per_unit(client, people, as_user, monkeypatch):
    today = clock.vietnam_date(clock.now())

    def handled(deadline_days: int, complete: bool, unit: str | None = None):
        assignment = (
            {"primary_unit_id": people.units[unit]} if unit else {"primary_user_id": people.handler.id}
        ) | {"deadline": today + timedelta(days=deadline_days)}
        return create_document(
            "completed" if complete else "in_progress",
            clerk=people.clerk,
            leader=people.leader,
            handler=people.handler,
            assignment=assignment,
        )

    handled(3, complete=True)  # on time
    handled(-1, complete=False)  # overdue now
    handled(5, complete=False)  # in progress
    late = handled(1, complete=True)
    late.completed_at = clock.now() + timedelta(days=3)
    db.session.commit()

    response = client.get(
        "/api/v1/documents/statistics",
        query_string={
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat(),
        },
        headers=as_user(people.leader),
    )
    assert response.status_code == 200
    [unit] = response.get_json()["units"]
    assert unit["unit_name"] == "Phòng Khoa giáo - Văn xã"
    assert (unit["on_time"], unit["late"], unit["overdue"], unit["in_progress"], unit["total"]) == (
        1,
        1,
        1,
        1,
        4,
    )


def test_deadline_reminders_go_once_to_the_handlers_before_and_after_the_deadline(people, app):
    today = clock.vietnam_date(clock.now())
    near = create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={
            "primary_user_id": people.handler.id,
            "co_handler_ids": [people.co_handler.id],
            "deadline": today + timedelta(days=1),
        },
        metadata={"subject": "Báo cáo sắp đến hạn"},
    )
    past = create_document(
        "in_progress",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today - timedelta(days=2)},
        metadata={"subject": "Báo cáo đã quá hạn"},
    )
    create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today + timedelta(days=20)},
    )
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    assert queue_deadline_reminders(clock.now()) == {"near": 1, "overdue": 1}
    db.session.commit()
    assert queue_deadline_reminders(clock.now()) == {"near": 0, "overdue": 0}
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    sent = {(m.kind, m.to_address) for m in messages}
    assert ("document.deadline_near", people.handler.email) in sent
    assert ("document.deadline_near", people.co_handler.email) in sent
    assert ("document.deadline_passed", people.handler.email) in sent
    assert ("document.deadline_passed", people.leader.email) in sent
    assert all("Báo cáo sắp đến hạn" in m.subject for m in messages if m.kind == "document.deadline_near")
    assert near.id != past.id


def test_the_reminder_command_for_schedulers_reports_what_it_queued(people, app):
    today = clock.vietnam_date(clock.now())
    create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today},
    )
    result = app.test_cli_runner().invoke(args=["document-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 near the deadline, 0 past it" in result.output
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert "document.deadline_near" in kinds


def test_the_charts_reminder_command_queues_deadlines_and_archive_hand_overs_at_once(people, app):
    today = clock.vietnam_date(clock.now())
    create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today},
    )
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 0, result.output
    assert "1 near the deadline, 0 past it" in result.output
    assert "hand-over notices queued for 0 hand-overs" in result.output
    assert "document.deadline_near" in db.session.scalars(select(OutboxMessage.kind)).all()
