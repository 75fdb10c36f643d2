"""Votes on motions, open or secret, with a live count and a result against quorum.

A secret vote keeps a "has voted" row without the choice and a per-option counter: no row ties a
choice to a person, nor even a time that could be matched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid
from eoffice.db import utcnow
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from meetings import policy, workflow
from meetings.models import Meeting, Vote, VoteCast, VoteTally
from meetings.room.attendance import attendance_state
from meetings.room.common import iso, not_found
from meetings.workflow import RoomAction


def open_vote_of(meeting_id: int) -> Vote | None:
    return db.session.scalar(select(Vote).where(Vote.meeting_id == meeting_id, Vote.is_open))


def _votes_cast(vote_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote_id))


def vote_state(vote: Vote | None, user: User | None = None) -> dict[str, Any] | None:
    if vote is None:
        return None
    has_voted = None
    if user is not None:
        has_voted = (
            db.session.scalar(
                select(VoteCast.user_id).where(VoteCast.vote_id == vote.id, VoteCast.user_id == user.id)
            )
            is not None
        )
    return vote_payload(vote_head(vote), _votes_cast(vote.id), has_voted, vote.result)


def vote_head(vote: Vote) -> dict[str, Any]:
    """What a vote's state says before its count: the same for everyone while it is open."""
    return {
        "meeting_id": vote.meeting_id,
        "vote_id": vote.id,
        "question": vote.question,
        "options": vote.options,
        "is_secret": vote.is_secret,
        "is_open": vote.is_open,
    }


def vote_payload(
    head: dict[str, Any], votes_cast: int, has_voted: bool | None, result: dict[str, Any] | None
) -> dict[str, Any]:
    """has_voted only for a state sent to one user (None leaves it out)."""
    state = {**head, "votes_cast": votes_cast}
    if has_voted is not None:
        state["has_voted"] = has_voted
    if result is not None:
        state["result"] = result
    return state


def open_vote(meeting: Meeting, actor: User, question: str, options: list[str], is_secret: bool) -> dict:
    workflow.check_room(meeting, RoomAction.VOTE_OPEN, actor)
    if open_vote_of(meeting.id) is not None:
        raise ApiError(409, ErrorCode.VOTE_OPEN, "another vote is still open; close it first")
    vote = Vote(
        meeting_id=meeting.id, question=question, options=options, is_secret=is_secret, opened_by_id=actor.id
    )
    db.session.add(vote)
    db.session.flush()
    db.session.add_all(VoteTally(vote_id=vote.id, option=option, count=0) for option in options)
    db.session.flush()
    return vote_state(vote)


def _locked_vote(meeting: Meeting, vote_id: int) -> Vote:
    vote = db.session.scalar(
        select(Vote).where(Vote.id == vote_id, Vote.meeting_id == meeting.id).with_for_update()
    )
    if vote is None:
        raise not_found(f"vote {vote_id} of meeting {meeting.id}")
    return vote


def cast_vote(meeting: Meeting, user: User, vote_id: int, option: str) -> dict[str, Any]:
    participant = meeting.participant(user.id)
    workflow.check_room(meeting, RoomAction.VOTE_CAST, user, policy.seat_in(meeting, user.id, participant))
    if participant.checked_in_at is None:
        raise ApiError(409, ErrorCode.NOT_CHECKED_IN, "check in before voting")
    vote = _locked_vote(meeting, vote_id)
    if not vote.is_open:
        raise ApiError(409, ErrorCode.VOTE_CLOSED, "this vote is closed")
    if option not in vote.options:
        raise invalid("option", f"must be one of: {', '.join(vote.options)}")
    try:
        with db.session.begin_nested():
            db.session.add(
                VoteCast(vote_id=vote.id, user_id=user.id, option=None if vote.is_secret else option)
            )
    except IntegrityError:
        raise ApiError(409, ErrorCode.ALREADY_VOTED, "you have already voted") from None
    db.session.execute(
        update(VoteTally)
        .where(VoteTally.vote_id == vote.id, VoteTally.option == option)
        .values(count=VoteTally.count + 1)
        .execution_options(synchronize_session=False)
    )
    return {"meeting_id": meeting.id, "vote_id": vote.id, "votes_cast": _votes_cast(vote.id)}


def _close_vote(meeting: Meeting, vote: Vote) -> dict[str, Any]:
    counts = dict(
        db.session.execute(
            select(VoteTally.option, VoteTally.count).where(VoteTally.vote_id == vote.id)
        ).all()
    )
    attendance = attendance_state(meeting)
    eligible = attendance["voting_total"]
    in_favour = counts.get(vote.options[0], 0)
    vote.is_open = False
    vote.closed_at = utcnow()
    vote.result = {
        "counts": {option: counts.get(option, 0) for option in vote.options},
        "votes_cast": _votes_cast(vote.id),
        "present": attendance["voting_present"],
        "eligible": eligible,
        "quorum_met": attendance["quorum_met"],
        # The first option carries the motion: more than half of all voting members, with quorum.
        "passed": attendance["quorum_met"] and in_favour * 2 > eligible,
    }
    db.session.flush()
    # With closed_at, a device adds the result to the minutes' votes just as a fresh join lists it.
    return {**vote_state(vote), "closed_at": iso(vote.closed_at)}


def close_vote(meeting: Meeting, actor: User, vote_id: int) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.VOTE_CLOSE, actor)
    vote = _locked_vote(meeting, vote_id)
    if not vote.is_open:
        raise ApiError(409, ErrorCode.VOTE_CLOSED, "this vote is already closed")
    return _close_vote(meeting, vote)


def close_open_votes(meeting: Meeting) -> None:
    vote = open_vote_of(meeting.id)
    if vote is not None:
        _close_vote(meeting, vote)
