"""The whole state of the room as one user sees it, sent on join (and so on every reconnect).

After a server restart a whole hall joins at once, so a join must cost the same however many
others have joined. One statement reads the meeting row, the joining user's place in it, the
open vote's count and the meeting's room version (MeetingRoomVersion). What every participant
shares (agenda, documents, attendance, speakers, the open vote, shared annotations, minutes) is
read once per version, kept by the process (RoomStates) and narrowed to what the user may see.
Database triggers raise the version with every change to those rows, in the change's own
transaction and whichever process makes it, so a kept part is never older than the version a join
has read. The meeting's own row (status, presentation, current item) is read by every join.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Integer, Row, and_, bindparam, exists, func, select
from sqlalchemy.orm import joinedload

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.db import keys_table, rows_by_key
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.gathering import coalesced
from meetings import policy, workflow
from meetings.minutes.queries import closed_votes, section_payload, status_payload
from meetings.models import (
    AgendaItem,
    Annotation,
    Meeting,
    MeetingDocument,
    MeetingMinutes,
    MeetingParticipant,
    MeetingRoomVersion,
    MinutesSection,
    ParticipantRole,
    Vote,
    VoteCast,
)
from meetings.room.annotations import annotation_payload
from meetings.room.attendance import attendance_payload, read_attendance
from meetings.room.common import iso, not_found
from meetings.room.presentation import presentation_state
from meetings.room.speakers import speakers_state
from meetings.room.votes import open_vote_of, vote_head, vote_payload

Audience = set[int] | None


def allowed_actions(meeting: Meeting, seat: policy.Seat) -> list[str]:
    return [str(action) for action in workflow.room_actions_for(seat, meeting)]


def allowed_actions_event(meeting: Meeting, user_id: int) -> dict[str, Any]:
    """The `allowed_actions` event: what one user may do in the room now, sent to their devices alone
    when a change of roles (the designated presenter, the participants' roles) changed it."""
    seat = policy.seat_in(meeting, user_id, meeting.participant(user_id))
    return {"meeting_id": meeting.id, "allowed_actions": allowed_actions(meeting, seat)}


def visible_items(meeting: Meeting, user: User) -> list[AgendaItem]:
    return [item for item in meeting.agenda_items if policy.may_see_item(user, item)]


def visible_documents(meeting: Meeting, user: User) -> list[MeetingDocument]:
    """The meeting's documents the user may read (policy.may_read_document), with their files and items."""
    return readable_documents(meeting, user) if policy.may_view(user, meeting) else []


def readable_documents(meeting: Meeting, user: User) -> list[MeetingDocument]:
    """visible_documents for a user known to view the meeting (policy.may_view): its documents whose
    agenda item he may see, read with their files and items together."""
    documents = db.session.scalars(
        select(MeetingDocument)
        .where(MeetingDocument.meeting_id == meeting.id)
        .options(joinedload(MeetingDocument.file), joinedload(MeetingDocument.agenda_item))
        .order_by(MeetingDocument.id)
    )
    return [d for d in documents if policy.may_see_item(user, d.agenda_item)]


@dataclass(frozen=True)
class SharedRoom:
    """The part of the join state that is the same for every participant: its attendance exactly as of
    `version` (read with it), the rest as of `version` or later.

    Shared by every join that uses it: nothing here is ever changed after it is built."""

    version: int
    chair_id: int | None
    secretary_id: int | None
    items: list[tuple[Audience, dict[str, Any]]]
    documents: list[tuple[Audience, dict[str, Any]]]
    present: list[dict[str, Any]]
    voting_present: int
    voting_total: int
    speakers: dict[str, Any]
    open_vote: dict[str, Any] | None
    shared_annotations: list[tuple[Audience, dict[str, Any]]]
    minutes: dict[str, Any] | None
    # Every section of the minutes by agenda item (None: the general part), written or not.
    sections: dict[int | None, dict[str, Any]]
    closed_votes: list[dict[str, Any]]


def read_shared_room(meeting_id: int) -> SharedRoom:
    """The shared part, labelled with the room version read with its attendance (one statement):
    what a join's attendance says is exactly that version's, so no later event of an older version
    takes a device's counts back. The other parts are read after it, as new or newer."""
    attendance = read_attendance(meeting_id)
    participants = attendance.participants
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    ).all()
    audiences = {item.id: policy.item_audience(item) for item in items}
    documents = [
        (
            audiences[d.agenda_item_id]
            if d.agenda_item_id in audiences
            else policy.item_audience(d.agenda_item),
            d,
        )
        for d in db.session.scalars(
            select(MeetingDocument)
            .where(MeetingDocument.meeting_id == meeting_id)
            .order_by(MeetingDocument.id)
        )
    ]
    # A shared annotation goes to those who may read its document, no further.
    document_audiences = {d.id: audience for audience, d in documents}
    vote = open_vote_of(meeting_id)
    annotations = db.session.scalars(
        select(Annotation)
        .where(Annotation.meeting_id == meeting_id, Annotation.is_shared)
        .order_by(Annotation.id)
    )
    minutes = db.session.get(MeetingMinutes, meeting_id)
    sections: dict[int | None, dict[str, Any]] = {}
    if minutes is not None:
        written = {
            section.agenda_item_id: section
            for section in db.session.scalars(
                select(MinutesSection).where(MinutesSection.meeting_id == meeting_id)
            )
        }
        sections = {key: section_payload(written.get(key), key) for key in [None, *audiences]}
    return SharedRoom(
        version=attendance.version,
        chair_id=next((p.user_id for p in participants if p.role == ParticipantRole.CHAIR), None),
        secretary_id=next((p.user_id for p in participants if p.role == ParticipantRole.SECRETARY), None),
        items=[(audiences[item.id], _item_payload(item)) for item in items],
        documents=[
            (
                audience,
                {"id": d.id, "name": d.name, "page_count": d.page_count, "agenda_item_id": d.agenda_item_id},
            )
            for audience, d in documents
        ],
        present=attendance.present,
        voting_present=attendance.voting_present,
        voting_total=attendance.voting_total,
        speakers=speakers_state(meeting_id),
        open_vote=vote_head(vote) if vote is not None else None,
        shared_annotations=[
            (document_audiences[row.document_id], annotation_payload(row)) for row in annotations
        ],
        minutes=status_payload(minutes) if minutes is not None else None,
        sections=sections,
        closed_votes=closed_votes(meeting_id) if minutes is not None else [],
    )


def _item_payload(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "title": item.title,
        "presenter_id": item.presenter_id,
        "starts_at": iso(item.starts_at),
        "ends_at": iso(item.ends_at),
        "is_confidential": item.is_confidential,
    }


class RoomStates:
    """The newest shared part of each meeting's room this process has read (a few dozen meetings)."""

    def __init__(self, size: int = 64):
        self._size = size
        self._kept: dict[int, SharedRoom] = {}
        self._reading: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def shared(self, meeting_id: int, version: int) -> SharedRoom:
        kept = self._kept.get(meeting_id)
        # A part read after the join's statement may be newer than its version: newer is as good.
        if kept is not None and kept.version >= version:
            return kept
        with self._guard:
            reading = self._reading.setdefault(meeting_id, threading.Lock())
        # A hall joining at once after a restart: one join reads, the others wait for what it read.
        with reading:
            kept = self._kept.get(meeting_id)
            if kept is not None and kept.version >= version:
                return kept
            kept = read_shared_room(meeting_id)
            with self._guard:
                self._kept.pop(meeting_id, None)
                self._kept[meeting_id] = kept
                while len(self._kept) > self._size:
                    oldest = next(iter(self._kept))
                    del self._kept[oldest]
                    self._reading.pop(oldest, None)
            return kept


class JoinedMeeting(NamedTuple):
    """The meeting's row as a join reads it: the columns the join state and the room's rules use."""

    id: int
    title: str
    status: str
    organiser_id: int
    designated_presenter_id: int | None
    current_agenda_item_id: int | None
    quorum_percent: int
    presentation_document_id: int | None
    presentation_page: int | None
    presentation_seq: int
    presentation_presenter_id: int | None


def _join_statement(batched: bool):
    """Built once: a join runs it with its meeting and user ids, no expression built per join. Batched
    (PostgreSQL), for many (meeting id, user id) at once given as two arrays, each row ending with its
    two ids."""
    if batched:
        wanted = keys_table(meeting_id=Integer, user_id=Integer)
        meeting_id, user_id = wanted.c.meeting_id, wanted.c.user_id
    else:
        meeting_id, user_id = bindparam("meeting_id", type_=Integer), bindparam("user_id", type_=Integer)
    open_vote_casts = (
        select(VoteCast.user_id)
        .join(Vote, Vote.id == VoteCast.vote_id)
        .where(Vote.meeting_id == meeting_id, Vote.is_open)
    )
    statement = select(
        *(getattr(Meeting, name) for name in JoinedMeeting._fields),
        User.is_active,
        MeetingParticipant.role,
        func.coalesce(MeetingRoomVersion.version, 0),
        select(Vote.id).where(Vote.meeting_id == meeting_id, Vote.is_open).limit(1).scalar_subquery(),
        open_vote_casts.with_only_columns(func.count()).scalar_subquery(),
        exists(open_vote_casts.where(VoteCast.user_id == user_id)),
        exists().where(
            Annotation.meeting_id == meeting_id, Annotation.author_id == user_id, ~Annotation.is_shared
        ),
    )
    if batched:
        statement = (
            statement.add_columns(meeting_id, user_id)
            .select_from(wanted)
            .join(Meeting, Meeting.id == meeting_id)
        )
    else:
        statement = statement.select_from(Meeting).where(Meeting.id == meeting_id)
    return (
        statement.outerjoin(User, User.id == user_id)
        .outerjoin(
            MeetingParticipant,
            and_(MeetingParticipant.meeting_id == Meeting.id, MeetingParticipant.user_id == user_id),
        )
        .outerjoin(MeetingRoomVersion, MeetingRoomVersion.meeting_id == Meeting.id)
    )


_JOIN_STATEMENT = _join_statement(batched=False)
_JOINS_STATEMENT = _join_statement(batched=True)
_MEETING_COLUMNS = len(JoinedMeeting._fields)
# The batched statement's rows end with their key: what join_state reads stops here.
_JOIN_COLUMNS = len(_JOIN_STATEMENT.selected_columns)
JoinKey = tuple[int, int | None]


def _read_joins(keys: Sequence[JoinKey]) -> dict[JoinKey, Row]:
    """The join statement's row for each (meeting id, user id) that has one."""
    return rows_by_key(_JOIN_STATEMENT, _JOINS_STATEMENT, ("meeting_id", "user_id"), keys)


def join_state(meeting_id: int, user_id: int | None, states: RoomStates) -> dict[str, Any]:
    """The room as this user sees it; refused (ApiError) for a missing meeting, user or invitation.

    The statement runs on an autocommit connection of its own as plain columns, for the joins made
    meanwhile together (a hall joining at once: a few statements, not a thousand): a join needs no
    transaction and no objects, and the rest (the shared part when its version moved, private
    annotations) is read through the session only when needed."""
    row = coalesced("join_reads", _read_joins).get((meeting_id, user_id))
    if row is None:
        raise not_found(f"meeting {meeting_id}")
    meeting = JoinedMeeting(*row[:_MEETING_COLUMNS])
    is_active, role, version, open_vote_id, votes_cast, has_voted, has_private_annotations = row[
        _MEETING_COLUMNS:_JOIN_COLUMNS
    ]
    if not is_active:
        raise ApiError(401, ErrorCode.UNAUTHORIZED, "account disabled or removed")
    seat = policy.Seat(user_id, role, meeting.organiser_id == user_id)
    policy.authorize_seat(seat, policy.Permission.VIEW, meeting)
    shared = states.shared(meeting.id, version)
    items = [payload for audience, payload in shared.items if policy.in_audience(user_id, audience)]
    annotations = [
        payload for audience, payload in shared.shared_annotations if policy.in_audience(user_id, audience)
    ]
    if has_private_annotations:
        annotations = sorted(
            [*annotations, *_private_annotations(meeting.id, user_id)], key=lambda a: a["id"]
        )
    minutes = None
    if shared.minutes is not None:
        minutes = {
            **shared.minutes,
            "sections": [shared.sections[None], *(shared.sections[item["id"]] for item in items)],
            "votes": shared.closed_votes,
        }
    return {
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "status": meeting.status,
            "chair_id": shared.chair_id,
            "secretary_id": shared.secretary_id,
            "designated_presenter_id": meeting.designated_presenter_id,
            "my_role": role or "organiser",
        },
        "presentation": presentation_state(meeting),
        "agenda": {"current_item_id": meeting.current_agenda_item_id, "items": items},
        "documents": [
            payload for audience, payload in shared.documents if policy.in_audience(user_id, audience)
        ],
        "attendance": attendance_payload(
            meeting.id,
            meeting.quorum_percent,
            shared.present,
            shared.voting_present,
            shared.voting_total,
            shared.version,
        ),
        "speakers": shared.speakers,
        "vote": _open_vote(shared.open_vote, open_vote_id, votes_cast, has_voted, user_id),
        "annotations": annotations,
        "minutes": minutes,
        # What this user may do now (meetings.workflow.ROOM_ACTIONS), from the row read above.
        "allowed_actions": allowed_actions(meeting, seat),
    }


def _open_vote(
    head: dict[str, Any] | None, open_vote_id: int | None, votes_cast: int, has_voted: bool, user_id: int
) -> dict[str, Any] | None:
    """The open vote of the shared part, with this user's count and whether they voted.

    The shared part may have been read after the join's statement (newer is as good); if a vote
    closed or opened in between, the statement's count belongs to another vote: count this one.
    """
    if head is None:
        return None
    if head["vote_id"] != open_vote_id:
        casts = select(VoteCast.user_id).where(VoteCast.vote_id == head["vote_id"])
        votes_cast = db.session.scalar(casts.with_only_columns(func.count()))
        has_voted = db.session.scalar(select(exists(casts.where(VoteCast.user_id == user_id))))
    return vote_payload(head, votes_cast, has_voted, None)


def _private_annotations(meeting_id: int, user_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Annotation).where(
            Annotation.meeting_id == meeting_id, Annotation.author_id == user_id, ~Annotation.is_shared
        )
    )
    return [annotation_payload(row) for row in rows]
