"""The live room's `check_in` event: the device's ack at once, the room told of check-ins together.

A hall checking in at once would otherwise send one `attendance` event per check-in to every tablet.
Check-ins that one process accepts within `EOFFICE_ROOM_ATTENDANCE_INTERVAL` of each other go out as one
event per room (meetings.room.attendance.attendance_event), read after they all committed; each
process does so for its own check-ins, and the room version in every event lets a device put events
from several processes in order (README, "Live room").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from eoffice.api_base import ApiError
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.gathering import Gathered, server_tasks
from eoffice.socketio_context import current_sid
from meetings import policy, room
from meetings.broadcasts import meeting_room
from meetings.room import schemas

if TYPE_CHECKING:
    from meetings.live import MeetingNamespace


class AttendanceBroadcasts(Gathered):
    """Check-ins committed in this process and not yet told, by meeting (eoffice.gathering); `emit(payload,
    to)` sends."""

    def __init__(
        self,
        interval: float,
        emit: Callable[[dict[str, Any], str], None],
        sleep: Callable[[float], None],
        start: Callable[..., Any],
    ):
        super().__init__("attendance", interval, self._broadcast, sleep, start)
        self._emit = emit

    def checked_in(self, app: Flask, meeting_id: int, entry: dict[str, Any]) -> None:
        """A check-in has committed: the room hears of it with the others of the next interval."""
        self.add(app, meeting_id, entry["user_id"], entry)

    def _broadcast(self, app: Flask, meeting_id: int, changed: list[dict[str, Any]]) -> None:
        with app.app_context():
            try:
                payload = room.attendance_event(meeting_id, changed)
            finally:
                db.session.remove()
        if payload is not None:
            self._emit(payload, meeting_room(meeting_id))


def on_check_in(namespace: MeetingNamespace, data=None) -> dict[str, Any]:
    """MeetingNamespace's `check_in`: `{"ok": true, "checked_in": entry}` once committed; the room hears
    it in the next `attendance` event."""
    meeting_ids: list[int] = []

    def act(payload: dict[str, Any]) -> dict[str, Any]:
        meeting, user = namespace._meeting_and_user(payload)
        meeting_ids.append(meeting.id)
        return {"ok": True, "checked_in": room.check_in(meeting, user, payload["mode"])}

    answer = namespace._run(data, schemas.CheckInSchema, act)
    if answer["ok"]:
        app = current_app._get_current_object()
        namespace.attendance.checked_in(app, meeting_ids[0], answer["checked_in"])
    return answer


def on_attendance_full(namespace: MeetingNamespace, data=None) -> dict[str, Any]:
    """MeetingNamespace's `attendance_full`: `{"ok": true, "attendance": …}`, the whole attendance of one
    snapshot (as the join state's), for a device whose present list fell short of the count it holds.
    Only for a connection that joined the meeting's room and whose user may still see the meeting."""

    def act(payload: dict[str, Any]) -> dict[str, Any]:
        meeting_id = payload["meeting_id"]
        rooms = namespace.server.rooms(current_sid(), namespace=namespace.namespace)
        if meeting_room(meeting_id) not in rooms:
            raise ApiError(
                403, ErrorCode.FORBIDDEN, f"join meeting {meeting_id} before asking for its attendance"
            )
        meeting, user = namespace._meeting_and_user(payload)
        policy.authorize_seat(policy.seat_of(user, meeting), policy.Permission.VIEW, meeting)
        return {"ok": True, "attendance": room.full_attendance(meeting)}

    return namespace._run(data, schemas.MeetingEventSchema, act)


def attendance_broadcasts(namespace: MeetingNamespace, interval: float) -> AttendanceBroadcasts:
    """The namespace's AttendanceBroadcasts, sending through the server it is registered on."""

    def emit(payload: dict[str, Any], to: str) -> None:
        namespace.server.emit("attendance", payload, to=to, namespace=namespace.namespace)

    return AttendanceBroadcasts(interval, emit, *server_tasks(namespace))
