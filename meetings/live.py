"""The live room: the /meetings Socket.IO namespace (public contract in README.md, "Meetings").

Each event authenticates through the token given at connect, validates its payload, calls one
function of meetings.room (or meetings.minutes), commits, and only then broadcasts. Every answer is an ack
{"ok": true, ...} or {"ok": false, "error": {"code", "message"}}; a refused event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_socketio import Namespace
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy.exc import SQLAlchemyError

from eoffice import metrics
from eoffice.accounts import events as account_events
from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid
from eoffice.auth.session import connection_from_token, live_session
from eoffice.config import Settings
from eoffice.db import reads_in_autocommit
from eoffice.devices.operations import DeviceInfo, parse_device
from eoffice.errors import ErrorCode
from eoffice.extensions import db, socketio
from eoffice.socketio_fanout import FAREWELL
from meetings import policy, room
from meetings.flood import EventLimiter, Verdict
from meetings.minutes import operations as minutes
from meetings.payload import Payload

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


def _error(code: ErrorCode, message: str, details: Any = None) -> dict[str, Any]:
    # The shape of a REST error's body, so that a device reads a refusal as it reads a 4xx.
    return {"ok": False, "error": {"code": code, "message": message, "details": details}}


_RATE_LIMITED = _error(ErrorCode.RATE_LIMITED, "too many events from this connection or user; slow down")


def say_farewell(to: str | list[str], code: str, message: str) -> None:
    """End the connections in a room, in every process: they get `farewell {code, message}` first.

    Called after the change that ends them has committed; a failure is logged, the change stands."""
    try:
        socketio.emit(FAREWELL, {"code": code, "message": message}, to=to, namespace=NAMESPACE)
    except Exception:  # noqa: BLE001 - the committed change stands; the message queue may be down
        log.exception("connections not ended")


def remove_from_meeting(meeting_id: int, user_ids: list[int]) -> None:
    """The devices of people no longer invited leave the room at once (and cannot join again)."""
    if user_ids:
        say_farewell(
            [private_room(meeting_id, user_id) for user_id in user_ids],
            "forbidden",
            "you are no longer invited to this meeting",
        )


def meeting_status_payload(meeting) -> dict[str, Any]:
    """The `meeting_status` event: the meeting's step, as its devices learn it."""
    return {
        "meeting_id": meeting.id,
        "status": meeting.status,
        "started_at": meeting.started_at.isoformat() if meeting.started_at else None,
        "closed_at": meeting.closed_at.isoformat() if meeting.closed_at else None,
    }


def announce_meeting_status(meeting) -> None:
    """Tell the devices in the room that the meeting took a step (started, closed, cancelled): every one
    says so at once. Called once the step has committed; a failure is logged, the step stands, and a
    device joining again reads the status."""
    try:
        socketio.emit(
            "meeting_status",
            meeting_status_payload(meeting),
            to=meeting_room(meeting.id),
            namespace=NAMESPACE,
        )
    except Exception:  # noqa: BLE001 - the committed step stands; the message queue may be down
        log.exception("meeting status not broadcast")


def announce_annotation(meeting_id: int, payload: dict[str, Any], audience: set[int] | None) -> None:
    """Tell the audience's devices of an annotation made over REST (a device's offline outbox), as the
    `annotate` event does. Called once it has committed; a failure is logged, the annotation stands, and
    a device joining again reads it."""
    try:
        socketio.emit("annotation", payload, to=audience_rooms(meeting_id, audience), namespace=NAMESPACE)
    except Exception:  # noqa: BLE001 - the committed annotation stands; the message queue may be down
        log.exception("annotation not broadcast")


def _end_connections_of_sessions(session_ids: list[str], reason: str, code: str) -> None:
    say_farewell([session_room(session_id) for session_id in session_ids], code, reason)


def _refused(code: ErrorCode, message: str) -> ConnectionRefusedError:
    # The client's connect_error carries {message, data: {code, message}}: `device_revoked` tells the
    # device to erase its data, `unauthorized` to log in again (python-socketio's own exception: the
    # builtin one reaches the client as a bare "Connection refused by server").
    return ConnectionRefusedError(message, {"code": code, "message": message})


def _refusal(exc: ApiError) -> dict[str, Any]:
    # Some refusals carry what the device needs to recover (a stale minutes edit: the current section).
    return {**_error(exc.code, exc.message, exc.details), **getattr(exc, "ack_fields", {})}


def tell_allowed_actions(meeting, user_ids: list[int]) -> None:
    """After a change of roles has committed (REST): the devices of each of these people learn what they
    may do in the room now. A failure is logged; a device joining again reads its allowed actions."""
    for user_id in user_ids:
        try:
            socketio.emit(
                "allowed_actions",
                room.allowed_actions_event(meeting, user_id),
                to=private_room(meeting.id, user_id),
                namespace=NAMESPACE,
            )
        except Exception:  # noqa: BLE001 - the committed change stands; the message queue may be down
            log.exception("allowed actions not sent")


@dataclass(frozen=True)
class _Change:
    """What an event that changes the room answers its device, and broadcasts (once committed) to whom;
    `then`: (event, payload, to) sent after it (what the change means for some people's devices)."""

    ack: dict[str, Any]
    event: str
    payload: dict[str, Any]
    to: str | list[str]
    then: tuple[tuple[str, dict[str, Any], str], ...] = ()


class MeetingNamespace(Namespace):
    def __init__(self, limiter: EventLimiter, namespace: str = NAMESPACE):
        super().__init__(namespace)
        # sid -> user id, and sid -> the login session it connected with: connection bookkeeping of
        # this process only; room state is in the database.
        self.users: dict[str, int] = {}
        self.sessions: dict[str, str] = {}
        # What every participant's join state shares, kept while the database says it is current.
        self.room_states = room.RoomStates()
        self.limiter = limiter
        # The meeting rooms a connection of this process has joined: the rooms gauge counts these, not
        # every room of the namespace (each connection has three of its own, and a join must not cost
        # a walk through all of them).
        self.meeting_rooms: set[str] = set()

    def trigger_event(self, event, *args):
        # Before any handler, application context or database: a refused burst costs little.
        if event not in ("connect", "disconnect") and args:
            user_id = self.users.get(args[0])
            verdict = self.limiter.admit(args[0], user_id)
            if verdict is Verdict.FLOODING:
                log.warning("a connection flooded the meeting room; disconnected")
                self.server.emit(
                    FAREWELL,
                    {"code": "rate_limited", "message": "too many events; disconnected"},
                    to=args[0],
                    namespace=self.namespace,
                )
            elif verdict is Verdict.USER_FLOODING:
                log.warning(
                    "user %s flooded the meeting room from several connections; disconnected", user_id
                )
                self.server.emit(
                    FAREWELL,
                    {
                        "code": "rate_limited",
                        "message": "too many events from your connections; disconnected",
                    },
                    to=user_room(user_id),
                    namespace=self.namespace,
                )
            if verdict is not Verdict.ADMITTED:
                return _RATE_LIMITED
        return super().trigger_event(event, *args)

    # Connection

    def on_connect(self, auth=None):
        from flask import request

        auth = auth if isinstance(auth, dict) else {}
        token = auth.get("token")
        if not isinstance(token, str) or not token:
            raise _refused(ErrorCode.UNAUTHORIZED, "auth.token is required")

        def device() -> DeviceInfo | None:
            named = auth.get("device_id"), auth.get("device_name")
            return parse_device(*named, fields=("auth.device_id", "auth.device_name"), location="json")

        try:
            session = connection_from_token(token, device)
        except ApiError as exc:
            raise _refused(exc.code, exc.message) from None
        self.users[request.sid] = session.user_id
        self.sessions[request.sid] = session.session_id
        self.server.enter_room(request.sid, user_room(session.user_id), namespace=self.namespace)
        self.server.enter_room(request.sid, session_room(session.session_id), namespace=self.namespace)
        metrics.SOCKETS.inc()
        return True

    def on_disconnect(self, reason=None):
        from flask import request

        if self.users.pop(request.sid, None) is not None:
            metrics.SOCKETS.dec()
        self.sessions.pop(request.sid, None)
        self.limiter.forget(request.sid)
        self._count_rooms(leaving=request.sid)

    def _count_rooms(self, leaving: str | None = None) -> None:
        """Meetings with a joined connection in this process (the one leaving not counted)."""
        rooms = self.server.manager.rooms.get(self.namespace, {})
        occupied = 0
        for name in list(self.meeting_rooms):
            members = rooms.get(name)
            if members and any(sid != leaving for sid in members):
                occupied += 1
            elif not members:
                self.meeting_rooms.discard(name)
        metrics.ROOMS.set(occupied)

    # Helpers

    def _user(self) -> User:
        from flask import request

        user_id, session_id = self.users.get(request.sid), self.sessions.get(request.sid)
        if user_id is None or session_id is None:
            raise ApiError(401, "unauthorized", "not connected")
        # The session too, not only the account: a change racing the farewell of an ended session is refused.
        return live_session(session_id, user_id).user

    def _run(self, data: Any, action: Callable[[Payload], dict[str, Any]]) -> dict[str, Any]:
        """Validate, act, commit: the ack; anything refused is rolled back and explained."""
        try:
            answer = action(Payload(data))
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

    def _meeting_and_user(self, payload: Payload):
        meeting = room.load_meeting(payload.integer("meeting_id"))
        return meeting, self._user()

    # Events

    def on_join(self, data=None):
        from flask import request

        def act(payload: Payload):
            meeting_id = payload.integer("meeting_id")
            user_id = self.users.get(request.sid)
            reads_in_autocommit(db.session)  # a join only reads
            state = room.join_state(meeting_id, user_id, self.room_states)
            self.server.enter_room(request.sid, meeting_room(meeting_id), namespace=self.namespace)
            self.server.enter_room(request.sid, private_room(meeting_id, user_id), namespace=self.namespace)
            self.meeting_rooms.add(meeting_room(meeting_id))
            self._count_rooms()
            return {"ok": True, "state": state}

        return self._run(data, act)

    def on_leave(self, data=None):
        from flask import request

        def act(payload: Payload):
            meeting_id = payload.integer("meeting_id")
            user_id = self.users.get(request.sid)
            self.server.leave_room(request.sid, meeting_room(meeting_id), namespace=self.namespace)
            if user_id is not None:
                self.server.leave_room(
                    request.sid, private_room(meeting_id, user_id), namespace=self.namespace
                )
            self._count_rooms()
            return {"ok": True}

        return self._run(data, act)

    def _commit_then_broadcast(self, data: Any, change: Callable[[Payload], _Change]) -> dict[str, Any]:
        """Validate and change, commit, then broadcast the change to its audience: the one path of every
        event that changes the room. A refused or failed change is rolled back and broadcasts nothing."""
        done: list[_Change] = []

        def act(payload: Payload) -> dict[str, Any]:
            done.append(change(payload))
            return done[0].ack

        answer = self._run(data, act)
        # Nobody to tell: a change sent again, already told (an annotation's client_id).
        if answer.get("ok") and done[0].to:
            self._broadcast(done[0].event, done[0].payload, done[0].to)
            for event, payload, to in done[0].then:
                self._broadcast(event, payload, to)
        return answer

    def on_present(self, data=None):
        from flask import request

        def change(payload: Payload) -> _Change:
            meeting_id = payload.integer("meeting_id")
            document_id = payload.integer("document_id")
            page = payload.integer("page")
            user_id = self.users.get(request.sid)
            if user_id is None:
                raise ApiError(401, "unauthorized", "not connected")
            # One statement that commits by itself: no BEGIN and COMMIT round trips before the
            # whole room waits for the page.
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            presentation = room.present(meeting_id, user_id, document_id, page)
            ack = {"ok": True, "seq": presentation["seq"]}
            return _Change(ack, "presentation", presentation, meeting_room(meeting_id))

        return self._commit_then_broadcast(data, change)

    def _then_broadcast(self, data, event: str, change: Callable[[Any, User, Payload], dict[str, Any]]):
        """The common shape: load meeting and user, change, broadcast to the whole room."""

        def to_room(payload: Payload) -> _Change:
            meeting, user = self._meeting_and_user(payload)
            changed = change(meeting, user, payload)
            return _Change({"ok": True, event: changed}, event, changed, meeting_room(meeting.id))

        return self._commit_then_broadcast(data, to_room)

    def on_designate_presenter(self, data=None):
        def change(payload: Payload) -> _Change:
            meeting, user = self._meeting_and_user(payload)
            before = meeting.designated_presenter_id
            changed = room.designate_presenter(meeting, user, payload.integer("user_id", optional=True))
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

        return self._commit_then_broadcast(data, change)

    def on_agenda_goto(self, data=None):
        return self._then_broadcast(
            data, "agenda", lambda m, u, p: room.go_to_agenda_item(m, u, p.integer("agenda_item_id"))
        )

    def on_check_in(self, data=None):
        return self._then_broadcast(
            data, "attendance", lambda m, u, p: room.check_in(m, u, p.data.get("mode", "in_person"))
        )

    def on_speak_request(self, data=None):
        return self._then_broadcast(data, "speakers", lambda m, u, p: room.request_floor(m, u))

    def on_speak_withdraw(self, data=None):
        return self._then_broadcast(data, "speakers", lambda m, u, p: room.withdraw_request(m, u))

    def on_speakers_order(self, data=None):
        return self._then_broadcast(
            data, "speakers", lambda m, u, p: room.order_speakers(m, u, p.integers("user_ids"))
        )

    def on_give_floor(self, data=None):
        return self._then_broadcast(
            data, "speakers", lambda m, u, p: room.give_floor(m, u, p.integer("user_id"))
        )

    def on_end_floor(self, data=None):
        return self._then_broadcast(data, "speakers", lambda m, u, p: room.end_floor(m, u))

    def on_vote_open(self, data=None):
        return self._then_broadcast(
            data,
            "vote_opened",
            lambda m, u, p: room.open_vote(
                m, u, p.text("question"), p.options("options"), p.boolean("is_secret")
            ),
        )

    def on_vote_cast(self, data=None):
        return self._then_broadcast(
            data,
            "vote_count",
            lambda m, u, p: room.cast_vote(m, u, p.integer("vote_id"), p.text("option", max_length=100)),
        )

    def on_vote_close(self, data=None):
        return self._then_broadcast(
            data, "vote_closed", lambda m, u, p: room.close_vote(m, u, p.integer("vote_id"))
        )

    def _to_audience(self, data, event: str, change: Callable[[Any, User, Payload], tuple[dict, set | None]]):
        """Load meeting and user, change, then tell the change's audience (see audience_rooms)."""

        def to_audience(payload: Payload) -> _Change:
            meeting, user = self._meeting_and_user(payload)
            changed, audience = change(meeting, user, payload)
            return _Change({"ok": True, event: changed}, event, changed, audience_rooms(meeting.id, audience))

        return self._commit_then_broadcast(data, to_audience)

    def on_annotate(self, data=None):
        # A private annotation's audience is its author: every device of theirs in the meeting.
        return self._to_audience(
            data,
            "annotation",
            lambda m, u, p: room.annotate(
                m,
                u,
                p.integer("document_id"),
                p.integer("page"),
                p.mapping("data"),
                p.boolean("shared"),
                p.uuid("client_id"),
            ),
        )

    def on_annotation_delete(self, data=None):
        return self._to_audience(
            data,
            "annotation_deleted",
            lambda m, u, p: room.delete_annotation(m, u, p.integer("annotation_id")),
        )

    def on_minutes_edit(self, data=None):
        def change(payload: Payload) -> _Change:
            meeting, user = self._meeting_and_user(payload)
            item_id = payload.integer_or_null("agenda_item_id", "the general part")
            based_on = payload.integer("version", minimum=0)
            text = payload.string("text", max_length=minutes.MAX_TEXT)
            conclusion = payload.string("conclusion", max_length=minutes.MAX_CONCLUSION)
            if text is None and conclusion is None:
                raise invalid("text", "give text, conclusion or both")
            section = minutes.edit_section(meeting, user, item_id, based_on, text, conclusion)
            item = next((i for i in meeting.agenda_items if i.id == item_id), None)
            # A confidential item's minutes go only to the devices of the people named on it.
            to = audience_rooms(meeting.id, policy.item_audience(item))
            ack = {"ok": True, "seq": section["seq"], "version": section["version"]}
            return _Change(ack, "minutes_section", section, to)

        return self._commit_then_broadcast(data, change)


def init_app(server, settings: Settings) -> None:
    """Register the namespace on the server socketio.init_app just built (one per application)."""
    limiter = EventLimiter(
        settings.room_event_rate,
        settings.room_event_burst,
        settings.room_flood_limit,
        settings.room_user_event_factor,
    )
    server.on_namespace(MeetingNamespace(limiter, NAMESPACE))
    account_events.on_sessions_ended(_end_connections_of_sessions)
