"""What the live room's devices are told of changes made outside its events (REST), and where they hear it.

Each is called once the change has committed; a failure to tell is logged and the change stands: a device
joining again reads it.
"""

from __future__ import annotations

import logging
from typing import Any

from eoffice.errors import ErrorCode
from eoffice.extensions import socketio
from eoffice.socketio_fanout import FAREWELL
from meetings import room

NAMESPACE = "/meetings"
log = logging.getLogger(__name__)


def meeting_room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def private_room(meeting_id: int, user_id: int) -> str:
    """Every device of one user in one meeting: private annotations go there."""
    return f"meeting:{meeting_id}:user:{user_id}"


def user_room(user_id: int) -> str:
    """Every connection of one user, whatever meetings it joined."""
    return f"user:{user_id}"


def session_room(session_id: str) -> str:
    """Every connection made with one login session: they end when it ends."""
    return f"session:{session_id}"


def audience_rooms(meeting_id: int, audience: set[int] | None) -> str | list[str]:
    """Where an event for an audience goes: the whole room (None), or the devices of the people named."""
    if audience is None:
        return meeting_room(meeting_id)
    return [private_room(meeting_id, user_id) for user_id in sorted(audience)]


def _tell(event: str, payload: dict[str, Any], to: str | list[str]) -> None:
    try:
        socketio.emit(event, payload, to=to, namespace=NAMESPACE)
    except Exception:  # noqa: BLE001 - the committed change stands; the message queue may be down
        log.exception("%s not sent", event)


def say_farewell(to: str | list[str], code: str, message: str) -> None:
    """End the connections in a room, in every process: they get `farewell {code, message}` first."""
    _tell(FAREWELL, {"code": code, "message": message}, to)


def remove_from_meeting(meeting_id: int, user_ids: list[int]) -> None:
    """The devices of people no longer invited leave the room at once (and cannot join again)."""
    if user_ids:
        say_farewell(
            [private_room(meeting_id, user_id) for user_id in user_ids],
            ErrorCode.FORBIDDEN,
            "you are no longer invited to this meeting",
        )


def end_connections_of_sessions(session_ids: list[str], reason: str, code: str) -> None:
    say_farewell([session_room(session_id) for session_id in session_ids], code, reason)


def meeting_status_payload(meeting) -> dict[str, Any]:
    """The `meeting_status` event: the meeting's step, as its devices learn it."""
    return {
        "meeting_id": meeting.id,
        "status": meeting.status,
        "started_at": meeting.started_at.isoformat() if meeting.started_at else None,
        "closed_at": meeting.closed_at.isoformat() if meeting.closed_at else None,
    }


def announce_meeting_status(meeting) -> None:
    """The meeting took a step (started, closed, cancelled): every device in the room says so at once."""
    _tell("meeting_status", meeting_status_payload(meeting), meeting_room(meeting.id))


def announce_minutes_status(status: dict[str, Any]) -> None:
    """The minutes took a step (submitted, returned, approved): `minutes_status` to the whole room."""
    _tell("minutes_status", status, meeting_room(status["meeting_id"]))


def announce_annotation(meeting_id: int, payload: dict[str, Any], audience: set[int] | None) -> None:
    """An annotation made over REST (a device's offline outbox), told to its audience as `annotate` does."""
    _tell("annotation", payload, audience_rooms(meeting_id, audience))


def tell_allowed_actions(meeting, user_ids: list[int]) -> None:
    """After a change of roles: the devices of each of these people learn what they may do in the room now."""
    for user_id in user_ids:
        try:
            event = room.allowed_actions_event(meeting, user_id)
            socketio.emit("allowed_actions", event, to=private_room(meeting.id, user_id), namespace=NAMESPACE)
        except Exception:  # noqa: BLE001 - the committed change stands; the message queue may be down
            log.exception("allowed actions not sent")
