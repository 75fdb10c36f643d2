"""Check-in and quorum."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from eoffice.accounts.models import User
from eoffice.api_base import invalid
from eoffice.db import utcnow
from eoffice.extensions import db
from meetings import policy, workflow
from meetings.models import VOTING_ROLES, AttendanceMode, Meeting, MeetingParticipant
from meetings.room.common import iso
from meetings.workflow import RoomAction


def attendance_state(meeting: Meeting) -> dict[str, Any]:
    # Who has checked in and one count, not every participant's row.
    checked_in = db.session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting.id, MeetingParticipant.checked_in_at.is_not(None))
        .order_by(MeetingParticipant.id)
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
    meeting: Meeting, present: list[dict[str, Any]], voting_present: int, voting_total: int
) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id,
        "present": present,
        "voting_present": voting_present,
        "voting_total": voting_total,
        "quorum_percent": meeting.quorum_percent,
        "quorum_met": quorum_met(voting_present, voting_total, meeting.quorum_percent),
    }


def quorum_met(present: int, total: int, percent: int) -> bool:
    """More than `percent` % of the voting members are present (50: more than half)."""
    return total > 0 and present * 100 > total * percent


def check_in(meeting: Meeting, user: User, mode: str) -> dict[str, Any]:
    participant = meeting.participant(user.id)
    workflow.check_room(meeting, RoomAction.CHECK_IN, user, policy.seat_in(meeting, user.id, participant))
    if mode not in (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE):
        raise invalid("mode", "must be in_person or online")
    participant.attendance_mode = mode
    if participant.checked_in_at is None:
        participant.checked_in_at = utcnow()
    db.session.flush()
    return attendance_state(meeting)
