"""Who is calling: the bearer token of the request, resolved to an active user."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import current_app, g, request
from sqlalchemy import Integer, Row, String, and_, bindparam, select
from sqlalchemy.orm import joinedload

from eoffice.accounts.models import Role, User, UserRole
from eoffice.api_base import ApiError
from eoffice.auth.models import AuthSession
from eoffice.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from eoffice.db import autocommit, keys_table, rows_by_key
from eoffice.devices import operations as devices
from eoffice.devices.models import Device
from eoffice.devices.operations import DeviceInfo, SeenDevice
from eoffice.extensions import db
from eoffice.gathering import Coalesced, coalesced


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


@dataclass(frozen=True)
class Caller:
    """The user a request is made by, as far as the permission rules ask (they take a User or this):
    read with the token's checks in one statement, for requests that need nothing else of him."""

    id: int
    agency_id: str
    unit_id: int | None
    is_platform_admin: bool
    roles: tuple[str, ...]
    # Only an active user's token passes: kept for the rules, which ask.
    is_active: bool = True
    # Of the keys of his offline meeting books (meetings.offline).
    offline_key_generation: int = 0

    @classmethod
    def of(cls, user: User) -> Caller:
        return cls(
            user.id,
            user.agency_id,
            user.unit_id,
            user.is_platform_admin,
            tuple(user.roles),
            user.is_active,
            user.offline_key_generation,
        )

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles


# What the refusals read, as plain columns: the session's owner and end, its device, the user's active
# flag, and the row of the device the caller names (joined whether or not the session is its; none
# when he names none). Every request and connection runs one of the statements below, built once.
_LIVE = (
    AuthSession.user_id,
    AuthSession.revoked_at,
    AuthSession.device_id,
    User.is_active,
    Device.id.label("device_row_id"),
    Device.revoked_at.label("device_revoked_at"),
    Device.last_seen_at.label("device_last_seen_at"),
    Device.name.label("device_name"),
)


def _session_of(*columns, roles: bool = False):
    statement = (
        select(*_LIVE, *columns)
        .join(User, User.id == AuthSession.user_id)
        .outerjoin(
            Device, and_(Device.user_id == bindparam("user_id"), Device.device_id == bindparam("device_id"))
        )
    )
    if roles:
        statement = statement.outerjoin(UserRole, UserRole.user_id == User.id)
    return statement.where(AuthSession.id == bindparam("id"))


# With the user and his roles as objects, for a request that acts as him or shows him.
_SESSION_WITH_USER = _session_of(User).options(joinedload(User.role_rows))
# With the user's identity and roles as plain columns (a row a role, one at least): no objects to build.
_SESSION_STATE = _session_of(
    User.agency_id,
    User.unit_id,
    User.is_platform_admin,
    User.offline_key_generation,
    UserRole.role,
    roles=True,
)
# What a connection needs: the session's id and user only, on an autocommit connection.
_CONNECTION_STATE = _session_of()


def _connections_of():
    """_CONNECTION_STATE for many (session id, user id, device id) at once (rows_by_key)."""
    wanted = keys_table(id=String, user_id=Integer, device_id=String)
    return (
        select(
            *_LIVE,
            wanted.c.id.label("wanted_id"),
            wanted.c.user_id.label("wanted_user_id"),
            wanted.c.device_id.label("wanted_device_id"),
        )
        .select_from(wanted)
        .join(AuthSession, AuthSession.id == wanted.c.id)
        .join(User, User.id == AuthSession.user_id)
        .outerjoin(Device, and_(Device.user_id == wanted.c.user_id, Device.device_id == wanted.c.device_id))
    )


_CONNECTIONS_STATE = _connections_of()
# A connection's key: its token's session and user, and the device it names (or None).
ConnectionKey = tuple[str, int, str | None]


def _read_connections(keys: Sequence[ConnectionKey]) -> dict[ConnectionKey, Row]:
    return rows_by_key(_CONNECTION_STATE, _CONNECTIONS_STATE, ("id", "user_id", "device_id"), keys)


def _connection_reads() -> Coalesced[ConnectionKey, Row]:
    """The application's token checks of connections, read together when they come together."""
    return coalesced("connection_reads", _read_connections)


# Touches a known device due to be seen again (devices.operations.touch or Sightings.seen).
Touch = Callable[[SeenDevice, DeviceInfo], None]


def _no_device() -> DeviceInfo | None:
    return None


def _decoded(token: str) -> AccessClaims:
    try:
        return decode_access_token(token)
    except InvalidToken as exc:
        raise _unauthorized(f"invalid access token: {exc}") from exc


def _parameters(claims: AccessClaims, named: DeviceInfo | None) -> dict:
    return {
        "id": claims.session_id,
        "user_id": claims.user_id,
        "device_id": named.device_id if named is not None else None,
    }


def _refuse(claims: AccessClaims, named: DeviceInfo | None, row: Row | None) -> None:
    """Every refusal of an access token, in order, over its session's row (None: no such session) for
    requests and connections alike. A revoked device is refused (401 device_revoked) before the
    session, which its revocation ended, so that the device learns to erase its data; then 401 once the
    session ended, even before the token expires, or the account was disabled."""
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


def _touch_in_session(known: SeenDevice, named: DeviceInfo) -> None:
    devices.touch(known, named)
    db.session.commit()  # at the start of a request nothing else is pending


def _touch_on_autocommit(known: SeenDevice, named: DeviceInfo) -> None:
    with autocommit() as connection:
        devices.touch(known, named, connection)


def _touched(
    named: DeviceInfo | None, row: Row, now: Touch = _touch_in_session, later: Touch | None = None
) -> bool:
    """Whether the device named is recorded as due: a tablet seen again (its login named it) by one
    UPDATE, nothing loaded, made by `now` (in the request's session, or on an autocommit connection),
    or handed to `later` (devices.sightings). False when the device has more to record (record_seen)."""
    known = None
    if named is not None and row.device_row_id is not None:
        known = devices.SeenDevice(row.device_row_id, row.device_last_seen_at, row.device_name)
    if named is None or not devices.needs_recording(named, known, row.device_id):
        return True
    if known is None or row.device_id is None:
        return False
    if later is not None and not devices.renamed(named, known):
        # Only the time: written with the others of the same second. A new name shows at once.
        later(known, named)
        return True
    now(known, named)
    return True


def _record_device(claims: AccessClaims, named: DeviceInfo) -> None:
    """A device new to the user, or to this session, recorded; committed at once. The reads end here
    (autocommit's too): the record and its savepoint get a transaction of their own."""
    db.session.commit()
    devices.record_seen(
        db.session.get(AuthSession, claims.session_id), named, devices.find(claims.user_id, named.device_id)
    )
    db.session.commit()


def _checked(
    token: str, device: Callable[[], DeviceInfo | None], statement
) -> tuple[AccessClaims, list[Row]]:
    """An access token's claims and its session's rows read by `statement` in the request's session,
    after every refusal (_refuse); device() is read once the token is known good."""
    claims = _decoded(token)
    named = device()
    rows = db.session.execute(statement, _parameters(claims, named)).unique().all()
    _refuse(claims, named, rows[0] if rows else None)
    if not _touched(named, rows[0]):
        _record_device(claims, named)
    return claims, rows


def user_from_token(token: str, device: Callable[[], DeviceInfo | None] = _no_device) -> User:
    """The user of the live session an access token was issued in, with his roles; 401 once it ended, even
    before the token expires. The device the caller names is refused when revoked, else recorded."""
    return _checked(token, device, _SESSION_WITH_USER)[1][0].User


def caller_from_token(token: str, device: Callable[[], DeviceInfo | None] = _no_device) -> Caller:
    """user_from_token, with the same checks and refusals, for a request that needs only who calls and his
    roles: one statement of plain columns (a hall of tablets fetching one document at once)."""
    claims, rows = _checked(token, device, _SESSION_STATE)
    first = rows[0]
    roles = tuple(row.role for row in rows if row.role is not None)
    return Caller(
        claims.user_id,
        first.agency_id,
        first.unit_id,
        first.is_platform_admin,
        roles,
        offline_key_generation=first.offline_key_generation,
    )


def connection_from_token(
    token: str, device: Callable[[], DeviceInfo | None] = _no_device, touch: Touch | None = None
) -> AccessClaims:
    """The checks and refusals of user_from_token, in the same order, for a Socket.IO connection, which
    needs the session's id and user only: plain columns on an autocommit connection, in one statement
    with the other connections' checked meanwhile (a hall's thousand tablets connect within seconds:
    a few statements, not a thousand). A known device due to be seen again is handed to `touch`
    (devices.sightings: written with the others of the same second) or else touched by one UPDATE;
    the session is loaded only when the device has more to record."""
    claims = _decoded(token)
    named = device()
    row = _connection_reads().get((claims.session_id, claims.user_id, named.device_id if named else None))
    _refuse(claims, named, row)
    if not _touched(named, row, _touch_on_autocommit, touch):
        _record_device(claims, named)
    return claims


def live_user(session_id: str, user_id: int) -> User:
    """The active user of a session checked earlier (a live connection's), while the session lasts."""
    claims = AccessClaims(user_id, session_id)
    rows = db.session.execute(_SESSION_WITH_USER, _parameters(claims, None)).unique().all()
    _refuse(claims, None, rows[0] if rows else None)
    return rows[0].User


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("missing bearer token")
    return token.strip()


def current_user() -> User:
    """The caller as a User, for a request that acts as him or shows him."""
    user = g.get("current_user")
    if user is None:
        caller = g.get("caller")
        if caller is None:
            user = user_from_token(_bearer_token(), devices.device_from_headers)
        else:
            # The token was checked in this request: only the user is left to load.
            user = db.session.get(User, caller.id)
            if user is None:
                raise _unauthorized("account disabled or removed")
        g.current_user = user
    return user


def current_caller() -> Caller:
    """Who calls and his roles, for a request that needs no more (a download): taken from the User when
    the request loaded him, else checked from the token in one statement of plain columns."""
    caller = g.get("caller")
    if caller is None:
        user = g.get("current_user")
        caller = (
            Caller.of(user)
            if user is not None
            else caller_from_token(_bearer_token(), devices.device_from_headers)
        )
        g.caller = caller
    return caller


def _requiring(check: Callable[[], object]) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            check()
            return view(*args, **kwargs)

        # functools.wraps carries the mark up through @blp.arguments, which parses before this wrapper
        # runs: authenticate_first finds it on the routed view and answers 401 before any 422.
        wrapper.requires_login = check
        return wrapper

    return decorator


# A view that acts as the caller or shows him.
login_required = _requiring(current_user)
# A view whose rules need only who calls and his roles (current_caller): a file's bytes.
caller_required = _requiring(current_caller)


def authenticate_first() -> None:
    """before_request: a view that needs a login checks the token before its input is validated."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    check = getattr(view, "requires_login", None)
    if check:
        check()


def client_address() -> str:
    return (request.remote_addr or "unknown")[:45]
