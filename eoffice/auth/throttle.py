"""Throttling of failed logins per account and per address, shared by all server processes."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete, select

from eoffice.api_base import ApiError
from eoffice.auth.models import LoginFailure
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.runtime import settings


def _retry_after(column, value: str, limit: int) -> int | None:
    """Seconds until the limit-th most recent failure leaves the window, if the limit is reached."""
    window = settings().login_failure_window
    since = utcnow() - timedelta(seconds=window)
    recent = (
        select(LoginFailure.failed_at)
        .where(column == value, LoginFailure.failed_at > since)
        .order_by(LoginFailure.failed_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    oldest_counted = db.session.scalar(recent)
    if oldest_counted is None:
        return None
    remaining = (oldest_counted + timedelta(seconds=window) - utcnow()).total_seconds()
    return max(1, math.ceil(remaining))


def ensure_not_throttled(username: str, address: str) -> None:
    config = settings()
    waits = [
        _retry_after(LoginFailure.username, username, config.login_max_failures),
        _retry_after(LoginFailure.address, address, config.login_max_failures_per_address),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_requests",
            f"too many failed logins; try again in {wait} seconds",
            {"retry_after": wait},
            {"Retry-After": str(wait)},
        )


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=username, address=address))
    # Keep the table small: what has left the window no longer counts.
    horizon = utcnow() - timedelta(seconds=settings().login_failure_window)
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < horizon))


def clear_failures(username: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
