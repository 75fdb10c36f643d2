"""The delivery worker: claims due messages under a lease, sends them, retries with backoff."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sqlalchemy import bindparam, select

from eoffice import outbox
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.logs import bound_request_id
from eoffice.mail.models import MessageStatus, OutboxMessage
from eoffice.mail.operations import queue_digests
from eoffice.mail.transport import (
    MailTransport,
    PermanentFailure,
    ServerUnavailable,
    TemporaryFailure,
    build_transport,
)
from eoffice.runtime import settings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


def compose(message: OutboxMessage) -> EmailMessage:
    """The MIME message: text and HTML alternatives, plus the calendar part of an invitation."""
    try:
        to = Address(display_name=message.to_name, addr_spec=message.to_address)
        sender_name, sender_address = parseaddr(settings().smtp_from)
        sender = Address(display_name=sender_name, addr_spec=sender_address)
    except (ValueError, IndexError) as exc:
        raise PermanentFailure(f"invalid address {message.to_address!r}: {exc}") from exc
    if "@" not in message.to_address:
        raise PermanentFailure(f"invalid address {message.to_address!r}")
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Auto-Submitted"] = "auto-generated"
    if message.is_urgent:
        email["Importance"] = "high"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    if message.calendar:
        email.add_alternative(
            message.calendar, subtype="calendar", params={"method": message.calendar_method or "REQUEST"}
        )
    return email


def claim_due(limit: int) -> tuple[str, list[int]]:
    """Lease up to `limit` due messages to this worker (urgent first): (lease token, their ids), committed."""
    return outbox.claim_due(
        OutboxMessage,
        limit,
        settings().mail_lease_seconds,
        order_by=[OutboxMessage.is_urgent.desc(), OutboxMessage.id],
    )


def record_outcomes(token: str, outcomes: list[dict]) -> int:
    """Record what happened to each message, but only for those this worker still leases.

    One statement and one commit for the whole batch; a crash before it means the batch is
    sent again after the lease, with the same Message-IDs (at-least-once). An outcome's
    `b_uncounted` (1 when the server was unreachable) takes back the attempt its claim counted.
    """
    if not outcomes:
        return 0
    table = OutboxMessage.__table__
    statement = (
        table.update()
        .where(table.c.id == bindparam("b_id"), table.c.lease_token == token)
        .values(
            status=bindparam("b_status"),
            sent_at=bindparam("b_sent_at"),
            last_error=bindparam("b_last_error"),
            next_attempt_at=bindparam("b_next_attempt_at"),
            attempts=table.c.attempts - bindparam("b_uncounted"),
            lease_until=None,
            lease_token=None,
        )
    )
    result = db.session.execute(statement, [{"b_uncounted": 0} | outcome for outcome in outcomes])
    db.session.commit()
    return result.rowcount


def retry_delay(attempts: int) -> float:
    return outbox.retry_delay(attempts, settings().mail_retry_base_seconds, MAX_BACKOFF_SECONDS)


def outage_delay(message: OutboxMessage) -> float:
    """While the server is unreachable a message waits about as long again as it has waited so far:
    the doubling of retry_delay (same base, cap and jitter), counted by its age instead of attempts."""
    age = (utcnow() - message.created_at).total_seconds()
    return outbox.retry_delay(1, max(settings().mail_retry_base_seconds, age), MAX_BACKOFF_SECONDS)


def attempt(message: OutboxMessage, transport: MailTransport) -> dict:
    """Send one leased message; the outcome to record for it. Raises ServerUnavailable."""
    outcome = {"b_id": message.id, "b_sent_at": None, "b_next_attempt_at": message.next_attempt_at}
    try:
        transport.send(compose(message))
    except PermanentFailure as exc:
        log.warning("message %s refused permanently: %s", message.id, exc)
        return outcome | {"b_status": MessageStatus.FAILED.value, "b_last_error": str(exc)[:2000]}
    except ServerUnavailable:
        raise
    except TemporaryFailure as exc:
        if message.attempts >= settings().mail_max_attempts:
            reason = f"gave up after {message.attempts} attempts: {exc}"
            return outcome | {"b_status": MessageStatus.FAILED.value, "b_last_error": reason[:2000]}
        log.info("message %s will be retried: %s", message.id, exc)
        return outcome | {
            "b_status": MessageStatus.PENDING.value,
            "b_last_error": str(exc)[:2000],
            "b_next_attempt_at": utcnow() + timedelta(seconds=retry_delay(message.attempts)),
        }
    log.info("message %s (%s) %s", message.id, message.kind, transport.delivered_status)
    return outcome | {"b_status": transport.delivered_status, "b_sent_at": utcnow(), "b_last_error": None}


def _waiting_for_server(message: OutboxMessage, outage: ServerUnavailable) -> dict:
    return {
        "b_id": message.id,
        "b_status": MessageStatus.PENDING.value,
        "b_sent_at": None,
        "b_last_error": f"mail server unavailable: {outage}"[:2000],
        "b_next_attempt_at": utcnow() + timedelta(seconds=outage_delay(message)),
        "b_uncounted": 1,
    }


def deliver(messages: list[OutboxMessage], transport: MailTransport) -> list[dict]:
    """The outcome of each message; once the server is unreachable the rest of the batch waits
    untried, since each would spend EOFFICE_SMTP_TIMEOUT finding the same, past the batch's lease."""
    outcomes: list[dict] = []
    outage: ServerUnavailable | None = None
    for message in messages:
        if outage is None:
            try:
                # The lines about this message carry the id of the request that queued it.
                with bound_request_id(message.request_id):
                    outcomes.append(attempt(message, transport))
                continue
            except ServerUnavailable as exc:
                log.warning("mail server unavailable, %d messages wait: %s", len(messages), exc)
                outage = exc
        outcomes.append(_waiting_for_server(message, outage))
    return outcomes


def process_due(transport: MailTransport, batch_size: int = 50) -> int:
    """One pass: gather due digests, then deliver one batch. Returns how many messages were tried."""
    if queue_digests():
        db.session.commit()
    else:
        db.session.rollback()
    token, claimed = claim_due(batch_size)
    if not claimed:
        return 0
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
    ).all()
    record_outcomes(token, deliver(list(messages), transport))
    return len(claimed)


def run_worker(
    app,
    stop: threading.Event,
    *,
    poll_interval: float = 1.0,
    batch_size: int = 50,
    exit_when_idle: bool = False,
) -> None:
    with app.app_context():
        transport = build_transport(settings())
        try:
            outbox.poll_until_stopped(
                stop,
                lambda: process_due(transport, batch_size),
                name="mail worker",
                poll_interval=poll_interval,
                exit_when_idle=exit_when_idle,
            )
        finally:
            transport.close()
