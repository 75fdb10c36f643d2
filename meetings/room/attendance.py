"""Check-in and quorum, and the `attendance` event that tells the room of check-ins.

Check-ins commit side by side and their events reach devices in any order (greenlets, processes through
Redis). So the event carries the entries that changed, not the whole list, and the counts with the room
version (MeetingRoomVersion) read in the same statement: a device merges every entry and takes counts
only from a newer version than it holds, and ends at the true count whatever the order of arrival.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from eoffice.accounts.models import User
from eoffice.api_base import invalid
from eoffice.db import utcnow
from eoffice.extensions import db
from meetings import policy, workflow
from meetings.models import VOTING_ROLES, AttendanceMode, Meeting, MeetingParticipant, MeetingRoomVersion
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
        meeting,
        [present_entry(p) for p in checked_in],
        sum(1 for p in checked_in if p.is_voting),
        voting_total(meeting.id),
    )


def voting_total(meeting_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.role.in_(VOTING_ROLES))
    )


def present_entry(participant: MeetingParticipant) -> dict[str, Any]:
    return {
        "user_id": participant.user_id,
        "role": participant.role,
        "mode": participant.attendance_mode,
        "checked_in_at": iso(participant.checked_in_at),
    }


def attendance_payload(
    meeting: Meeting,
    present: list[dict[str, Any]],
    voting_present: int,
    voting_total: int,
    version: int | None = None,
) -> dict[str, Any]:
    """The attendance of the join state (`present` in user id order, as a device keeps the entries it
    merges); `version`: the room version it is at least as new as."""
    return {
        "meeting_id": meeting.id,
        "version": version,
        "present": present,
        "voting_present": voting_present,
        "voting_total": voting_total,
        "quorum_percent": meeting.quorum_percent,
        "quorum_met": quorum_met(voting_present, voting_total, meeting.quorum_percent),
    }


def attendance_event(meeting_id: int, changed: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The `attendance` event for entries already committed: them, and the counts as of now.

    One statement, so one snapshot: the counts are exactly those of the version read with them, and
    every check-in committed before it is counted. None for a meeting gone since."""
    of_meeting = MeetingParticipant.meeting_id == Meeting.id
    voting = MeetingParticipant.role.in_(VOTING_ROLES)

    def count(*conditions):
        return select(func.count()).where(of_meeting, *conditions).scalar_subquery()

    row = db.session.execute(
        select(
            func.coalesce(MeetingRoomVersion.version, 0),
            count(voting, MeetingParticipant.checked_in_at.is_not(None)),
            count(voting),
            Meeting.quorum_percent,
        )
        .select_from(Meeting)
        .outerjoin(MeetingRoomVersion, MeetingRoomVersion.meeting_id == Meeting.id)
        .where(Meeting.id == meeting_id)
    ).one_or_none()
    if row is None:
        return None
    version, voting_present, total, percent = row
    return {
        "meeting_id": meeting_id,
        "version": version,
        "changed": sorted(changed, key=lambda entry: entry["user_id"]),
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
