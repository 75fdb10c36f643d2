"""Knowing the devices a user works from: every request and Socket.IO connection names its device, which
is recorded (last seen at most once a minute, to keep writes low) or refused when it was revoked.

Revoking one is a logout of that device: eoffice.auth.operations.revoke_device ends its sessions.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import unquote

from flask import request
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from eoffice.api_base import ApiError, invalid
from eoffice.auth.models import AuthSession
from eoffice.db import savepoint, utcnow
from eoffice.devices.models import Device
from eoffice.errors import ErrorCode
from eoffice.extensions import db

log = logging.getLogger(__name__)

ID_HEADER = "X-Device-Id"
# Percent-encoded UTF-8 (encodeURIComponent): a header carries Latin-1 only, a name is Vietnamese.
NAME_HEADER = "X-Device-Name"
MAX_NAME = 100
SEEN_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class DeviceInfo:
    """What a client says of its device: the UUID it made for itself (canonical form) and a name."""

    device_id: str
    name: str


def parse_device(device_id: Any, name: Any, *, fields: tuple[str, str], location: str) -> DeviceInfo | None:
    """The device a client names, None when it names none; 422 naming the field when malformed."""
    if device_id is None or device_id == "":
        return None
    if not isinstance(device_id, str):
        raise invalid(fields[0], "must be a UUID", location)
    try:
        canonical = str(uuid.UUID(device_id.strip()))
    except ValueError:
        raise invalid(fields[0], "must be a UUID", location) from None
    if name is None:
        name = ""
    if not isinstance(name, str):
        raise invalid(fields[1], "must be a string", location)
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    if len(name.strip()) > MAX_NAME:
        raise invalid(fields[1], f"at most {MAX_NAME} characters", location)
    return DeviceInfo(canonical, name.strip())


def device_from_headers() -> DeviceInfo | None:
    """The device named by the request's X-Device-Id and X-Device-Name headers."""
    try:
        name = unquote(request.headers.get(NAME_HEADER, ""), errors="strict")
    except UnicodeDecodeError:
        raise invalid(NAME_HEADER, "must be percent-encoded UTF-8", "headers") from None
    return parse_device(
        request.headers.get(ID_HEADER), name, fields=(ID_HEADER, NAME_HEADER), location="headers"
    )


def revoked_error() -> ApiError:
    return ApiError(
        401,
        ErrorCode.DEVICE_REVOKED,
        "this device was removed from the account: erase its data; logging in again needs a new device id",
    )


def find(user_id: int, device_id: str) -> Device | None:
    return db.session.scalar(select(Device).where(Device.user_id == user_id, Device.device_id == device_id))


def refuse_if_revoked(user_id: int, device: DeviceInfo | None) -> Device | None:
    """The user's row for that device (None when new or not named); 401 device_revoked when revoked."""
    if device is None:
        return None
    row = find(user_id, device.device_id)
    if row is not None and row.revoked_at is not None:
        raise revoked_error()
    return row


class SeenDevice(NamedTuple):
    """What the hot paths read of a device's row (a Device as plain columns)."""

    id: int
    last_seen_at: datetime
    name: str


def needs_recording(
    device: DeviceInfo, row: Device | SeenDevice | None, session_device_id: str | None
) -> bool:
    """Whether record_seen would write anything: lets a caller skip loading the session to find out."""
    return row is None or session_device_id is None or _due(device, row, utcnow())


def _due(device: DeviceInfo, row: Device | SeenDevice, now) -> bool:
    return now - row.last_seen_at >= SEEN_INTERVAL or renamed(device, row)


def renamed(device: DeviceInfo, row: Device | SeenDevice) -> bool:
    """The device names itself otherwise than its row does."""
    return bool(device.name and device.name != row.name)


def touch(row: Device | SeenDevice, device: DeviceInfo, connection: Connection | None = None) -> None:
    """record_seen for a known device whose session already names it: one UPDATE, nothing loaded; on
    `connection` (an autocommit one) or else in the request's session."""
    (connection if connection is not None else db.session).execute(
        update(Device).where(Device.id == row.id).values(last_seen_at=utcnow(), name=device.name or row.name)
    )


def sighting(row: SeenDevice, device: DeviceInfo) -> dict[str, Any]:
    """What touch writes, for touch_many to write later with others."""
    return {"row_id": row.id, "seen_at": utcnow(), "seen_name": device.name or row.name}


_TOUCH_MANY = (
    update(Device)
    .where(Device.id == bindparam("row_id"))
    .values(last_seen_at=bindparam("seen_at"), name=bindparam("seen_name"))
)


def touch_many(connection: Connection, sightings: list[dict[str, Any]]) -> None:
    """Several touches in one statement (executemany) on an autocommit connection."""
    connection.execute(_TOUCH_MANY, sightings)


def record_seen(session: AuthSession, device: DeviceInfo, row: Device | None) -> bool:
    """Note that the session's user works from this device now; whether anything was written (the
    caller commits). A known device is written at most once a minute, or when its name changes."""
    now = utcnow()
    written = False
    if row is None:
        try:
            with savepoint(db.session):
                db.session.add(
                    Device(
                        user_id=session.user_id,
                        device_id=device.device_id,
                        name=device.name,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
                db.session.flush()
            written = True
        except IntegrityError:
            # The device's other request of the same moment recorded it first.
            log.debug("device %s recorded by a concurrent request", device.device_id)
    elif _due(device, row, now):
        row.last_seen_at = now
        row.name = device.name or row.name
        written = True
    if session.device_id is None:
        session.device_id = device.device_id
        written = True
    return written
