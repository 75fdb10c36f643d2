"""The state machines of meetings and of their minutes: which action may happen in which state, and by whom.

The shape of eoffice/documents/workflow.py: an action enum and a transitions table whose every entry
carries its permission; `actions_for` derives from it what a client offers. Every operation asks
`check()` before it looks at its input or writes anything. Unlike documents, the permission is asked
before the state: a caller the rule refuses gets 403 whatever the state, so that it learns nothing of
a meeting it may not act on (every transition of one action has the same permission).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.errors import ErrorCode
from meetings.models import AgendaItem, Meeting, MeetingStatus, MinutesStatus
from meetings.policy import Permission, Seat, authorize, authorize_seat, can, seat_can, seat_of


class Action(enum.StrEnum):
    CREATE = "create"
    EDIT = "edit"  # its details, people and agenda
    INVITE = "invite"
    START = "start"
    CLOSE = "close"
    CANCEL = "cancel"
    UPLOAD_DOCUMENT = "upload_document"
    CREATE_POLL = "create_poll"
    # The live room is offered once the invitations are out, until the meeting ends.
    ENTER_ROOM = "enter_room"


class RoomAction(enum.StrEnum):
    """What a device does in the live room: each is the name of its Socket.IO event (meetings.live),
    but SHARE_ANNOTATION, an `annotate` with shared true."""

    PRESENT = "present"
    DESIGNATE_PRESENTER = "designate_presenter"
    AGENDA_GOTO = "agenda_goto"
    CHECK_IN = "check_in"
    SPEAK_REQUEST = "speak_request"
    SPEAK_WITHDRAW = "speak_withdraw"
    SPEAKERS_ORDER = "speakers_order"
    GIVE_FLOOR = "give_floor"
    END_FLOOR = "end_floor"
    VOTE_OPEN = "vote_open"
    VOTE_CAST = "vote_cast"
    VOTE_CLOSE = "vote_close"
    ANNOTATE = "annotate"
    SHARE_ANNOTATION = "share_annotation"


class MinutesAction(enum.StrEnum):
    EDIT = "edit_minutes"
    SUBMIT = "submit_minutes"
    RETURN = "return_minutes"
    APPROVE = "approve_minutes"


StatusT = TypeVar("StatusT", MeetingStatus, MinutesStatus)


@dataclass(frozen=True)
class Transition(Generic[StatusT]):
    target: StatusT | None  # None: the state does not change
    permission: Permission


M, MS, A, MA, P = MeetingStatus, MinutesStatus, Action, MinutesAction, Permission
_OPEN = (M.DRAFT, M.INVITED, M.IN_PROGRESS)

TRANSITIONS: dict[tuple[MeetingStatus | None, Action], Transition[MeetingStatus]] = {
    (None, A.CREATE): Transition(M.DRAFT, P.ORGANISE),
    **{(state, A.EDIT): Transition(None, P.MANAGE) for state in _OPEN},
    **{(state, A.UPLOAD_DOCUMENT): Transition(None, P.UPLOAD_DOCUMENT) for state in _OPEN},
    **{(state, A.CREATE_POLL): Transition(None, P.MANAGE) for state in _OPEN},
    (M.DRAFT, A.INVITE): Transition(M.INVITED, P.MANAGE),
    (M.INVITED, A.START): Transition(M.IN_PROGRESS, P.MANAGE),
    (M.IN_PROGRESS, A.CLOSE): Transition(M.CLOSED, P.MANAGE),
    (M.DRAFT, A.CANCEL): Transition(M.CANCELLED, P.MANAGE),
    (M.INVITED, A.CANCEL): Transition(M.CANCELLED, P.MANAGE),
    (M.INVITED, A.ENTER_ROOM): Transition(None, P.VIEW),
    (M.IN_PROGRESS, A.ENTER_ROOM): Transition(None, P.VIEW),
}


@dataclass(frozen=True)
class RoomRule:
    states: tuple[MeetingStatus, ...]  # the meeting's states that allow the action
    permission: Permission


RA = RoomAction
_LIVE = (M.IN_PROGRESS,)
# The room opens with the invitations: people check in and the chair designates who presents before
# the start. A private note may be written on the meeting's papers whatever its state.
ROOM_ACTIONS: dict[RoomAction, RoomRule] = {
    RA.PRESENT: RoomRule(_LIVE, P.PRESENT),
    RA.DESIGNATE_PRESENTER: RoomRule((M.INVITED, M.IN_PROGRESS), P.RUN_ROOM),
    RA.AGENDA_GOTO: RoomRule(_LIVE, P.RUN_ROOM),
    RA.CHECK_IN: RoomRule((M.INVITED, M.IN_PROGRESS), P.TAKE_PART),
    RA.SPEAK_REQUEST: RoomRule(_LIVE, P.TAKE_PART),
    RA.SPEAK_WITHDRAW: RoomRule(_LIVE, P.TAKE_PART),
    RA.SPEAKERS_ORDER: RoomRule(_LIVE, P.RUN_ROOM),
    RA.GIVE_FLOOR: RoomRule(_LIVE, P.RUN_ROOM),
    RA.END_FLOOR: RoomRule(_LIVE, P.RUN_ROOM),
    RA.VOTE_OPEN: RoomRule(_LIVE, P.RUN_ROOM),
    RA.VOTE_CAST: RoomRule(_LIVE, P.VOTE),
    RA.VOTE_CLOSE: RoomRule(_LIVE, P.RUN_ROOM),
    RA.ANNOTATE: RoomRule(tuple(MeetingStatus), P.VIEW),
    RA.SHARE_ANNOTATION: RoomRule(tuple(MeetingStatus), P.PRESENT),
}

# The minutes exist from the start of the meeting; the secretary writes, the chair approves.
MINUTES_TRANSITIONS: dict[tuple[MinutesStatus, MinutesAction], Transition[MinutesStatus]] = {
    (MS.DRAFT, MA.EDIT): Transition(None, P.WRITE_MINUTES),
    (MS.RETURNED, MA.EDIT): Transition(None, P.WRITE_MINUTES),
    (MS.DRAFT, MA.SUBMIT): Transition(MS.SUBMITTED, P.WRITE_MINUTES),
    (MS.RETURNED, MA.SUBMIT): Transition(MS.SUBMITTED, P.WRITE_MINUTES),
    (MS.SUBMITTED, MA.RETURN): Transition(MS.RETURNED, P.APPROVE_MINUTES),
    (MS.SUBMITTED, MA.APPROVE): Transition(MS.APPROVED, P.APPROVE_MINUTES),
}


# Besides their own status, two steps of the minutes depend on the meeting's: they are written while it runs
# or once it is closed, and submitted once it is closed.
MINUTES_MEETING_STATES: dict[MinutesAction, tuple[MeetingStatus, ...]] = {
    MA.EDIT: (M.IN_PROGRESS, M.CLOSED),
    MA.SUBMIT: (M.CLOSED,),
}


def _permission_of(table: dict, action: enum.StrEnum) -> Permission:
    permissions = {transition.permission for (_, a), transition in table.items() if a == action}
    if len(permissions) != 1:
        raise AssertionError(f"{action} needs exactly one permission, has {permissions}")
    return permissions.pop()


PERMISSIONS: dict[Action | MinutesAction, Permission] = {
    **{action: _permission_of(TRANSITIONS, action) for action in Action},
    **{action: _permission_of(MINUTES_TRANSITIONS, action) for action in MinutesAction},
}


def _state_of(meeting: Meeting | None) -> MeetingStatus | None:
    return MeetingStatus(meeting.status) if meeting is not None else None


def allowed_actions(meeting: Meeting | None) -> list[Action]:
    """The actions the meeting's state allows, whoever asks."""
    state = _state_of(meeting)
    return [action for (s, action) in TRANSITIONS if s == state]


def actions_for(user: User, meeting: Meeting, item: AgendaItem | None = None) -> list[Action]:
    """The actions this user may take now (for clients to offer the right buttons); with an item,
    those on that agenda item (an upload to it)."""
    state = _state_of(meeting)
    return [
        action
        for (s, action), transition in TRANSITIONS.items()
        if s == state
        and (item is None or action == A.UPLOAD_DOCUMENT)
        and can(user, transition.permission, meeting, item)
    ]


def check(meeting: Meeting | None, action: Action, actor: User, item: AgendaItem | None = None) -> Transition:
    """The transition for this action now, or 403 (not this actor) / 409 (not in this state)."""
    authorize(actor, PERMISSIONS[action], meeting, item)
    state = _state_of(meeting)
    transition = TRANSITIONS.get((state, action))
    if transition is None:
        allowed = [str(a) for a in allowed_actions(meeting)]
        raise ApiError(
            409,
            ErrorCode.INVALID_STATE,
            f"cannot {action} a meeting that is {state}",
            {"status": state, "action": str(action), "allowed_actions": allowed},
        )
    return transition


def room_actions_for(seat: Seat, meeting: Meeting) -> list[RoomAction]:
    """What this seat may do in the room now: the join state's `allowed_actions`, from what the join has
    read already (no query)."""
    return [
        action
        for action, rule in ROOM_ACTIONS.items()
        if meeting.status in rule.states and seat_can(seat, rule.permission, meeting)
    ]


def check_room(meeting: Meeting, action: RoomAction, actor: User, seat: Seat | None = None) -> Seat:
    """The actor's seat if the room action is allowed now, or 403 (not this actor) / 409 (not now).
    `seat`: the actor's, when the caller has read it already."""
    seat = seat if seat is not None else seat_of(actor, meeting)
    rule = ROOM_ACTIONS[action]
    authorize_seat(seat, rule.permission, meeting)
    if meeting.status not in rule.states:
        allowed = [str(a) for a, r in ROOM_ACTIONS.items() if meeting.status in r.states]
        raise ApiError(
            409,
            ErrorCode.INVALID_STATE,
            f"cannot {action} in a meeting that is {meeting.status}",
            {"status": meeting.status, "action": str(action), "allowed_actions": allowed},
        )
    return seat


def authorize_minutes(meeting: Meeting, action: MinutesAction, actor: User) -> None:
    """403 unless this actor takes this step of the minutes; their state is checked as the step is
    written (minutes.operations), in the statement that raises their version."""
    authorize(actor, PERMISSIONS[action], meeting)


def minutes_actions_for(user: User, meeting: Meeting, status: MinutesStatus | str) -> list[MinutesAction]:
    """The steps of the minutes this user may take now (for clients to offer the right buttons)."""
    return [
        action
        for (s, action), transition in MINUTES_TRANSITIONS.items()
        if s == status
        and meeting.status in MINUTES_MEETING_STATES.get(action, tuple(MeetingStatus))
        and can(user, transition.permission, meeting)
    ]


def minutes_states_allowing(action: MinutesAction) -> list[MinutesStatus]:
    return [state for (state, a) in MINUTES_TRANSITIONS if a == action]


def minutes_target(action: MinutesAction) -> MinutesStatus | None:
    return next(t.target for (_, a), t in MINUTES_TRANSITIONS.items() if a == action)


def refuse_minutes(status: MinutesStatus, action: MinutesAction) -> ApiError:
    allowed = [str(a) for (s, a) in MINUTES_TRANSITIONS if s == status]
    return ApiError(
        409,
        ErrorCode.INVALID_STATE,
        f"the minutes are {status}: {action} is not allowed now",
        {"status": status, "action": str(action), "allowed_actions": allowed},
    )
