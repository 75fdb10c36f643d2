"""Every permission rule of meetings, in one place: who sees, manages, presents, votes, writes minutes.

The pattern of every feature's rules (eoffice.auth.policy, eoffice.documents.policy): a `Permission`
enum, one rule per permission, and `can`/`authorize` asking them; the feature's state machine
(meetings/workflow.py) names the permission of each transition. The rules are built from the `may_*`
predicates, which the live room also asks directly.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, exists, select

from eoffice.accounts.models import Role, User
from eoffice.api_base import ApiError
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.storage.models import StoredFile
from meetings.models import (
    VOTING_ROLES,
    AgendaItem,
    AgendaItemAccess,
    Meeting,
    MeetingDocument,
    MeetingMinutes,
    MeetingParticipant,
    MeetingStatus,
    ParticipantRole,
)

# Roles that may organise a meeting for their agency.
ORGANISER_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)


def forbidden(message: str) -> ApiError:
    return ApiError(403, ErrorCode.FORBIDDEN, message)


def may_organise(user: User) -> bool:
    return user.is_active and any(user.has_role(role) for role in ORGANISER_ROLES)


def is_invitee(user: User, meeting: Meeting) -> bool:
    return meeting.participant(user.id) is not None


def may_view(user: User, meeting: Meeting) -> bool:
    return meeting.organiser_id == user.id or is_invitee(user, meeting)


def may_manage(user: User, meeting: Meeting) -> bool:
    """Organiser, chair or secretary: edit, invite, start, close, distribute documents."""
    return user.id in (meeting.organiser_id, meeting.chair_id, meeting.secretary_id)


# The chair and the secretary are named in the convening decision, before the meeting: once it has
# started, who chaired and who kept the minutes is a fact the minutes record and the chair approves.
CHAIR_AND_SECRETARY_CHANGEABLE = frozenset({MeetingStatus.DRAFT, MeetingStatus.INVITED})


def may_name_chair_and_secretary(user: User, meeting: Meeting) -> bool:
    """Whoever convenes the meeting names its chair and secretary: its organiser. Not the chair or the
    secretary themselves (each could take the other's place, and so approve the minutes they wrote)."""
    return user.is_active and user.id == meeting.organiser_id


def check_chair_and_secretary_change(user: User, meeting: Meeting) -> None:
    """Raises 403 for anyone but the organiser, 409 once the meeting has started."""
    require(
        may_name_chair_and_secretary(user, meeting),
        "only the organiser names the chair and the secretary",
    )
    if meeting.status not in CHAIR_AND_SECRETARY_CHANGEABLE:
        raise ApiError(
            409,
            ErrorCode.INVALID_STATE,
            f"the chair and the secretary cannot change once the meeting is {meeting.status}",
            {"status": meeting.status},
        )


@dataclass(frozen=True)
class Seat:
    """One user's place at a meeting: what the live room's rules ask. A join reads it with its one
    statement; anywhere else seat_of reads it from the meeting's participants."""

    user_id: int
    role: str | None  # None: not a participant (the organiser, or nobody of this meeting)
    is_organiser: bool


def seat_of(user: User, meeting: Meeting) -> Seat:
    return seat_in(meeting, user.id, meeting.participant(user.id))


def seat_in(meeting: Meeting, user_id: int, participant: MeetingParticipant | None) -> Seat:
    """The seat of a user whose participant row (None: not a participant) has been read already."""
    return Seat(user_id, participant.role if participant else None, meeting.organiser_id == user_id)


def _sits(seat: Seat) -> bool:
    return seat.is_organiser or seat.role is not None


def _chairs(seat: Seat) -> bool:
    """Runs the room: speakers, votes, the agenda, designating the presenter (the secretary assists)."""
    return seat.role in (ParticipantRole.CHAIR, ParticipantRole.SECRETARY)


def _presents(seat: Seat, meeting: Meeting) -> bool:
    designated = meeting.designated_presenter_id
    return _chairs(seat) or (designated is not None and designated == seat.user_id)


def _votes(seat: Seat) -> bool:
    return seat.role in VOTING_ROLES


def may_chair(user: User, meeting: Meeting) -> bool:
    return _chairs(seat_of(user, meeting))


def may_present(user: User, meeting: Meeting) -> bool:
    return _presents(seat_of(user, meeting), meeting)


def may_vote(user: User, meeting: Meeting) -> bool:
    return _votes(seat_of(user, meeting))


def item_audience(item: AgendaItem | None) -> set[int] | None:
    """Who sees an item: None for everyone at the meeting; a confidential one's named people only
    (its creator and presenter are named)."""
    if item is None or not item.is_confidential:
        return None
    return {*item.named_user_ids, item.created_by_id, item.presenter_id} - {None}


def in_audience(user_id: int, audience: set[int] | None) -> bool:
    return audience is None or user_id in audience


def may_see_item(user: User, item: AgendaItem | None) -> bool:
    return in_audience(user.id, item_audience(item))


def may_read_document(user: User, meeting: Meeting, document: MeetingDocument) -> bool:
    """Invitees (and the organiser) only; a confidential item's documents only for its named people."""
    return may_view(user, meeting) and may_see_item(user, document.agenda_item)


def invited(meeting_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the user of the statement's `user_id` is a participant of that meeting, as a column."""
    return (
        exists()
        .where(
            MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.user_id == bindparam("user_id")
        )
        .label("invited")
    )


def item_audience_columns() -> tuple[ColumnElement, ...]:
    """item_audience of a statement's AgendaItem (outer-joined: null for a paper of no item) as columns,
    for the user of its `user_id`: what may_see_paper asks."""
    return (
        AgendaItem.is_confidential,
        AgendaItem.created_by_id,
        AgendaItem.presenter_id,
        exists()
        .where(
            AgendaItemAccess.agenda_item_id == AgendaItem.id, AgendaItemAccess.user_id == bindparam("user_id")
        )
        .label("named"),
    )


def may_see_paper(user_id: int, paper) -> bool:
    """may_see_item over a row of item_audience_columns."""
    return not paper.is_confidential or paper.named or user_id in (paper.created_by_id, paper.presenter_id)


# What the rules above ask of each paper a file is, for one user, as plain columns of one statement (every
# download asks it): its meeting's organiser, whether the user is invited, and its agenda item's audience
# (whether the user is named on it).
_PAPERS_OF_FILE = (
    select(Meeting.organiser_id, invited(Meeting.id), *item_audience_columns())
    .select_from(MeetingDocument)
    .join(Meeting, Meeting.id == MeetingDocument.meeting_id)
    .outerjoin(AgendaItem, AgendaItem.id == MeetingDocument.agenda_item_id)
    .where(MeetingDocument.file_id == bindparam("file_id"))
)


def views(user_id: int, meeting) -> bool:
    """may_view over a row with the meeting's `organiser_id` and `invited` (invited())."""
    return meeting.organiser_id == user_id or bool(meeting.invited)


def _may_read_paper(user_id: int, paper) -> bool:
    """may_read_document over a row of _PAPERS_OF_FILE: may_view, then may_see_item."""
    return views(user_id, paper) and may_see_paper(user_id, paper)


def owns_file(file_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether a file is a meeting's paper or minutes' PDF (storage.access): when may_read_file answers."""
    return exists().where(MeetingDocument.file_id == file_id) | exists().where(
        MeetingMinutes.pdf_file_id == file_id
    )


def may_read_file(user: User, stored: StoredFile) -> bool | None:
    """A meeting's papers and its approved minutes' PDF (eoffice.storage.access): None for other files.

    The minutes' PDF holds no confidential item (minutes.document), so every invitee reads it.
    """
    papers = db.session.execute(_PAPERS_OF_FILE, {"file_id": stored.id, "user_id": user.id}).all()
    if any(_may_read_paper(user.id, paper) for paper in papers):
        return True
    minutes = db.session.scalars(
        select(MeetingMinutes.meeting_id).where(MeetingMinutes.pdf_file_id == stored.id)
    ).all()
    if not papers and not minutes:
        return None
    return any(may_view(user, db.session.get(Meeting, meeting_id)) for meeting_id in minutes)


def may_upload(user: User, meeting: Meeting, item: AgendaItem | None) -> bool:
    if not may_see_item(user, item):
        return False
    return may_manage(user, meeting) or (item is not None and item.presenter_id == user.id)


def may_write_minutes(user: User, meeting: Meeting) -> bool:
    """The secretary writes and submits the minutes; the chair does when no secretary was named."""
    secretary_id = meeting.secretary_id
    return user.id == (secretary_id if secretary_id is not None else meeting.chair_id)


def may_approve_minutes(user: User, meeting: Meeting) -> bool:
    """The chair approves the minutes, or returns them to the secretary."""
    return meeting.chair_id is not None and user.id == meeting.chair_id


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise forbidden(message)


class Permission(enum.StrEnum):
    ORGANISE = "meetings.organise"
    VIEW = "meetings.view"
    MANAGE = "meetings.manage"
    UPLOAD_DOCUMENT = "meetings.upload_document"
    ANSWER_POLL = "meetings.answer_poll"
    WRITE_MINUTES = "meetings.write_minutes"
    APPROVE_MINUTES = "meetings.approve_minutes"
    # The live room's (meetings.workflow.ROOM_ACTIONS): asked of a Seat, so that a join needs no query.
    TAKE_PART = "meetings.take_part"
    RUN_ROOM = "meetings.run_room"
    PRESENT = "meetings.present"
    VOTE = "meetings.vote"


SeatRule = Callable[[Seat, Meeting], bool]

# The rules of the live room, asked of a seat (a join reads the seat with its one statement); each is a
# permission of `_RULES` too, asked of a user.
_SEAT_RULES: dict[Permission, tuple[SeatRule, str]] = {
    Permission.VIEW: (lambda seat, meeting: _sits(seat), "not invited to this meeting"),
    Permission.TAKE_PART: (
        lambda seat, meeting: seat.role is not None,
        "only the meeting's participants (the organiser is not one)",
    ),
    Permission.RUN_ROOM: (lambda seat, meeting: _chairs(seat), "only the chair or the secretary"),
    Permission.PRESENT: (_presents, "only the chair, the secretary or the designated presenter"),
    Permission.VOTE: (lambda seat, meeting: _votes(seat), "only the chair and delegates vote"),
}


def seat_can(seat: Seat, permission: Permission, meeting: Meeting) -> bool:
    return _SEAT_RULES[permission][0](seat, meeting)


def authorize_seat(seat: Seat, permission: Permission, meeting: Meeting) -> None:
    require(seat_can(seat, permission, meeting), _SEAT_RULES[permission][1])


Rule = Callable[[User, Meeting | None, AgendaItem | None], bool]


def _of_seat(permission: Permission) -> tuple[Rule, str]:
    return (
        lambda user, meeting, item: seat_can(seat_of(user, meeting), permission, meeting),
        _SEAT_RULES[permission][1],
    )


# Each rule gets (user, meeting, agenda item): the meeting is None only for ORGANISE (no meeting yet),
# the item only for an upload to one item. The 403 says who may.
_RULES: dict[Permission, tuple[Rule, str]] = {
    Permission.ORGANISE: (
        lambda user, meeting, item: may_organise(user),
        "only clerks, leaders and administrators organise meetings",
    ),
    Permission.VIEW: (lambda user, meeting, item: may_view(user, meeting), "only invitees see this meeting"),
    Permission.MANAGE: (
        lambda user, meeting, item: may_manage(user, meeting),
        "only the organiser, the chair or the secretary",
    ),
    Permission.UPLOAD_DOCUMENT: (
        lambda user, meeting, item: may_view(user, meeting) and may_upload(user, meeting, item),
        "only the organiser, chair, secretary or the item's presenter",
    ),
    Permission.ANSWER_POLL: (
        lambda user, meeting, item: may_vote(user, meeting),
        "only the chair and delegates answer",
    ),
    Permission.WRITE_MINUTES: (
        lambda user, meeting, item: may_write_minutes(user, meeting),
        "only the secretary writes and submits the minutes",
    ),
    Permission.APPROVE_MINUTES: (
        lambda user, meeting, item: may_approve_minutes(user, meeting),
        "only the chair approves or returns the minutes",
    ),
    **{
        permission: _of_seat(permission)
        for permission in (Permission.TAKE_PART, Permission.RUN_ROOM, Permission.PRESENT, Permission.VOTE)
    },
}


def can(
    user: User | None, permission: Permission, meeting: Meeting | None, item: AgendaItem | None = None
) -> bool:
    return user is not None and _RULES[permission][0](user, meeting, item)


def authorize(
    user: User | None, permission: Permission, meeting: Meeting | None, item: AgendaItem | None = None
) -> None:
    require(can(user, permission, meeting, item), _RULES[permission][1])
