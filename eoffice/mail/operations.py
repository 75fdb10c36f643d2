"""Queueing notices in the outbox (in the caller's transaction), preferences, retry and cancel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select, update

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid_fields
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.mail.calendar import CalendarEvent, build_calendar
from eoffice.mail.catalog import NOTICES
from eoffice.mail.models import DeliveryMode, MessageStatus, NotificationPreference, OutboxMessage
from eoffice.mail.render import render_notice
from eoffice.runtime import settings

VIETNAM = timezone(timedelta(hours=7))
# Notices a user may not switch off: they carry a calendar or change one.
ALWAYS_SENT = frozenset({"meeting.invitation", "meeting.changed", "meeting.cancelled", "digest"})


def _new_message_id() -> str:
    domain = parseaddr(settings().smtp_from)[1].rpartition("@")[2] or "eoffice.local"
    return f"<{uuid.uuid4().hex}@{domain}>"


def delivery_mode(user: User, kind: str) -> DeliveryMode:
    preference = db.session.get(NotificationPreference, (user.id, kind))
    return DeliveryMode(preference.mode) if preference else DeliveryMode.IMMEDIATE


def absolute_link(path: str | None) -> str | None:
    if path is None or path.startswith(("http://", "https://")):
        return path
    return settings().effective_public_url + "/" + path.lstrip("/")


def notify(
    user: User,
    kind: str,
    context: dict[str, Any],
    *,
    urgent: bool = False,
    link: str | None = None,
    facts: list[tuple[str, str]] | None = None,
    calendar: CalendarEvent | None = None,
) -> OutboxMessage | None:
    """Record an e-mail notice in the current transaction; it goes out only if the transaction commits.

    Returns None when the user has no address or switched this kind off. Urgent notices (hỏa tốc,
    thượng khẩn) always go out at once, whatever the preference.
    """
    if not user.email or not user.is_active:
        return None
    mode = DeliveryMode.IMMEDIATE if urgent or kind in ALWAYS_SENT else delivery_mode(user, kind)
    if mode is DeliveryMode.OFF:
        return None
    rendered = render_notice(
        kind, user.language, context, urgent=urgent, link=absolute_link(link), facts=facts
    )
    message = OutboxMessage(
        kind=kind,
        recipient_id=user.id,
        agency_id=user.agency_id,
        to_address=user.email,
        to_name=user.full_name,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        calendar=build_calendar(calendar) if calendar else None,
        calendar_method=calendar.method if calendar else None,
        message_id=_new_message_id(),
        is_urgent=urgent,
        status=MessageStatus.DIGEST if mode is DeliveryMode.DIGEST else MessageStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def set_preferences(user: User, modes: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(modes) - set(NOTICES) | {k for k in modes if k in ALWAYS_SENT})
    if unknown:
        raise invalid_fields({kind: ["unknown kind or always sent"] for kind in unknown})
    for kind, mode in modes.items():
        row = db.session.get(NotificationPreference, (user.id, kind))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
        else:
            row.mode = mode
    db.session.flush()
    return preferences_of(user)


def preferences_of(user: User) -> dict[str, str]:
    chosen = {
        row.kind: row.mode
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {
        kind: chosen.get(kind, DeliveryMode.IMMEDIATE.value) for kind in NOTICES if kind not in ALWAYS_SENT
    }


def retry_message(message: OutboxMessage) -> OutboxMessage:
    if message.status not in (MessageStatus.FAILED, MessageStatus.CANCELLED):
        raise ApiError(
            409,
            "invalid_state",
            f"only failed or cancelled messages are retried, this one is {message.status}",
        )
    message.status = MessageStatus.PENDING
    message.next_attempt_at = utcnow()
    message.attempts = 0
    message.last_error = None
    db.session.flush()
    return message


def cancel_message(message: OutboxMessage) -> OutboxMessage:
    if message.status not in (MessageStatus.PENDING, MessageStatus.DIGEST, MessageStatus.FAILED):
        raise ApiError(409, "invalid_state", f"a {message.status} message cannot be cancelled")
    message.status = MessageStatus.CANCELLED
    message.lease_until = None
    db.session.flush()
    return message


def last_digest_boundary(now: datetime) -> datetime:
    """The most recent daily digest hour (Vietnam time) at or before now."""
    local = now.astimezone(VIETNAM)
    boundary = local.replace(hour=settings().mail_digest_hour, minute=0, second=0, microsecond=0)
    if boundary > local:
        boundary -= timedelta(days=1)
    return boundary.astimezone(UTC)


def queue_digests(now: datetime | None = None) -> int:
    """Gather each user's non-urgent notices from before the last digest hour into one message.

    Safe to call from every worker loop: the claim is one UPDATE, so two workers never gather
    the same notice, and notices after the boundary wait for the next day.
    """
    now = now or utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.DIGEST,
            OutboxMessage.created_at <= last_digest_boundary(now),
        )
        .values(status=MessageStatus.DIGESTED)
        .returning(
            OutboxMessage.id, OutboxMessage.recipient_id, OutboxMessage.subject, OutboxMessage.text_body
        )
    ).all()
    by_user: dict[int, list] = {}
    for row in sorted(claimed, key=lambda r: r.id):
        if row.recipient_id is not None:
            by_user.setdefault(row.recipient_id, []).append(row)
    for user_id, rows in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or not user.email:
            continue
        rendered = render_notice(
            "digest",
            user.language,
            {"count": len(rows)},
            items=[{"subject": row.subject, "link": _first_link(row.text_body)} for row in rows],
        )
        digest = OutboxMessage(
            kind="digest",
            recipient_id=user.id,
            agency_id=user.agency_id,
            to_address=user.email,
            to_name=user.full_name,
            subject=rendered.subject,
            text_body=rendered.text,
            html_body=rendered.html,
            message_id=_new_message_id(),
            status=MessageStatus.PENDING,
            next_attempt_at=now,
        )
        db.session.add(digest)
        db.session.flush()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .values(digest_id=digest.id)
        )
    db.session.flush()
    return len(by_user)


def _first_link(text: str) -> str:
    for word in text.split():
        if word.startswith(("http://", "https://")):
            return word
    return ""
