"""Logging in, rotating refresh tokens, logging out and ending sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from eoffice.accounts.models import User
from eoffice.accounts.passwords import hash_password, needs_rehash, verify_password
from eoffice.api_base import ApiError
from eoffice.audit.operations import record_event
from eoffice.auth import throttle
from eoffice.auth.models import AuthSession, RefreshToken
from eoffice.auth.tokens import hash_refresh_secret, issue_access_token, new_refresh_secret
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.runtime import settings


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


class LoginFailed(ApiError):
    def __init__(self):
        super().__init__(401, "invalid_credentials", "wrong username or password")


def _issue_pair(user: User, session_id: str) -> TokenPair:
    access, expires_in = issue_access_token(user.id, session_id)
    refresh, refresh_hash = new_refresh_secret()
    db.session.add(
        RefreshToken(
            user_id=user.id,
            family_id=session_id,
            token_hash=refresh_hash,
            expires_at=utcnow() + timedelta(seconds=settings().refresh_token_ttl),
        )
    )
    return TokenPair(access, refresh, expires_in)


def start_session(user: User) -> TokenPair:
    """A new session of the user and its first token pair."""
    session = AuthSession(id=uuid.uuid4().hex, user_id=user.id)
    db.session.add(session)
    # The session row first: its refresh token refers to it.
    db.session.flush()
    return _issue_pair(user, session.id)


def log_in(username: str, password: str, address: str) -> TokenPair:
    """Raises 429 while throttled (without checking the password) and LoginFailed otherwise.

    The failure is flushed, not committed: the caller commits before answering.
    """
    username = username.strip().lower()
    throttle.ensure_not_throttled(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        throttle.record_failure(username, address)
        record_event(
            "auth.login_failed",
            actor=user,
            actor_username=username,
            address=address,
            details={"reason": "inactive" if user and not user.is_active else "bad_credentials"},
        )
        raise LoginFailed()
    throttle.record_success(username, address)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_event("auth.login_succeeded", actor=user, address=address)
    pair = start_session(user)
    db.session.flush()
    return pair


def _invalid_refresh() -> ApiError:
    return ApiError(401, "invalid_token", "refresh token is invalid, expired or revoked")


def refresh_tokens(refresh_token: str, address: str) -> TokenPair:
    row = db.session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_secret(refresh_token))
    )
    if row is None:
        raise _invalid_refresh()
    user = db.session.get(User, row.user_id)
    if row.revoked_at is not None:
        # A rotated token came back: someone holds a copy. End the whole session.
        end_session(row.family_id)
        record_event("auth.refresh_reused", actor=user, address=address, details={"family": row.family_id})
        raise _invalid_refresh()
    session = db.session.get(AuthSession, row.family_id)
    # The session is asked too: a rotation racing the end of the session adds a token it did not revoke.
    if row.expires_at <= utcnow() or user is None or not user.is_active or session.revoked_at is not None:
        raise _invalid_refresh()
    # Compare-and-set: of two concurrent refreshes with one token, only one rotates it.
    rotated = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if rotated.rowcount != 1:
        raise _invalid_refresh()
    record_event("auth.token_refreshed", actor=user, address=address)
    pair = _issue_pair(user, row.family_id)
    db.session.flush()
    return pair


def _end_sessions(session_condition, token_condition) -> None:
    now = utcnow()
    db.session.execute(
        update(AuthSession).where(session_condition, AuthSession.revoked_at.is_(None)).values(revoked_at=now)
    )
    db.session.execute(
        update(RefreshToken).where(token_condition, RefreshToken.revoked_at.is_(None)).values(revoked_at=now)
    )


def end_session(session_id: str) -> None:
    """Its refresh tokens and the access tokens issued with them stop working at once."""
    _end_sessions(AuthSession.id == session_id, RefreshToken.family_id == session_id)


def end_all_sessions(user_id: int) -> None:
    """Every session of the user ends: after a password reset or a change of his active flag."""
    _end_sessions(AuthSession.user_id == user_id, RefreshToken.user_id == user_id)


def log_out(refresh_token: str, address: str) -> None:
    row = db.session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_secret(refresh_token))
    )
    if row is None or row.revoked_at is not None:
        raise _invalid_refresh()
    end_session(row.family_id)
    record_event("auth.logout", actor=db.session.get(User, row.user_id), address=address)
    db.session.flush()
