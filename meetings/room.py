"""The live room's rules: presentation, agenda position, check-in, speakers, votes, annotations.

Every function reads and writes the database only (no process memory), so any server process
can answer any client and a restart loses nothing. They flush; the caller commits, then
broadcasts what they return.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.db import utcnow
from eoffice.extensions import db
from meetings import policy
from meetings.models import (
    VOTING_ROLES,
    AgendaItem,
    Annotation,
    AttendanceMode,
    Meeting,
    MeetingDocument,
    MeetingParticipant,
    MeetingStatus,
    ParticipantRole,
    SpeakerRequest,
    SpeakerStatus,
    Vote,
    VoteCast,
    VoteTally,
)

MAX_ANNOTATION_SIZE = 16 * 1024


def bad_input(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", f"{field}: {message}", {field: [message]})


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def load_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise not_found(f"meeting {meeting_id}")
    return meeting


def require_in_progress(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise ApiError(409, "invalid_state", f"the meeting is {meeting.status}, not in progress")


def require_participant(meeting: Meeting, user: User) -> MeetingParticipant | None:
    policy.require(policy.may_view(user, meeting), "not invited to this meeting")
    return meeting.participant(user.id)


# Presentation: the hot path. One UPDATE … RETURNING both authorises and moves every screen.


def present(meeting_id: int, user_id: int, document_id: int, page: int) -> dict[str, Any]:
    may_present = or_(
        Meeting.designated_presenter_id == user_id,
        exists().where(
            MeetingParticipant.meeting_id == meeting_id,
            MeetingParticipant.user_id == user_id,
            MeetingParticipant.role.in_([ParticipantRole.CHAIR, ParticipantRole.SECRETARY]),
        ),
    )
    showable = exists().where(
        MeetingDocument.id == document_id,
        MeetingDocument.meeting_id == meeting_id,
        func.coalesce(MeetingDocument.page_count, 1) >= page,
        or_(
            MeetingDocument.agenda_item_id.is_(None),
            ~exists().where(AgendaItem.id == MeetingDocument.agenda_item_id, AgendaItem.is_confidential),
        ),
    )
    seq = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.status == MeetingStatus.IN_PROGRESS, may_present, showable)
        .values(
            presentation_seq=Meeting.presentation_seq + 1,
            presentation_document_id=document_id,
            presentation_page=page,
            presentation_presenter_id=user_id,
        )
        .returning(Meeting.presentation_seq)
        .execution_options(synchronize_session=False)
    ).scalar()
    if seq is None:
        _explain_refused_presentation(meeting_id, user_id, document_id, page)
    return {
        "meeting_id": meeting_id,
        "document_id": document_id,
        "page": page,
        "seq": seq,
        "presenter_id": user_id,
    }


def _explain_refused_presentation(meeting_id: int, user_id: int, document_id: int, page: int) -> None:
    """Only reached when the UPDATE matched nothing: say why, always raising."""
    meeting = load_meeting(meeting_id)
    user = db.session.get(User, user_id)
    policy.require(user is not None and policy.may_view(user, meeting), "not invited to this meeting")
    require_in_progress(meeting)
    policy.require(
        policy.may_present(user, meeting), "only the chair, the secretary or the designated presenter"
    )
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting_id:
        raise not_found(f"document {document_id} of meeting {meeting_id}")
    if document.agenda_item is not None and document.agenda_item.is_confidential:
        raise policy.forbidden("documents of a confidential item are not shown to the room")
    raise bad_input("page", f"the document has {document.page_count or 1} page(s)")


def presentation_state(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id,
        "document_id": meeting.presentation_document_id,
        "page": meeting.presentation_page,
        "seq": meeting.presentation_seq,
        "presenter_id": meeting.presentation_presenter_id,
    }


def designate_presenter(meeting: Meeting, actor: User, user_id: int | None) -> dict[str, Any]:
    policy.require(
        policy.may_chair(actor, meeting), "only the chair or the secretary designates the presenter"
    )
    if user_id is not None and meeting.participant(user_id) is None:
        raise bad_input("user_id", f"user {user_id} is not a participant")
    meeting.designated_presenter_id = user_id
    db.session.flush()
    return {"meeting_id": meeting.id, "user_id": user_id}


def go_to_agenda_item(meeting: Meeting, actor: User, item_id: int) -> dict[str, Any]:
    policy.require(policy.may_chair(actor, meeting), "only the chair or the secretary moves the agenda")
    require_in_progress(meeting)
    if not any(item.id == item_id for item in meeting.agenda_items):
        raise not_found(f"agenda item {item_id} of meeting {meeting.id}")
    meeting.current_agenda_item_id = item_id
    db.session.flush()
    return {"meeting_id": meeting.id, "agenda_item_id": item_id}


# Attendance and quorum


def attendance_state(meeting: Meeting) -> dict[str, Any]:
    # Who has checked in and one count, not every participant's row: this runs on every join.
    checked_in = db.session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting.id, MeetingParticipant.checked_in_at.is_not(None))
        .order_by(MeetingParticipant.id)
    ).all()
    voting_total = db.session.scalar(
        select(func.count())
        .select_from(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting.id, MeetingParticipant.role.in_(VOTING_ROLES))
    )
    present = sum(1 for p in checked_in if p.is_voting)
    return {
        "meeting_id": meeting.id,
        "present": [
            {
                "user_id": p.user_id,
                "role": p.role,
                "mode": p.attendance_mode,
                "checked_in_at": _iso(p.checked_in_at),
            }
            for p in checked_in
        ],
        "voting_present": present,
        "voting_total": voting_total,
        "quorum_percent": meeting.quorum_percent,
        "quorum_met": quorum_met(present, voting_total, meeting.quorum_percent),
    }


def quorum_met(present: int, total: int, percent: int) -> bool:
    """More than `percent` % of the voting members are present (50: more than half)."""
    return total > 0 and present * 100 > total * percent


def check_in(meeting: Meeting, user: User, mode: str) -> dict[str, Any]:
    participant = require_participant(meeting, user)
    if participant is None:
        raise policy.forbidden("the organiser is not a participant and does not check in")
    if meeting.status not in (MeetingStatus.INVITED, MeetingStatus.IN_PROGRESS):
        raise ApiError(409, "invalid_state", f"no check-in for a {meeting.status} meeting")
    if mode not in (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE):
        raise bad_input("mode", "must be in_person or online")
    participant.attendance_mode = mode
    if participant.checked_in_at is None:
        participant.checked_in_at = utcnow()
    db.session.flush()
    return attendance_state(meeting)


# Speakers: a queue ordered by position; at most one SPEAKING row, whose started_at drives the timer.


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
            {"user_id": r.user_id, "requested_at": _iso(r.requested_at)}
            for r in rows
            if r.status == SpeakerStatus.WAITING
        ],
        "current": {"user_id": current.user_id, "started_at": _iso(current.started_at)} if current else None,
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
    require_in_progress(meeting)
    policy.require(require_participant(meeting, user) is not None, "only participants ask for the floor")
    if _active_request(meeting.id, user.id) is not None:
        raise ApiError(409, "already_requested", "you are already on the list of speakers")
    last = db.session.scalar(
        select(func.max(SpeakerRequest.position)).where(SpeakerRequest.meeting_id == meeting.id)
    )
    db.session.add(SpeakerRequest(meeting_id=meeting.id, user_id=user.id, position=(last or 0) + 1))
    db.session.flush()
    return speakers_state(meeting.id)


def withdraw_request(meeting: Meeting, user: User) -> dict[str, Any]:
    require_participant(meeting, user)
    request = _active_request(meeting.id, user.id)
    if request is None or request.status != SpeakerStatus.WAITING:
        raise ApiError(409, "not_waiting", "you are not waiting on the list of speakers")
    request.status = SpeakerStatus.WITHDRAWN
    db.session.flush()
    return speakers_state(meeting.id)


def order_speakers(meeting: Meeting, actor: User, user_ids: list[int]) -> dict[str, Any]:
    policy.require(policy.may_chair(actor, meeting), "only the chair or the secretary orders the speakers")
    waiting = {
        r.user_id: r
        for r in db.session.scalars(
            select(SpeakerRequest).where(
                SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status == SpeakerStatus.WAITING
            )
        )
    }
    if sorted(user_ids) != sorted(waiting) or len(set(user_ids)) != len(user_ids):
        raise bad_input("user_ids", "must list every waiting speaker exactly once")
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
    policy.require(policy.may_chair(actor, meeting), "only the chair or the secretary gives the floor")
    require_in_progress(meeting)
    if meeting.participant(user_id) is None:
        raise bad_input("user_id", f"user {user_id} is not a participant")
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
    policy.require(policy.may_chair(actor, meeting), "only the chair or the secretary ends a speech")
    end_speaking(meeting.id)
    db.session.flush()
    return speakers_state(meeting.id)


# Votes. A secret vote keeps a "has voted" row without the choice and a per-option counter: no row
# ties a choice to a person, nor even a time that could be matched.


def open_vote_of(meeting_id: int) -> Vote | None:
    return db.session.scalar(select(Vote).where(Vote.meeting_id == meeting_id, Vote.is_open))


def _votes_cast(vote_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote_id))


def vote_state(vote: Vote | None, user: User | None = None) -> dict[str, Any] | None:
    if vote is None:
        return None
    state = {
        "meeting_id": vote.meeting_id,
        "vote_id": vote.id,
        "question": vote.question,
        "options": vote.options,
        "is_secret": vote.is_secret,
        "is_open": vote.is_open,
        "votes_cast": _votes_cast(vote.id),
    }
    if user is not None:
        state["has_voted"] = (
            db.session.scalar(
                select(VoteCast.user_id).where(VoteCast.vote_id == vote.id, VoteCast.user_id == user.id)
            )
            is not None
        )
    if vote.result is not None:
        state["result"] = vote.result
    return state


def open_vote(meeting: Meeting, actor: User, question: str, options: list[str], is_secret: bool) -> dict:
    policy.require(policy.may_chair(actor, meeting), "only the chair or the secretary opens a vote")
    require_in_progress(meeting)
    if open_vote_of(meeting.id) is not None:
        raise ApiError(409, "vote_open", "another vote is still open; close it first")
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
    participant = require_participant(meeting, user)
    policy.require(participant is not None and participant.is_voting, "only the chair and delegates vote")
    if participant.checked_in_at is None:
        raise ApiError(409, "not_checked_in", "check in before voting")
    vote = _locked_vote(meeting, vote_id)
    if not vote.is_open:
        raise ApiError(409, "vote_closed", "this vote is closed")
    if option not in vote.options:
        raise bad_input("option", f"must be one of: {', '.join(vote.options)}")
    try:
        with db.session.begin_nested():
            db.session.add(
                VoteCast(vote_id=vote.id, user_id=user.id, option=None if vote.is_secret else option)
            )
    except IntegrityError:
        raise ApiError(409, "already_voted", "you have already voted") from None
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
    return vote_state(vote)


def close_vote(meeting: Meeting, actor: User, vote_id: int) -> dict[str, Any]:
    policy.require(policy.may_chair(actor, meeting), "only the chair or the secretary closes a vote")
    vote = _locked_vote(meeting, vote_id)
    if not vote.is_open:
        raise ApiError(409, "vote_closed", "this vote is already closed")
    return _close_vote(meeting, vote)


def close_open_votes(meeting: Meeting) -> None:
    vote = open_vote_of(meeting.id)
    if vote is not None:
        _close_vote(meeting, vote)


# Annotations: private ones for their author only; shared ones from whoever may present.


def annotation_payload(row: Annotation) -> dict[str, Any]:
    return {
        "meeting_id": row.meeting_id,
        "id": row.id,
        "document_id": row.document_id,
        "page": row.page,
        "author_id": row.author_id,
        "shared": row.is_shared,
        "data": row.data,
        "created_at": _iso(row.created_at),
    }


def annotate(
    meeting: Meeting, user: User, document_id: int, page: int, data: dict[str, Any], shared: bool
) -> dict[str, Any]:
    require_participant(meeting, user)
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting.id:
        raise not_found(f"document {document_id} of meeting {meeting.id}")
    policy.require(policy.may_read_document(user, meeting, document), "not allowed to read this document")
    if page > (document.page_count or 1):
        raise bad_input("page", f"the document has {document.page_count or 1} page(s)")
    if shared:
        policy.require(policy.may_present(user, meeting), "only the presenter shares annotations")
    if len(json.dumps(data)) > MAX_ANNOTATION_SIZE:
        raise bad_input("data", f"larger than {MAX_ANNOTATION_SIZE} bytes")
    row = Annotation(
        meeting_id=meeting.id,
        document_id=document_id,
        page=page,
        author_id=user.id,
        is_shared=shared,
        data=data,
    )
    db.session.add(row)
    db.session.flush()
    return annotation_payload(row)


def visible_annotations(meeting: Meeting, user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Annotation)
        .where(
            Annotation.meeting_id == meeting.id, or_(Annotation.is_shared, Annotation.author_id == user.id)
        )
        .order_by(Annotation.id)
    )
    return [annotation_payload(row) for row in rows]


# The whole state, sent on join (and so on every reconnect).


def visible_items(meeting: Meeting, user: User) -> list[AgendaItem]:
    return [item for item in meeting.agenda_items if policy.may_see_item(user, item)]


def visible_documents(meeting: Meeting, user: User) -> list[MeetingDocument]:
    documents = db.session.scalars(
        select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id).order_by(MeetingDocument.id)
    )
    return [d for d in documents if policy.may_read_document(user, meeting, d)]


def room_state(meeting: Meeting, user: User) -> dict[str, Any]:
    return {
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "status": meeting.status,
            "chair_id": meeting.chair_id,
            "secretary_id": meeting.secretary_id,
            "designated_presenter_id": meeting.designated_presenter_id,
            "my_role": meeting.participant(user.id).role if meeting.participant(user.id) else "organiser",
        },
        "presentation": presentation_state(meeting),
        "agenda": {
            "current_item_id": meeting.current_agenda_item_id,
            "items": [
                {
                    "id": item.id,
                    "position": item.position,
                    "title": item.title,
                    "presenter_id": item.presenter_id,
                    "starts_at": _iso(item.starts_at),
                    "ends_at": _iso(item.ends_at),
                    "is_confidential": item.is_confidential,
                }
                for item in visible_items(meeting, user)
            ],
        },
        "documents": [
            {"id": d.id, "name": d.name, "page_count": d.page_count, "agenda_item_id": d.agenda_item_id}
            for d in visible_documents(meeting, user)
        ],
        "attendance": attendance_state(meeting),
        "speakers": speakers_state(meeting.id),
        "vote": vote_state(open_vote_of(meeting.id), user),
        "annotations": visible_annotations(meeting, user),
    }
