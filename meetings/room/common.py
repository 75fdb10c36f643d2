"""What every rule of the live room shares: loading the meeting, the participant check, the 404."""

from __future__ import annotations

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from meetings import policy
from meetings.models import Meeting, MeetingParticipant


def not_found(what: str) -> ApiError:
    return ApiError(404, ErrorCode.NOT_FOUND, f"{what} not found")


def iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def load_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise not_found(f"meeting {meeting_id}")
    return meeting


def require_participant(meeting: Meeting, user: User) -> MeetingParticipant | None:
    policy.require(policy.may_view(user, meeting), "not invited to this meeting")
    return meeting.participant(user.id)
