"""Notices queued in the outbox arrive at a real SMTP server exactly as users should get them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.mail.calendar import CalendarEvent
from eoffice.mail.models import MessageStatus, OutboxMessage
from eoffice.mail.operations import notify
from eoffice.mail.tasks import claim_due, process_due, record_outcomes, run_worker
from eoffice.mail.transport import build_transport
from eoffice.runtime import settings
from tests.factories import create_user


@pytest.fixture
def app_env(smtp_session_server):
    return {
        "EOFFICE_SMTP_HOST": smtp_session_server.host,
        "EOFFICE_SMTP_PORT": str(smtp_session_server.port),
        "EOFFICE_SMTP_FROM": "Văn phòng điện tử <vanthu@quangnam.gov.vn>",
        "EOFFICE_MAIL_RETRY_BASE_SECONDS": "0",
        "EOFFICE_MAIL_MAX_ATTEMPTS": "3",
        "EOFFICE_PUBLIC_URL": "https://eoffice.quangnam.gov.vn",
    }


@pytest.fixture
def leader(agency):
    return create_user("lanhdao", roles=["leader"], full_name="Trần Văn Minh")


def _deliver_all():
    transport = build_transport(settings())
    try:
        while process_due(transport):
            pass
    finally:
        transport.close()


def _assigned(user, **kwargs):
    return notify(
        user,
        "document.assigned",
        {
            "title": "Quyết định 15/QĐ-UBND về phòng chống lụt bão",
            "actor": "Nguyễn Thị Hoa",
            "role": "xử lý chính",
        },
        link="/documents/15",
        facts=[("Hạn xử lý", "30/11/2026")],
        **kwargs,
    )


def test_a_notice_arrives_with_recipient_subject_and_both_parts(smtp_server, leader):
    queued = _assigned(leader)
    db.session.commit()
    _deliver_all()

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.handler.envelopes[0] == ("vanthu@quangnam.gov.vn", ["lanhdao@example.gov.vn"])
    assert message["To"].addresses[0].display_name == "Trần Văn Minh"
    assert message["From"].addresses[0].display_name == "Văn phòng điện tử"
    assert message["Subject"] == "Văn bản được giao: Quyết định 15/QĐ-UBND về phòng chống lụt bão"
    assert message["Message-ID"] == queued.message_id
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Nguyễn Thị Hoa đã giao văn bản sau" in text and "Hạn xử lý: 30/11/2026" in text
    assert "https://eoffice.quangnam.gov.vn/documents/15" in text
    assert '<a href="https://eoffice.quangnam.gov.vn/documents/15"' in html
    stored = db.session.get(OutboxMessage, queued.id)
    assert (stored.status, stored.attempts) == (MessageStatus.SENT, 1)
    assert stored.sent_at is not None


def test_the_recipients_language_chooses_the_text(smtp_server, agency):
    user = create_user("expert", full_name="Anna Berg")
    user.language = "en"
    db.session.commit()
    _assigned(user)
    db.session.commit()
    _deliver_all()
    assert smtp_server.messages[0]["Subject"].startswith("Document assigned: Quyết định 15/QĐ-UBND")


def test_urgent_notices_are_marked(smtp_server, leader):
    _assigned(leader, urgent=True)
    db.session.commit()
    _deliver_all()
    assert smtp_server.messages[0]["Subject"].startswith("[KHẨN] ")
    assert smtp_server.messages[0]["Importance"] == "high"


def test_a_rolled_back_change_sends_nothing(smtp_server, leader):
    _assigned(leader)
    db.session.rollback()
    _deliver_all()
    assert smtp_server.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def _meeting(sequence=0, cancelled=False, location="Phòng họp số 1, tầng 3"):
    return CalendarEvent(
        uid="meeting-42@eoffice.quangnam.gov.vn",
        sequence=sequence,
        summary="Họp giao ban tháng 12, UBND tỉnh",
        starts_at=datetime(2026, 12, 1, 1, 30, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 4, 0, tzinfo=UTC),
        location=location,
        organizer_name="Văn phòng UBND tỉnh",
        organizer_email="vanphong@quangnam.gov.vn",
        attendees=[("Trần Văn Minh", "lanhdao@example.gov.vn")],
        cancelled=cancelled,
    )


def _calendar_part(message):
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def test_invitation_update_and_cancellation_carry_calendar_parts(smtp_server, leader):
    context = {"title": "Họp giao ban tháng 12"}
    notify(leader, "meeting.invitation", context, calendar=_meeting())
    db.session.commit()
    notify(leader, "meeting.changed", context, calendar=_meeting(sequence=1, location="Hội trường A"))
    db.session.commit()
    notify(leader, "meeting.cancelled", context, calendar=_meeting(sequence=2, cancelled=True))
    db.session.commit()
    _deliver_all()

    invitation, change, cancellation = smtp_server.messages
    first = _calendar_part(invitation)
    assert first.get_param("method") == "REQUEST"
    body = first.get_content()
    assert "METHOD:REQUEST" in body and "UID:meeting-42@eoffice.quangnam.gov.vn" in body
    assert "SEQUENCE:0" in body and "DTSTART:20261201T013000Z" in body
    assert "SUMMARY:Họp giao ban tháng 12\\, UBND tỉnh" in body
    assert invitation.get_body(("plain",)) is not None and invitation.get_body(("html",)) is not None
    second = _calendar_part(change).get_content()
    assert "UID:meeting-42@eoffice.quangnam.gov.vn" in second and "SEQUENCE:1" in second
    assert "LOCATION:Hội trường A" in second
    third = _calendar_part(cancellation)
    assert third.get_param("method") == "CANCEL"
    assert "METHOD:CANCEL" in third.get_content() and "SEQUENCE:2" in third.get_content()
    assert "STATUS:CANCELLED" in third.get_content()


def test_a_temporary_refusal_is_retried_and_delivered_once(smtp_server, leader):
    smtp_server.handler.temporary_failures = 1
    queued = _assigned(leader)
    db.session.commit()

    transport = build_transport(settings())
    process_due(transport)
    after_first = db.session.get(OutboxMessage, queued.id)
    assert after_first.status == MessageStatus.PENDING
    assert after_first.last_error.startswith("451")
    assert smtp_server.messages == []
    process_due(transport)
    transport.close()

    assert len(smtp_server.messages) == 1
    stored = db.session.get(OutboxMessage, queued.id)
    assert (stored.status, stored.attempts, stored.last_error) == (MessageStatus.SENT, 2, None)


def test_backoff_keeps_a_retry_from_going_out_early(smtp_server, leader, app):
    smtp_server.handler.temporary_failures = 1
    queued = _assigned(leader)
    db.session.commit()
    transport = build_transport(settings())
    app.extensions["eoffice"]["settings"] = settings().replace(mail_retry_base_seconds=600)
    process_due(transport)
    assert process_due(transport) == 0
    retry_at = db.session.get(OutboxMessage, queued.id).next_attempt_at
    assert timedelta(seconds=400) < retry_at - utcnow() < timedelta(seconds=800)
    transport.close()


def test_a_permanent_refusal_fails_with_the_reason(smtp_server, leader):
    smtp_server.handler.refused_addresses.add("lanhdao@example.gov.vn")
    queued = _assigned(leader)
    db.session.commit()
    _deliver_all()
    stored = db.session.get(OutboxMessage, queued.id)
    assert stored.status == MessageStatus.FAILED
    assert stored.last_error.startswith("550") and "mailbox unavailable" in stored.last_error
    assert stored.attempts == 1


def test_temporary_failures_past_the_limit_give_up(smtp_server, leader):
    smtp_server.handler.temporary_failures = 10
    queued = _assigned(leader)
    db.session.commit()
    _deliver_all()
    stored = db.session.get(OutboxMessage, queued.id)
    assert stored.status == MessageStatus.FAILED
    assert stored.attempts == 3 and "gave up after 3 attempts" in stored.last_error
    assert smtp_server.messages == []


def test_an_unreachable_server_is_a_temporary_failure(leader, app):
    app.extensions["eoffice"]["settings"] = settings().replace(smtp_port=1)
    queued = _assigned(leader)
    db.session.commit()
    transport = build_transport(settings())
    process_due(transport)
    stored = db.session.get(OutboxMessage, queued.id)
    assert stored.status == MessageStatus.PENDING and stored.attempts == 1
    assert "Connection" in stored.last_error or "refused" in stored.last_error.lower()


def test_a_message_leased_by_a_dead_worker_is_sent_after_the_lease_with_the_same_message_id(
    smtp_server, leader
):
    queued = _assigned(leader)
    db.session.commit()
    dead_token, [message_id] = claim_due(10)
    # The worker died mid-send: nobody else may take the message while its lease runs…
    _deliver_all()
    assert smtp_server.messages == []
    # …and once it has expired, another worker sends it.
    leased = db.session.get(OutboxMessage, message_id)
    leased.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _deliver_all()
    assert [m["Message-ID"] for m in smtp_server.messages] == [queued.message_id]
    # The dead worker coming back cannot overwrite the outcome.
    late = {
        "b_id": message_id,
        "b_status": "failed",
        "b_sent_at": None,
        "b_last_error": "late",
        "b_next_attempt_at": utcnow(),
    }
    assert record_outcomes(dead_token, [late]) == 0
    assert db.session.get(OutboxMessage, message_id).status == MessageStatus.SENT


def test_two_workers_never_send_one_message_twice(smtp_server, agency, app):
    users = [create_user(f"user{index}") for index in range(8)]
    for round_ in range(10):
        for user in users:
            notify(user, "document.issued", {"title": f"Thông báo số {round_}"})
    db.session.commit()

    stop = threading.Event()
    workers = [
        threading.Thread(
            target=run_worker, args=(app, stop), kwargs={"batch_size": 5, "exit_when_idle": True}
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    ids = [message["Message-ID"] for message in smtp_server.messages]
    assert len(ids) == 80
    assert len(set(ids)) == 80
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {MessageStatus.SENT}
