"""The list of speakers: a queue by position; at most one SPEAKING row, whose started_at drives the timer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid
from eoffice.db import utcnow
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from meetings import workflow
from meetings.models import Meeting, SpeakerRequest, SpeakerStatus
from meetings.room.common import iso
from meetings.workflow import RoomAction


def speakers_state(meeting_id: int) -> dict[str, Any]:
    rows = db.session.scalars(
        select(SpeakerRequest)
        .where(
            SpeakerRequest.meeting_id == meeting_id,
            SpeakerRequest.status.in_([SpeakerStatus.WAITING, SpeakerStatus.SPEAKING]),
        )
        .order_by(SpeakerRequest.position, SpeakerRequest.id)
    ).all()
    current = next((r for r in rows if r.status == SpeakerStatus.SPEAKING), None)
    return {
        "meeting_id": meeting_id,
        "queue": [
            {"user_id": r.user_id, "requested_at": iso(r.requested_at)}
            for r in rows
            if r.status == SpeakerStatus.WAITING
        ],
        "current": {"user_id": current.user_id, "started_at": iso(current.started_at)} if current else None,
    }


def _active_request(meeting_id: int, user_id: int) -> SpeakerRequest | None:
    return db.session.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting_id,
            SpeakerRequest.user_id == user_id,
            SpeakerRequest.status.in_([SpeakerStatus.WAITING, SpeakerStatus.SPEAKING]),
        )
    )


def request_floor(meeting: Meeting, user: User) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.SPEAK_REQUEST, user)
    if _active_request(meeting.id, user.id) is not None:
        raise ApiError(409, ErrorCode.ALREADY_REQUESTED, "you are already on the list of speakers")
    last = db.session.scalar(
        select(func.max(SpeakerRequest.position)).where(SpeakerRequest.meeting_id == meeting.id)
    )
    db.session.add(SpeakerRequest(meeting_id=meeting.id, user_id=user.id, position=(last or 0) + 1))
    db.session.flush()
    return speakers_state(meeting.id)


def withdraw_request(meeting: Meeting, user: User) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.SPEAK_WITHDRAW, user)
    request = _active_request(meeting.id, user.id)
    if request is None or request.status != SpeakerStatus.WAITING:
        raise ApiError(409, ErrorCode.NOT_WAITING, "you are not waiting on the list of speakers")
    request.status = SpeakerStatus.WITHDRAWN
    db.session.flush()
    return speakers_state(meeting.id)


def order_speakers(meeting: Meeting, actor: User, user_ids: list[int]) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.SPEAKERS_ORDER, actor)
    waiting = {
        r.user_id: r
        for r in db.session.scalars(
            select(SpeakerRequest).where(
                SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status == SpeakerStatus.WAITING
            )
        )
    }
    if sorted(user_ids) != sorted(waiting) or len(set(user_ids)) != len(user_ids):
        raise invalid("user_ids", "must list every waiting speaker exactly once")
    base = db.session.scalar(
        select(func.max(SpeakerRequest.position)).where(SpeakerRequest.meeting_id == meeting.id)
    )
    for offset, user_id in enumerate(user_ids, start=1):
        waiting[user_id].position = (base or 0) + offset
    db.session.flush()
    return speakers_state(meeting.id)


def end_speaking(meeting_id: int) -> None:
    db.session.execute(
        update(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status == SpeakerStatus.SPEAKING)
        .values(status=SpeakerStatus.DONE, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def give_floor(meeting: Meeting, actor: User, user_id: int) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.GIVE_FLOOR, actor)
    if meeting.participant(user_id) is None:
        raise invalid("user_id", f"user {user_id} is not a participant")
    end_speaking(meeting.id)
    request = _active_request(meeting.id, user_id)
    if request is None:
        request = SpeakerRequest(meeting_id=meeting.id, user_id=user_id, position=0)
        db.session.add(request)
    request.status = SpeakerStatus.SPEAKING
    request.started_at = utcnow()
    db.session.flush()
    return speakers_state(meeting.id)


def end_floor(meeting: Meeting, actor: User) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.END_FLOOR, actor)
    end_speaking(meeting.id)
    db.session.flush()
    return speakers_state(meeting.id)
