"""Check-in and quorum, and the `attendance` event that tells the room of check-ins.

Check-ins commit side by side and their events reach devices in any order (greenlets, processes through
Redis). So the event carries the entries that changed, not the whole list, and the counts with the room
version (MeetingRoomVersion) read in the same statement: a device merges every entry and takes counts
only from a newer version than it holds, and ends at the true count whatever the order of arrival.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import aliased

from eoffice.accounts.models import User
from eoffice.api_base import invalid
from eoffice.db import utcnow
from eoffice.extensions import db
from meetings import policy, workflow
from meetings.models import (
    VOTING_ROLES,
    AttendanceMode,
    Meeting,
    MeetingParticipant,
    MeetingRoomVersion,
    ParticipantRole,
)
from meetings.room.common import iso
from meetings.workflow import RoomAction


def attendance_state(meeting: Meeting) -> dict[str, Any]:
    # Who has checked in and one count, not every participant's row.
    checked_in = db.session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting.id, MeetingParticipant.checked_in_at.is_not(None))
        .order_by(MeetingParticipant.user_id)
    ).all()
    return attendance_payload(
        meeting.id,
        meeting.quorum_percent,
        [present_entry(p) for p in checked_in],
        sum(1 for p in checked_in if p.is_voting),
        voting_total(meeting.id),
    )


class AttendanceSnapshot(NamedTuple):
    """The attendance of a meeting as of one room version, read in one statement (read_attendance):
    `participants` are those checked in and the chair and secretary (checked in or not), by id."""

    meeting_id: int
    version: int
    voting_total: int
    participants: list[Row]

    @property
    def checked_in(self) -> list[Row]:
        return [p for p in self.participants if p.checked_in_at is not None]

    @property
    def present(self) -> list[dict[str, Any]]:
        return sorted((present_entry(p) for p in self.checked_in), key=lambda entry: entry["user_id"])

    @property
    def voting_present(self) -> int:
        return sum(1 for p in self.checked_in if p.role in VOTING_ROLES)


_OTHER = aliased(MeetingParticipant)


def read_attendance(meeting_id: int) -> AttendanceSnapshot:
    """The room version, the counts and the present list in one statement, so of one snapshot: the
    version labels exactly the list and counts read with it. Not the meeting's row: its changes do
    not raise the version (a caller has read it already)."""
    head = select(
        func.coalesce(
            select(MeetingRoomVersion.version)
            .where(MeetingRoomVersion.meeting_id == meeting_id)
            .scalar_subquery(),
            0,
        ).label("version"),
        select(func.count())
        .select_from(_OTHER)
        .where(_OTHER.meeting_id == meeting_id, _OTHER.role.in_(VOTING_ROLES))
        .scalar_subquery()
        .label("voting_total"),
    ).subquery()
    rows = db.session.execute(
        select(
            head.c.version,
            head.c.voting_total,
            MeetingParticipant.id,
            MeetingParticipant.user_id,
            MeetingParticipant.role,
            MeetingParticipant.attendance_mode,
            MeetingParticipant.checked_in_at,
        )
        .select_from(head)
        .outerjoin(
            MeetingParticipant,
            and_(
                MeetingParticipant.meeting_id == meeting_id,
                or_(
                    MeetingParticipant.checked_in_at.is_not(None),
                    MeetingParticipant.role.in_([ParticipantRole.CHAIR, ParticipantRole.SECRETARY]),
                ),
            ),
        )
        .order_by(MeetingParticipant.id)
    ).all()
    version, voting, *_ = rows[0]
    participants = [row for row in rows if row.id is not None]
    return AttendanceSnapshot(meeting_id, version, voting, participants)


def full_attendance(meeting: Meeting) -> dict[str, Any]:
    """The `attendance_full` answer: the whole attendance of one snapshot, as the join state's, for a
    device that found a gap in its list."""
    snapshot = read_attendance(meeting.id)
    return attendance_payload(
        meeting.id,
        meeting.quorum_percent,
        snapshot.present,
        snapshot.voting_present,
        snapshot.voting_total,
        snapshot.version,
    )


def voting_total(meeting_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.role.in_(VOTING_ROLES))
    )


def present_entry(participant: MeetingParticipant | Row) -> dict[str, Any]:
    return {
        "user_id": participant.user_id,
        "role": participant.role,
        "mode": participant.attendance_mode,
        "checked_in_at": iso(participant.checked_in_at),
    }


def attendance_payload(
    meeting_id: int,
    quorum_percent: int,
    present: list[dict[str, Any]],
    voting_present: int,
    voting_total: int,
    version: int | None = None,
) -> dict[str, Any]:
    """The whole attendance (`present` in user id order, as a device keeps the entries it merges, and
    `present_count`: how many they are); `version`: the room version it was read at."""
    return {
        "meeting_id": meeting_id,
        "version": version,
        "present": present,
        "present_count": len(present),
        "voting_present": voting_present,
        "voting_total": voting_total,
        "quorum_percent": quorum_percent,
        "quorum_met": quorum_met(voting_present, voting_total, quorum_percent),
    }


def attendance_event(meeting_id: int, changed: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The `attendance` event for entries already committed: them, and the counts as of now.

    One statement, so one snapshot: the counts (`present_count`: everyone checked in) are exactly those
    of the version read with them, and every check-in committed before it is counted. A device whose
    present list falls short of the count of the newest version it holds missed an event, and asks for
    the whole list (`attendance_full`). None for a meeting gone since."""
    of_meeting = MeetingParticipant.meeting_id == Meeting.id
    voting = MeetingParticipant.role.in_(VOTING_ROLES)

    def count(*conditions):
        return select(func.count()).where(of_meeting, *conditions).scalar_subquery()

    row = db.session.execute(
        select(
            func.coalesce(MeetingRoomVersion.version, 0),
            count(voting, MeetingParticipant.checked_in_at.is_not(None)),
            count(voting),
            count(MeetingParticipant.checked_in_at.is_not(None)),
            Meeting.quorum_percent,
        )
        .select_from(Meeting)
        .outerjoin(MeetingRoomVersion, MeetingRoomVersion.meeting_id == Meeting.id)
        .where(Meeting.id == meeting_id)
    ).one_or_none()
    if row is None:
        return None
    version, voting_present, total, present_count, percent = row
    return {
        "meeting_id": meeting_id,
        "version": version,
        "changed": sorted(changed, key=lambda entry: entry["user_id"]),
        "present_count": present_count,
        "voting_present": voting_present,
        "voting_total": total,
        "quorum_percent": percent,
        "quorum_met": quorum_met(voting_present, total, percent),
    }


def quorum_met(present: int, total: int, percent: int) -> bool:
    """More than `percent` % of the voting members are present (50: more than half)."""
    return total > 0 and present * 100 > total * percent


def check_in(meeting: Meeting, user: User, mode: str) -> dict[str, Any]:
    """Check the user in (again: only the mode changes): their entry of the present list."""
    participant = meeting.participant(user.id)
    workflow.check_room(meeting, RoomAction.CHECK_IN, user, policy.seat_in(meeting, user.id, participant))
    if mode not in (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE):
        raise invalid("mode", "must be in_person or online")
    participant.attendance_mode = mode
    if participant.checked_in_at is None:
        participant.checked_in_at = utcnow()
    db.session.flush()
    return present_entry(participant)
