"""The minutes over REST: read them, submit, return or approve them, download the approved PDF.

A step of the status is also broadcast to the live room (`minutes_status`) once committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eoffice.api_base import ApiError, Blueprint
from eoffice.auth.session import caller_required, current_caller, current_user, login_required
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.storage.api import send_stored_file
from eoffice.storage.operations import commit_or_discard
from meetings import broadcasts, policy, room
from meetings.minutes import operations
from meetings.minutes.document import minutes_record
from meetings.minutes.schemas import (
    MinutesApproveSchema,
    MinutesReturnSchema,
    MinutesSchema,
    MinutesStatusSchema,
)
from meetings.models import Meeting, MeetingMinutes

blp = Blueprint("meeting_minutes", __name__, url_prefix="/api/v1/meetings", description="Minutes of meetings")


def _viewable(meeting_id: int) -> Meeting:
    meeting = room.load_meeting(meeting_id)
    policy.require(policy.may_view(current_caller(), meeting), "only invitees read the minutes")
    return meeting


def _announce(step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Take the step and commit (an approval's PDF is deleted from the store if that fails), then tell the
    room (a device in it learns the new status without asking)."""
    with commit_or_discard():
        status = step()
    broadcasts.announce_minutes_status(status)
    return status


@blp.get("/<int:meeting_id>/minutes")
@blp.response(200, MinutesSchema)
@blp.doc(
    description="404 until the meeting has started. Sections of confidential items only for their people."
)
@login_required
def get_minutes(meeting_id):
    record = minutes_record(_viewable(meeting_id), current_user())
    if record is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "the meeting has not started: it has no minutes yet")
    return record


@blp.post("/<int:meeting_id>/minutes/submit")
@blp.response(200, MinutesStatusSchema)
@login_required
def submit_minutes(meeting_id):
    return _announce(lambda: operations.submit(room.load_meeting(meeting_id), current_user()))


@blp.post("/<int:meeting_id>/minutes/return")
@blp.arguments(MinutesReturnSchema)
@blp.response(200, MinutesStatusSchema)
@login_required
def return_minutes(body, meeting_id):
    meeting = room.load_meeting(meeting_id)
    return _announce(lambda: operations.return_to_secretary(meeting, current_user(), body["comment"].strip()))


@blp.post("/<int:meeting_id>/minutes/approve")
@blp.arguments(MinutesApproveSchema)
@blp.response(200, MinutesStatusSchema)
@blp.doc(
    description="Signs the minutes' PDF as the chair, then as the agency. An optional JSON body "
    '`{"pin": ...}` unlocks the chair\'s key (a token PIN, or the password of a key kept under it).'
)
@login_required
def approve_minutes(body, meeting_id):
    return _announce(
        lambda: operations.approve(room.load_meeting(meeting_id), current_user(), body.get("pin"))
    )


@blp.get("/<int:meeting_id>/minutes/pdf")
@blp.doc(responses={"200": {"description": "The approved minutes (PDF)"}, "206": {"description": "A range"}})
@caller_required
def download_minutes(meeting_id):
    minutes = db.session.get(MeetingMinutes, _viewable(meeting_id).id)
    if minutes is None or minutes.pdf_file is None:
        status = minutes.status if minutes else "not started"
        raise ApiError(404, ErrorCode.NOT_FOUND, f"the minutes are {status}: no approved PDF yet")
    return send_stored_file(minutes.pdf_file, immutable=False)
