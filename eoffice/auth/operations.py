"""Logging in, rotating refresh tokens, logging out and ending sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, event, select, update
from sqlalchemy.orm import Session

from eoffice.accounts import events
from eoffice.accounts.models import User
from eoffice.accounts.passwords import hash_password, needs_rehash, verify_password
from eoffice.api_base import ApiError
from eoffice.audit.operations import record_event
from eoffice.auth import throttle
from eoffice.auth.models import AuthSession, RefreshToken
from eoffice.auth.tokens import hash_refresh_secret, issue_access_token, new_refresh_secret
from eoffice.db import utcnow
from eoffice.devices import operations as devices
from eoffice.devices.models import Device
from eoffice.devices.operations import DeviceInfo
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


def start_session(user: User, device: DeviceInfo | None = None) -> TokenPair:
    """A new session of the user (on the device named, recorded) and its first token pair."""
    device_id = device.device_id if device is not None else None
    session = AuthSession(id=uuid.uuid4().hex, user_id=user.id, device_id=device_id)
    db.session.add(session)
    # The session row first: its refresh token refers to it.
    db.session.flush()
    if device is not None:
        devices.record_seen(session, device, devices.find(user.id, device.device_id))
    return _issue_pair(user, session.id)


def log_in(username: str, password: str, address: str, device: DeviceInfo | None = None) -> TokenPair:
    """Raises 429 while throttled (without checking the password) and LoginFailed otherwise; a right
    password from a revoked device is refused with 401 device_revoked, starting no session.

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
    devices.refuse_if_revoked(user.id, device)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_event("auth.login_succeeded", actor=user, address=address)
    pair = start_session(user, device)
    db.session.flush()
    return pair


def _invalid_refresh() -> ApiError:
    return ApiError(401, "invalid_token", "refresh token is invalid, expired or revoked")


def refresh_tokens(refresh_token: str, address: str, device: DeviceInfo | None = None) -> TokenPair:
    """A new pair for a live session's latest refresh token; from a revoked device 401 device_revoked (the
    device's sessions ended with its revocation: this is how it learns to erase its data)."""
    row = db.session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_secret(refresh_token))
    )
    if row is None:
        raise _invalid_refresh()
    devices.refuse_if_revoked(row.user_id, device)
    user = db.session.get(User, row.user_id)
    if row.revoked_at is not None:
        # A rotated token came back: someone holds a copy. End the whole session.
        end_session(row.family_id, "session ended: its refresh token was used twice; log in again")
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


# Sessions ended in the session's transaction, announced (events.sessions_ended) once it commits.
_ENDED = "eoffice.ended_sessions"


def _end_sessions(session_condition, token_condition, reason: str, code: str = "unauthorized") -> None:
    now = utcnow()
    live = AuthSession.revoked_at.is_(None)
    ended = list(db.session.scalars(select(AuthSession.id).where(session_condition, live)))
    db.session.execute(update(AuthSession).where(session_condition, live).values(revoked_at=now))
    db.session.execute(
        update(RefreshToken).where(token_condition, RefreshToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    if ended:
        db.session.info.setdefault(_ENDED, []).append((ended, reason, code))


@event.listens_for(Session, "after_commit")
def _announce_ended_sessions(session: Session) -> None:
    # Live connections of those sessions end only once the end is durable, in every process.
    for session_ids, reason, code in session.info.pop(_ENDED, []):
        events.sessions_ended(session_ids, reason, code)


@event.listens_for(Session, "after_rollback")
def _forget_ended_sessions(session: Session) -> None:
    session.info.pop(_ENDED, None)


def end_session(session_id: str, reason: str) -> None:
    """Its refresh tokens and the access tokens issued with them stop working at once."""
    _end_sessions(AuthSession.id == session_id, RefreshToken.family_id == session_id, reason)


def end_device_sessions(user_id: int, device_id: str, reason: str) -> None:
    """Every session of the user opened on that device ends; its connections are told `device_revoked`."""
    on_device = (AuthSession.user_id == user_id, AuthSession.device_id == device_id)
    _end_sessions(
        and_(*on_device),
        RefreshToken.family_id.in_(select(AuthSession.id).where(*on_device)),
        reason,
        "device_revoked",
    )


def end_all_sessions(user_id: int, reason: str) -> None:
    """Every session of the user ends: after a password reset or a change of his active flag."""
    _end_sessions(AuthSession.user_id == user_id, RefreshToken.user_id == user_id, reason)


def log_out(refresh_token: str, address: str) -> None:
    row = db.session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_secret(refresh_token))
    )
    if row is None or row.revoked_at is not None:
        raise _invalid_refresh()
    end_session(row.family_id, "logged out")
    record_event("auth.logout", actor=db.session.get(User, row.user_id), address=address)
    db.session.flush()


def revoke_device(device: Device, actor: User) -> Device:
    """A logout of that device: its sessions end (its connections are told `device_revoked`), it is refused
    from now on, and its user's offline key generation rises, so the keys of meeting books it may hold
    open nothing downloaded afterwards. Revoking it again changes nothing."""
    if device.revoked_at is not None:
        return device
    device.revoked_at = utcnow()
    device.revoked_by_id = actor.id
    owner = db.session.get(User, device.user_id)
    owner.offline_key_generation += 1
    end_device_sessions(owner.id, device.device_id, "this device was removed from the account")
    record_event(
        "device.revoked",
        actor=actor,
        agency_id=owner.agency_id,
        target_type="user",
        target_id=owner.id,
        details={"device_id": device.device_id, "name": device.name},
    )
    db.session.flush()
    return device
