"""Who is calling: the bearer token of the request, resolved to an active user."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app, g, request
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import joinedload

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.auth.models import AuthSession
from eoffice.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from eoffice.db import autocommit
from eoffice.devices import operations as devices
from eoffice.devices.models import Device
from eoffice.devices.operations import DeviceInfo
from eoffice.extensions import db


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


# The session, its user and his roles in one statement: every request runs it, so it is built once.
_SESSION_WITH_USER = (
    select(AuthSession)
    .options(joinedload(AuthSession.user).joinedload(User.role_rows))
    .where(AuthSession.id == bindparam("id"))
)


def live_session(session_id: str, user_id: int) -> AuthSession:
    """The session, with its active user; 401 once the session ended or the account was disabled."""
    session = db.session.execute(_SESSION_WITH_USER, {"id": session_id}).unique().scalar_one_or_none()
    if session is None or session.user_id != user_id or session.revoked_at is not None:
        raise _unauthorized("session ended; log in again")
    if not session.user.is_active:
        raise _unauthorized("account disabled or removed")
    return session


# What a connection needs to know of its session and of the device it names, as plain columns of one
# statement (no objects to build): the device's row is joined whether or not the session is its.
_CONNECTION_STATE = (
    select(
        AuthSession.user_id,
        AuthSession.revoked_at,
        AuthSession.device_id,
        User.is_active,
        Device.id.label("device_row_id"),
        Device.revoked_at.label("device_revoked_at"),
        Device.last_seen_at.label("device_last_seen_at"),
        Device.name.label("device_name"),
    )
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(
        Device, and_(Device.user_id == bindparam("user_id"), Device.device_id == bindparam("device_id"))
    )
    .where(AuthSession.id == bindparam("id"))
)


def _no_device() -> DeviceInfo | None:
    return None


def _decoded(token: str) -> AccessClaims:
    try:
        return decode_access_token(token)
    except InvalidToken as exc:
        raise _unauthorized(f"invalid access token: {exc}") from exc


def _claims(token: str, device: Callable[[], DeviceInfo | None]):
    """The token's claims, the device named and its row; device() is read once the token is known good,
    and a revoked device is refused (401 device_revoked) before the session, which its revocation ended,
    so that the device learns to erase its data."""
    claims = _decoded(token)
    named = device()
    return claims, named, devices.refuse_if_revoked(claims.user_id, named)


def _record_device(session: AuthSession, named: DeviceInfo, known) -> None:
    # At the start of a request or a connection nothing else is pending: committed at once.
    if devices.record_seen(session, named, known):
        db.session.commit()


def session_from_token(token: str, device: Callable[[], DeviceInfo | None] = _no_device) -> AuthSession:
    """The live session an access token was issued in, with its user; 401 once it ended, even before the
    token expires. The device the caller names is refused when revoked, else recorded."""
    claims, named, known = _claims(token, device)
    session = live_session(claims.session_id, claims.user_id)
    if named is not None:
        _record_device(session, named, known)
    return session


def connection_from_token(token: str, device: Callable[[], DeviceInfo | None] = _no_device) -> AccessClaims:
    """session_from_token for a Socket.IO connection, with the same checks and refusals in the same
    order, which needs the session's id and user only: one statement of plain columns on an autocommit
    connection instead of the session, user, roles and device as objects (a hall's thousand tablets
    connect within seconds). A known device due to be seen again is touched by one UPDATE; the session
    is loaded only when the device has more to record."""
    claims = _decoded(token)
    named = device()
    with autocommit() as connection:
        row = connection.execute(
            _CONNECTION_STATE,
            {
                "id": claims.session_id,
                "user_id": claims.user_id,
                "device_id": named.device_id if named is not None else None,
            },
        ).one_or_none()
        if row is None:
            # No such session: the device's own refusal still comes first.
            devices.refuse_if_revoked(claims.user_id, named)
            raise _unauthorized("session ended; log in again")
        if row.device_revoked_at is not None:
            raise devices.revoked_error()
        if row.user_id != claims.user_id or row.revoked_at is not None:
            raise _unauthorized("session ended; log in again")
        if not row.is_active:
            raise _unauthorized("account disabled or removed")
        if named is None:
            return claims
        known = None
        if row.device_row_id is not None:
            known = devices.SeenDevice(row.device_row_id, row.device_last_seen_at, row.device_name)
        if not devices.needs_recording(named, known, row.device_id):
            return claims
        if known is not None and row.device_id is not None:
            devices.touch(known, named, connection)
            return claims
    _record_device(
        db.session.get(AuthSession, claims.session_id), named, devices.find(claims.user_id, named.device_id)
    )
    return claims


def current_user() -> User:
    user = g.get("current_user")
    if user is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("missing bearer token")
        user = g.current_user = session_from_token(token.strip(), devices.device_from_headers).user
    return user


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        current_user()
        return view(*args, **kwargs)

    # functools.wraps carries the mark up through @blp.arguments, which parses before this wrapper
    # runs: authenticate_first finds it on the routed view and answers 401 before any 422.
    wrapper.requires_login = True
    return wrapper


def authenticate_first() -> None:
    """before_request: a view that needs a login checks the token before its input is validated."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "requires_login", False):
        current_user()


def client_address() -> str:
    return (request.remote_addr or "unknown")[:45]
