"""Notices queued in the outbox arrive at a real SMTP server exactly as users should get them."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

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


def test_an_unreachable_server_is_a_temporary_failure_that_spends_no_attempt(leader, app):
    app.extensions["eoffice"]["settings"] = settings().replace(smtp_port=1)
    queued = _assigned(leader)
    db.session.commit()
    transport = build_transport(settings())
    process_due(transport)
    stored = db.session.get(OutboxMessage, queued.id)
    assert stored.status == MessageStatus.PENDING and stored.attempts == 0
    assert stored.last_error.startswith("mail server unavailable: ConnectionRefusedError")


@pytest.fixture
def slammed_door():
    """A loopback port that accepts SMTP connections and closes them at once; counts them."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], accepted
    listener.close()


def _make_all_due():
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.PENDING)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_messages_outlive_a_mail_server_outage_longer_than_their_attempts_and_all_arrive(
    smtp_server, agency, app, slammed_door
):
    port, accepted = slammed_door
    users = [create_user(f"chuyenvien{index}") for index in range(12)]
    refused = create_user("nghihuu", full_name="Người đã nghỉ hưu")
    smtp_server.handler.refused_addresses.add(refused.email)
    queued = [_assigned(user) for user in [*users, refused]]
    db.session.commit()
    up = settings()
    app.extensions["eoffice"]["settings"] = up.replace(smtp_port=port, mail_retry_base_seconds=600)
    down = build_transport(settings())

    # Three times the attempt limit (EOFFICE_MAIL_MAX_ATTEMPTS=3 here) of passes, the clock driven
    # past each retry time instead of waited for.
    passes = 3 * up.mail_max_attempts
    for _ in range(passes):
        assert process_due(down, batch_size=5) == 5
        assert process_due(down, batch_size=5) == 5
        assert process_due(down, batch_size=5) == 3
        _make_all_due()
    down.close()

    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {(row.status, row.attempts) for row in rows} == {(MessageStatus.PENDING, 0)}
    assert all(row.last_error.startswith("mail server unavailable: SMTPServerDisconnected") for row in rows)
    # The first message of each batch found the server down; the rest of the batch waited untried.
    assert len(accepted) == 3 * passes

    app.extensions["eoffice"]["settings"] = up
    _deliver_all()

    by_id = {row.id: row for row in db.session.scalars(select(OutboxMessage))}
    assert {by_id[m.id].status for m in queued[:-1]} == {MessageStatus.SENT}
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == sorted(
        user.email for user in users
    )
    # What the server refused still fails at once, with its reason.
    rejected = by_id[queued[-1].id]
    assert rejected.status == MessageStatus.FAILED and rejected.attempts == 1
    assert rejected.last_error.startswith("550")


def test_during_an_outage_retries_space_out_with_the_messages_age_up_to_an_hour(leader, app):
    app.extensions["eoffice"]["settings"] = settings().replace(smtp_port=1, mail_retry_base_seconds=30)
    queued = _assigned(leader)
    queued.created_at = utcnow() - timedelta(minutes=20)
    old = _assigned(leader)
    old.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    transport = build_transport(settings())
    process_due(transport)
    now = utcnow()
    assert timedelta(minutes=15) < db.session.get(OutboxMessage, queued.id).next_attempt_at - now
    assert db.session.get(OutboxMessage, queued.id).next_attempt_at - now < timedelta(minutes=25)
    assert db.session.get(OutboxMessage, old.id).next_attempt_at - now < timedelta(hours=1, minutes=13)


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
