"""The live room: the /meetings Socket.IO namespace (public contract in README.md, "Meetings").

Each event authenticates through the token given at connect, validates its payload (meetings.room.schemas),
calls one function of meetings.room (or meetings.minutes), commits, and only then broadcasts. The ack is
{"ok": true, ...} or, changing nothing, {"ok": false, "error": {"code", "message", "details"}} (as REST).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy.exc import SQLAlchemyError

from eoffice import metrics
from eoffice.accounts import events as account_events
from eoffice.accounts.models import User
from eoffice.api_base import ApiError, load_input
from eoffice.auth.session import connection_from_token, live_user
from eoffice.config import Settings
from eoffice.devices.operations import DeviceInfo, parse_device
from eoffice.devices.sightings import Sightings
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.gathering import server_tasks
from eoffice.socketio_context import AppContextNamespace, current_sid
from eoffice.socketio_fanout import FAREWELL
from meetings import check_ins, policy, room
from meetings.broadcasts import (
    NAMESPACE,
    audience_rooms,
    end_connections_of_sessions,
    meeting_room,
    private_room,
    session_room,
    user_room,
)
from meetings.flood import EventLimiter, Verdict
from meetings.minutes import operations as minutes
from meetings.room import schemas

log = logging.getLogger(__name__)


def _error(code: ErrorCode, message: str, details: Any = None) -> dict[str, Any]:
    # The shape of a REST error's body, so that a device reads a refusal as it reads a 4xx.
    return {"ok": False, "error": {"code": code, "message": message, "details": details}}


_RATE_LIMITED = _error(ErrorCode.RATE_LIMITED, "too many events from this connection or user; slow down")


def _refused(code: ErrorCode, message: str) -> ConnectionRefusedError:
    # The client's connect_error carries {message, data: {code, message}}: `device_revoked` tells the
    # device to erase its data, `unauthorized` to log in again (python-socketio's own exception: the
    # builtin one reaches the client as a bare "Connection refused by server").
    return ConnectionRefusedError(message, {"code": code, "message": message})


def _refusal(exc: ApiError) -> dict[str, Any]:
    # Some refusals carry what the device needs to recover (a stale minutes edit: the current section).
    return {**_error(exc.code, exc.message, exc.details), **getattr(exc, "ack_fields", {})}


@functools.cache
def _schema(schema: type[ma.Schema]) -> ma.Schema:
    """One instance of each event's schema, loaded by every event (a schema holds no state of a load)."""
    return schema()


@dataclass(frozen=True)
class _Change:
    """What an event that changes the room answers its device, and broadcasts (once committed) to whom;
    `then`: (event, payload, to) sent after it (what the change means for some people's devices)."""

    ack: dict[str, Any]
    event: str
    payload: dict[str, Any]
    to: str | list[str]
    then: tuple[tuple[str, dict[str, Any], str], ...] = ()


def _audience_handler(
    schema: type[ma.Schema],
    event: str,
    change: Callable[[Any, User, dict[str, Any]], tuple[dict[str, Any], set[int] | None]],
):
    """An event's handler: load meeting and user, change, tell the change's audience (see audience_rooms)."""

    def handler(self: MeetingNamespace, data=None) -> dict[str, Any]:
        return self._to_audience(data, schema, event, change)

    return handler


def _room_handler(schema: type[ma.Schema], event: str, change: Callable[[Any, User, dict[str, Any]], dict]):
    """An event's handler whose change the whole room hears."""
    return _audience_handler(schema, event, lambda m, u, p: (change(m, u, p), None))


class MeetingNamespace(AppContextNamespace):
    def __init__(self, limiter: EventLimiter, attendance_interval: float, namespace: str = NAMESPACE):
        super().__init__(namespace)
        self.attendance = check_ins.attendance_broadcasts(self, attendance_interval)
        self.sightings = Sightings(*server_tasks(self))
        # sid -> user id, and sid -> the login session it connected with: connection bookkeeping of
        # this process only; room state is in the database.
        self.users: dict[str, int] = {}
        self.sessions: dict[str, str] = {}
        # What every participant's join state shares, kept while the database says it is current.
        self.room_states = room.RoomStates()
        self.limiter = limiter
        # The meeting rooms joined in this process: the rooms gauge counts these, not every room of the
        # namespace (each connection has three of its own: a join must not walk through them all).
        self.meeting_rooms: set[str] = set()

    def trigger_event(self, event, *args):
        # Before any handler, application context or database: a refused burst costs little.
        if event not in ("connect", "disconnect") and args:
            user_id = self.users.get(args[0])
            verdict = self.limiter.admit(args[0], user_id)
            if verdict is Verdict.FLOODING:
                log.warning("a connection flooded the meeting room; disconnected")
                self._flooded(args[0], "too many events; disconnected")
            elif verdict is Verdict.USER_FLOODING:
                log.warning(
                    "user %s flooded the meeting room from several connections; disconnected", user_id
                )
                self._flooded(user_room(user_id), "too many events from your connections; disconnected")
            if verdict is not Verdict.ADMITTED:
                return _RATE_LIMITED
        return super().trigger_event(event, *args)

    def _flooded(self, to: str, message: str) -> None:
        payload = {"code": ErrorCode.RATE_LIMITED, "message": message}
        self.server.emit(FAREWELL, payload, to=to, namespace=self.namespace)

    # Connection

    def on_connect(self, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        token = auth.get("token")
        if not isinstance(token, str) or not token:
            raise _refused(ErrorCode.UNAUTHORIZED, "auth.token is required")

        def device() -> DeviceInfo | None:
            named = auth.get("device_id"), auth.get("device_name")
            return parse_device(*named, fields=("auth.device_id", "auth.device_name"), location="json")

        try:
            session = connection_from_token(token, device, self.sightings.seen)
        except ApiError as exc:
            raise _refused(exc.code, exc.message) from None
        sid = current_sid()
        self.users[sid] = session.user_id
        self.sessions[sid] = session.session_id
        self.server.enter_room(sid, user_room(session.user_id), namespace=self.namespace)
        self.server.enter_room(sid, session_room(session.session_id), namespace=self.namespace)
        metrics.SOCKETS.inc()
        return True

    def on_disconnect(self, reason=None):
        sid = current_sid()
        if self.users.pop(sid, None) is not None:
            metrics.SOCKETS.dec()
        self.sessions.pop(sid, None)
        self.limiter.forget(sid)
        self._count_rooms(leaving=sid)

    def _count_rooms(self, leaving: str | None = None) -> None:
        """Meetings with a joined connection in this process (the one leaving not counted)."""
        rooms = self.server.manager.rooms.get(self.namespace, {})
        self.meeting_rooms = {name for name in self.meeting_rooms if rooms.get(name)}
        metrics.ROOMS.set(sum(any(sid != leaving for sid in rooms[name]) for name in self.meeting_rooms))

    # Helpers

    def _user(self) -> User:
        sid = current_sid()
        user_id, session_id = self.users.get(sid), self.sessions.get(sid)
        if user_id is None or session_id is None:
            raise ApiError(401, ErrorCode.UNAUTHORIZED, "not connected")
        # The session too, not only the account: a change racing the farewell of an ended session is refused.
        return live_user(session_id, user_id)

    def _run(
        self, data: Any, schema: type[ma.Schema], action: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """Validate (the event's schema), act, commit: the ack; a refusal is rolled back and explained."""
        try:
            answer = action(load_input(_schema(schema), data))
            db.session.commit()
            return answer
        except ApiError as exc:
            db.session.rollback()
            return _refusal(exc)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("meeting room event failed")
            return _error(ErrorCode.UNAVAILABLE, "the database did not accept the change; try again")

    def _broadcast(self, event: str, payload: dict[str, Any], to: str | list[str]) -> None:
        # One emit to a room: python-socketio encodes the packet once for every recipient, and
        # the Redis message queue carries it to the other processes.
        self.server.emit(event, payload, to=to, namespace=self.namespace)

    def _meeting_and_user(self, payload: dict[str, Any]):
        meeting = room.load_meeting(payload["meeting_id"])
        return meeting, self._user()

    def _commit_then_broadcast(
        self, data: Any, schema: type[ma.Schema], change: Callable[[dict[str, Any]], _Change]
    ) -> dict[str, Any]:
        """Validate and change, commit, then broadcast the change to its audience: the one path of every
        event that changes the room. A refused or failed change is rolled back and broadcasts nothing."""
        done: list[_Change] = []

        def act(payload: dict[str, Any]) -> dict[str, Any]:
            done.append(change(payload))
            return done[0].ack

        answer = self._run(data, schema, act)
        # Nobody to tell: a change sent again, already told (an annotation's client_id).
        if answer.get("ok") and done[0].to:
            self._broadcast(done[0].event, done[0].payload, done[0].to)
            for event, payload, to in done[0].then:
                self._broadcast(event, payload, to)
        return answer

    def _to_audience(
        self,
        data: Any,
        schema: type[ma.Schema],
        event: str,
        change: Callable[[Any, User, dict[str, Any]], tuple[dict[str, Any], set[int] | None]],
        ack: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Load meeting and user, change, then tell the change's audience (see audience_rooms). The ack
        carries the change under the event's name, or what `ack` takes of it."""

        def to_audience(payload: dict[str, Any]) -> _Change:
            meeting, user = self._meeting_and_user(payload)
            changed, audience = change(meeting, user, payload)
            answer = {"ok": True, **(ack(changed) if ack else {event: changed})}
            return _Change(answer, event, changed, audience_rooms(meeting.id, audience))

        return self._commit_then_broadcast(data, schema, to_audience)

    # Events

    def on_join(self, data=None):
        def act(payload: dict[str, Any]):
            meeting_id = payload["meeting_id"]
            user_id = self.users.get(current_sid())
            state = room.join_state(meeting_id, user_id, self.room_states)
            self.server.enter_room(current_sid(), meeting_room(meeting_id), namespace=self.namespace)
            self.server.enter_room(current_sid(), private_room(meeting_id, user_id), namespace=self.namespace)
            self.meeting_rooms.add(meeting_room(meeting_id))
            self._count_rooms()
            return {"ok": True, "state": state}

        return self._run(data, schemas.MeetingEventSchema, act)

    def on_leave(self, data=None):
        def act(payload: dict[str, Any]):
            meeting_id = payload["meeting_id"]
            sid = current_sid()
            user_id = self.users.get(sid)
            self.server.leave_room(sid, meeting_room(meeting_id), namespace=self.namespace)
            if user_id is not None:
                self.server.leave_room(sid, private_room(meeting_id, user_id), namespace=self.namespace)
            self._count_rooms()
            return {"ok": True}

        return self._run(data, schemas.MeetingEventSchema, act)

    def on_present(self, data=None):
        def change(payload: dict[str, Any]) -> _Change:
            meeting_id = payload["meeting_id"]
            user_id = self.users.get(current_sid())
            if user_id is None:
                raise ApiError(401, ErrorCode.UNAUTHORIZED, "not connected")
            presentation = room.present(meeting_id, user_id, payload["document_id"], payload["page"])
            ack = {"ok": True, "seq": presentation["seq"]}
            return _Change(ack, "presentation", presentation, meeting_room(meeting_id))

        return self._commit_then_broadcast(data, schemas.PresentSchema, change)

    def on_designate_presenter(self, data=None):
        def change(payload: dict[str, Any]) -> _Change:
            meeting, user = self._meeting_and_user(payload)
            before = meeting.designated_presenter_id
            changed = room.designate_presenter(meeting, user, payload["user_id"])
            # Who gains or loses presenting is told on their own devices, after the whole room heard.
            then = tuple(
                (
                    "allowed_actions",
                    room.allowed_actions_event(meeting, user_id),
                    private_room(meeting.id, user_id),
                )
                for user_id in sorted({before, changed["user_id"]} - {None})
            )
            ack = {"ok": True, "presenter": changed}
            return _Change(ack, "presenter", changed, meeting_room(meeting.id), then)

        return self._commit_then_broadcast(data, schemas.DesignatePresenterSchema, change)

    on_agenda_goto = _room_handler(
        schemas.AgendaGotoSchema, "agenda", lambda m, u, p: room.go_to_agenda_item(m, u, p["agenda_item_id"])
    )
    on_check_in = check_ins.on_check_in
    on_attendance_full = check_ins.on_attendance_full
    on_speak_request = _room_handler(
        schemas.MeetingEventSchema, "speakers", lambda m, u, p: room.request_floor(m, u)
    )
    on_speak_withdraw = _room_handler(
        schemas.MeetingEventSchema, "speakers", lambda m, u, p: room.withdraw_request(m, u)
    )
    on_speakers_order = _room_handler(
        schemas.SpeakersOrderSchema, "speakers", lambda m, u, p: room.order_speakers(m, u, p["user_ids"])
    )
    on_give_floor = _room_handler(
        schemas.GiveFloorSchema, "speakers", lambda m, u, p: room.give_floor(m, u, p["user_id"])
    )
    on_end_floor = _room_handler(schemas.MeetingEventSchema, "speakers", lambda m, u, p: room.end_floor(m, u))
    on_vote_open = _room_handler(
        schemas.VoteOpenSchema,
        "vote_opened",
        lambda m, u, p: room.open_vote(m, u, p["question"], p["options"], p["is_secret"]),
    )
    on_vote_cast = _room_handler(
        schemas.VoteCastSchema, "vote_count", lambda m, u, p: room.cast_vote(m, u, p["vote_id"], p["option"])
    )
    on_vote_close = _room_handler(
        schemas.VoteSchema, "vote_closed", lambda m, u, p: room.close_vote(m, u, p["vote_id"])
    )

    def on_annotate(self, data=None):
        def annotate(meeting, user: User, p: dict[str, Any]):
            # A private annotation's audience is its author: every device of theirs in the meeting.
            client_id = str(p["client_id"]) if p["client_id"] is not None else None
            return room.annotate(
                meeting, user, p["document_id"], p["page"], p["data"], p["shared"], client_id
            )

        return self._to_audience(data, schemas.AnnotateSchema, "annotation", annotate)

    on_annotation_delete = _audience_handler(
        schemas.AnnotationDeleteSchema,
        "annotation_deleted",
        lambda m, u, p: room.delete_annotation(m, u, p["annotation_id"]),
    )

    def on_minutes_edit(self, data=None):
        def edit(meeting, user: User, p: dict[str, Any]):
            item_id = p["agenda_item_id"]
            section = minutes.edit_section(
                meeting, user, item_id, p["version"], p.get("text"), p.get("conclusion")
            )
            item = next((i for i in meeting.agenda_items if i.id == item_id), None)
            # A confidential item's minutes go only to the devices of the people named on it.
            return section, policy.item_audience(item)

        return self._to_audience(
            data,
            schemas.MinutesEditSchema,
            "minutes_section",
            edit,
            ack=lambda section: {"seq": section["seq"], "version": section["version"]},
        )


def init_app(server, settings: Settings) -> None:
    """Register the namespace on the server socketio.init_app just built (one per application)."""
    limiter = EventLimiter(
        settings.room_event_rate,
        settings.room_event_burst,
        settings.room_flood_limit,
        settings.room_user_event_factor,
    )
    server.on_namespace(MeetingNamespace(limiter, settings.room_attendance_interval, NAMESPACE))
    account_events.on_sessions_ended(end_connections_of_sessions)
