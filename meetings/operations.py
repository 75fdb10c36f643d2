"""Changing meetings: create, edit, invite, start, close, cancel; agenda, documents, opinion polls.

Each operation takes its actor and asks the state machine (meetings.workflow) first; each step of the
meeting is written to the audit log in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any, BinaryIO

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid
from eoffice.audit.operations import record_event
from eoffice.db import utcnow
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.linearize import linearized
from eoffice.runtime import settings
from eoffice.storage.operations import store_file
from eoffice.untrusted import Failure, pdf_page_count
from meetings import notifications, policy, workflow
from meetings.models import (
    AgendaItem,
    AgendaItemAccess,
    Meeting,
    MeetingDocument,
    MeetingMinutes,
    MeetingParticipant,
    MeetingStatus,
    MinutesStatus,
    OfflineDownload,
    OpinionAnswer,
    OpinionPoll,
    ParticipantRole,
)
from meetings.workflow import Action


def _enter(meeting: Meeting, action: Action, actor: User) -> str:
    """Check the step and move the meeting to its target; returns the state left."""
    transition = workflow.check(meeting, action, actor)
    previous = meeting.status
    if transition.target is not None:
        meeting.status = transition.target
    return previous


def _audit(meeting: Meeting, action: Action, actor: User, previous: str | None, **details: Any) -> None:
    record_event(
        f"meeting.{action}",
        actor=actor,
        agency_id=meeting.agency_id,
        target_type="meeting",
        target_id=meeting.id,
        details={"from": previous, "to": meeting.status, **details},
    )


def _active_user(user_id: int, field: str) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise invalid(field, f"no active user {user_id}")
    return user


def _wanted_roles(data: dict[str, Any]) -> dict[int, str]:
    """user_id -> role from chair_id, secretary_id and participants, refusing duplicates."""
    roles: dict[int, str] = {}
    _active_user(data["chair_id"], "chair_id")
    roles[data["chair_id"]] = ParticipantRole.CHAIR
    if data.get("secretary_id") is not None:
        _active_user(data["secretary_id"], "secretary_id")
        if data["secretary_id"] in roles:
            raise invalid("secretary_id", "the secretary cannot also be the chair")
        roles[data["secretary_id"]] = ParticipantRole.SECRETARY
    for index, entry in enumerate(data.get("participants") or []):
        field = f"participants[{index}].user_id"
        _active_user(entry["user_id"], field)
        if entry["user_id"] in roles:
            raise invalid(field, f"user {entry['user_id']} is listed twice (or is the chair or secretary)")
        roles[entry["user_id"]] = entry["role"]
    return roles


def _apply_roles(meeting: Meeting, roles: dict[int, str]) -> tuple[list[User], list[User]]:
    """Make the participants match; returns (added users, removed users)."""
    added, removed = [], []
    for participant in list(meeting.participants):
        if participant.user_id not in roles:
            removed.append(participant.user)
            meeting.participants.remove(participant)
            if meeting.designated_presenter_id == participant.user_id:
                meeting.designated_presenter_id = None
        else:
            participant.role = roles[participant.user_id]
    present = {p.user_id for p in meeting.participants}
    for user_id, role in roles.items():
        if user_id not in present:
            user = db.session.get(User, user_id)
            meeting.participants.append(MeetingParticipant(user_id=user_id, role=role, user=user))
            added.append(user)
    return added, removed


def create_meeting(organiser: User, data: dict[str, Any]) -> Meeting:
    transition = workflow.check(None, Action.CREATE, organiser)
    roles = _wanted_roles(data)
    meeting = Meeting(
        agency_id=organiser.agency_id,
        title=data["title"].strip(),
        location=data.get("location") or "",
        online_link=data.get("online_link"),
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        quorum_percent=data.get("quorum_percent", 50),
        offline_download=data.get("offline_download", OfflineDownload.MANUAL),
        organiser_id=organiser.id,
        status=transition.target,
        calendar_uid=f"meeting-{uuid.uuid4().hex}@eoffice",
        calendar_sequence=0,
        presentation_seq=0,
    )
    _apply_roles(meeting, roles)
    db.session.add(meeting)
    db.session.flush()
    _audit(meeting, Action.CREATE, organiser, None)
    return meeting


def update_meeting(meeting: Meeting, data: dict[str, Any], actor: User) -> Meeting:
    previous = _enter(meeting, Action.EDIT, actor)
    # A form sent back whole repeats the chair and secretary: only a different one is a change.
    if any(name in data and data[name] != getattr(meeting, name) for name in ("chair_id", "secretary_id")):
        policy.check_chair_and_secretary_change(actor, meeting)
    starts = data.get("starts_at", meeting.starts_at)
    ends = data.get("ends_at", meeting.ends_at)
    if ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    added: list[User] = []
    removed: list[User] = []
    if {"chair_id", "secretary_id", "participants"} & data.keys():
        current = {
            "chair_id": meeting.chair_id,
            "secretary_id": meeting.secretary_id,
            "participants": [
                {"user_id": p.user_id, "role": p.role}
                for p in meeting.participants
                if p.role in (ParticipantRole.DELEGATE, ParticipantRole.GUEST)
            ],
        }
        added, removed = _apply_roles(meeting, _wanted_roles({**current, **data}))
    for name in (
        "title",
        "location",
        "online_link",
        "quorum_percent",
        "starts_at",
        "ends_at",
        "offline_download",
    ):
        if name in data:
            setattr(meeting, name, data[name].strip() if name == "title" else data[name])
    if meeting.status != MeetingStatus.DRAFT:
        # Everyone's calendar gets the new version; newcomers an invitation, the removed a cancellation.
        meeting.calendar_sequence += 1
        db.session.flush()
        newcomers = {u.id for u in added}
        staying = [p.user for p in meeting.participants if p.user_id not in newcomers]
        notifications.tell_participants(meeting, "meeting.changed", staying)
        notifications.tell_participants(meeting, "meeting.invitation", added)
        notifications.tell_participants(meeting, "meeting.cancelled", removed, cancelled=True)
    db.session.flush()
    _audit(meeting, Action.EDIT, actor, previous, fields=sorted(data))
    return meeting


def invite(meeting: Meeting, actor: User) -> Meeting:
    previous = _enter(meeting, Action.INVITE, actor)
    db.session.flush()
    notifications.tell_participants(meeting, "meeting.invitation", [p.user for p in meeting.participants])
    _audit(meeting, Action.INVITE, actor, previous)
    return meeting


def cancel(meeting: Meeting, actor: User) -> Meeting:
    previous = _enter(meeting, Action.CANCEL, actor)
    if previous == MeetingStatus.INVITED:
        meeting.calendar_sequence += 1
        db.session.flush()
        notifications.tell_participants(
            meeting, "meeting.cancelled", [p.user for p in meeting.participants], cancelled=True
        )
    db.session.flush()
    _audit(meeting, Action.CANCEL, actor, previous)
    return meeting


def start(meeting: Meeting, actor: User) -> Meeting:
    previous = _enter(meeting, Action.START, actor)
    meeting.started_at = utcnow()
    if meeting.current_agenda_item_id is None and meeting.agenda_items:
        meeting.current_agenda_item_id = meeting.agenda_items[0].id
    # The secretary writes the minutes from the first minute on.
    db.session.add(MeetingMinutes(meeting_id=meeting.id, status=MinutesStatus.DRAFT, seq=0))
    db.session.flush()
    _audit(meeting, Action.START, actor, previous)
    return meeting


def close(meeting: Meeting, actor: User) -> Meeting:
    from meetings.room import close_open_votes, end_speaking

    previous = _enter(meeting, Action.CLOSE, actor)
    meeting.closed_at = utcnow()
    close_open_votes(meeting)
    end_speaking(meeting.id)
    db.session.flush()
    _audit(meeting, Action.CLOSE, actor, previous)
    return meeting


def _check_agenda_people(meeting: Meeting, data: dict[str, Any]) -> None:
    if data.get("presenter_id") is not None and meeting.participant(data["presenter_id"]) is None:
        raise invalid("presenter_id", f"user {data['presenter_id']} is not a participant of the meeting")
    for index, user_id in enumerate(data.get("named_user_ids") or []):
        if meeting.participant(user_id) is None:
            raise invalid(f"named_user_ids[{index}]", f"user {user_id} is not a participant of the meeting")


def _place(meeting: Meeting, item: AgendaItem, position: int | None) -> None:
    """Put item at a 1-based position (end when None) and renumber the rest in order."""
    items = [other for other in meeting.agenda_items if other is not item]
    index = len(items) if position is None else min(max(position, 1), len(items) + 1) - 1
    items.insert(index, item)
    for number, each in enumerate(items, start=1):
        each.position = number


def add_agenda_item(meeting: Meeting, data: dict[str, Any], actor: User) -> AgendaItem:
    previous = _enter(meeting, Action.EDIT, actor)
    _check_agenda_people(meeting, data)
    item = AgendaItem(
        title=data["title"].strip(),
        presenter_id=data.get("presenter_id"),
        starts_at=data.get("starts_at"),
        ends_at=data.get("ends_at"),
        is_confidential=data.get("is_confidential", False),
        created_by_id=actor.id,
        position=0,
    )
    item.named = [AgendaItemAccess(user_id=u) for u in dict.fromkeys(data.get("named_user_ids") or [])]
    meeting.agenda_items.append(item)
    _place(meeting, item, data.get("position"))
    db.session.flush()
    _audit(meeting, Action.EDIT, actor, previous, agenda_item_id=item.id, added=True)
    return item


def update_agenda_item(meeting: Meeting, item: AgendaItem, data: dict[str, Any], actor: User) -> AgendaItem:
    previous = _enter(meeting, Action.EDIT, actor)
    _check_agenda_people(meeting, data)
    starts = data.get("starts_at", item.starts_at)
    ends = data.get("ends_at", item.ends_at)
    if starts is not None and ends is not None and ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    for name in ("title", "presenter_id", "starts_at", "ends_at", "is_confidential"):
        if name in data:
            setattr(item, name, data[name])
    if "named_user_ids" in data:
        item.named = [AgendaItemAccess(user_id=u) for u in dict.fromkeys(data["named_user_ids"])]
    if "position" in data:
        _place(meeting, item, data["position"])
    db.session.flush()
    _audit(meeting, Action.EDIT, actor, previous, agenda_item_id=item.id, fields=sorted(data))
    return item


def count_pdf_pages(stream: BinaryIO) -> int | None:
    """Pages of a PDF read from a seekable stream (rewound afterwards); None when it is not a PDF.

    Read in a bounded child process (eoffice.untrusted): a PDF it cannot read within the limits is
    refused with a 422 naming the file, as an unreadable one is, since the live room could not show it.
    """
    start = stream.tell()
    is_pdf = stream.read(5) == b"%PDF-"
    stream.seek(start)
    if not is_pdf:
        return None
    parsed = pdf_page_count(stream)
    if parsed.failure == Failure.UNREADABLE:
        raise invalid("file", f"not a readable PDF: {parsed.reason}")
    if parsed.failure is not None:
        raise invalid("file", f"the PDF cannot be read within the server's limits: {parsed.reason}")
    pages = int(parsed.output)
    if pages < 1:
        raise invalid("file", "the PDF has no pages")
    return pages


def add_document(
    meeting: Meeting, item: AgendaItem | None, stream: BinaryIO, name: str | None, actor: User
) -> MeetingDocument:
    workflow.check(meeting, Action.UPLOAD_DOCUMENT, actor, item)
    page_count = count_pdf_pages(stream)
    # Linearised, a tablet reading by ranges shows page 1 before the rest of a large book has arrived.
    limits = settings()
    with linearized(stream, timeout=limits.parser_timeout, max_memory=limits.parser_max_memory) as better:
        stored = store_file(better or stream, name, uploaded_by=actor)
    document = MeetingDocument(
        meeting_id=meeting.id,
        agenda_item_id=item.id if item else None,
        file_id=stored.id,
        file=stored,
        name=stored.name,
        page_count=page_count,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    _audit(
        meeting, Action.UPLOAD_DOCUMENT, actor, meeting.status, document_id=document.id, name=document.name
    )
    return document


def create_poll(meeting: Meeting, data: dict[str, Any], actor: User) -> OpinionPoll:
    previous = _enter(meeting, Action.CREATE_POLL, actor)
    if data["deadline"] <= utcnow():
        raise invalid("deadline", "must be in the future")
    options = [option.strip() for option in data["options"]]
    if len(set(options)) != len(options):
        raise invalid("options", "options must differ")
    poll = OpinionPoll(
        meeting_id=meeting.id,
        question=data["question"].strip(),
        options=options,
        deadline=data["deadline"],
        created_by_id=actor.id,
    )
    db.session.add(poll)
    db.session.flush()
    _audit(meeting, Action.CREATE_POLL, actor, previous, poll_id=poll.id)
    return poll


def _has_answered(poll: OpinionPoll, user: User) -> bool:
    answer = select(OpinionAnswer.id).where(
        OpinionAnswer.poll_id == poll.id, OpinionAnswer.user_id == user.id
    )
    return db.session.scalar(answer) is not None


def may_answer_poll(meeting: Meeting, poll: OpinionPoll, user: User) -> bool:
    """What answer_poll would accept from this user now (for clients to offer the form)."""
    return (
        policy.can(user, policy.Permission.ANSWER_POLL, meeting)
        and utcnow() < poll.deadline
        and not _has_answered(poll, user)
    )


def answer_poll(meeting: Meeting, poll: OpinionPoll, user: User, data: dict[str, Any]) -> OpinionAnswer:
    policy.authorize(user, policy.Permission.ANSWER_POLL, meeting)
    if utcnow() >= poll.deadline:
        raise ApiError(409, ErrorCode.DEADLINE_PASSED, "the deadline of this opinion poll has passed")
    if data["option"] not in poll.options:
        raise invalid("option", f"must be one of: {', '.join(poll.options)}")
    if _has_answered(poll, user):
        raise ApiError(409, ErrorCode.ALREADY_ANSWERED, "you have already answered this opinion poll")
    answer = OpinionAnswer(
        poll_id=poll.id, user_id=user.id, option=data["option"], comment=data.get("comment")
    )
    db.session.add(answer)
    db.session.flush()
    return answer
