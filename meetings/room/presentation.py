"""Follow the presenter: the page on every screen, who may present, the current agenda item.

`present` is the hot path: one UPDATE … RETURNING both authorises and moves every screen.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, func, or_, update

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid
from eoffice.db import autocommit
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from meetings import policy, workflow
from meetings.models import (
    AgendaItem,
    Meeting,
    MeetingDocument,
    MeetingParticipant,
    MeetingStatus,
    ParticipantRole,
)
from meetings.room.common import load_meeting, not_found
from meetings.workflow import RoomAction


def _present_statement():
    """Built once: a page turn runs it with its four values, no expression built per turn."""
    meeting_id, user_id = bindparam("meeting_id", type_=Integer), bindparam("user_id", type_=Integer)
    document_id, page = bindparam("document_id", type_=Integer), bindparam("page", type_=Integer)
    # A disabled account presents nothing, even from a connection opened before it was disabled.
    may_present = and_(
        exists().where(User.id == user_id, User.is_active),
        or_(
            Meeting.designated_presenter_id == user_id,
            exists().where(
                MeetingParticipant.meeting_id == meeting_id,
                MeetingParticipant.user_id == user_id,
                MeetingParticipant.role.in_([ParticipantRole.CHAIR, ParticipantRole.SECRETARY]),
            ),
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
    return (
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.status == MeetingStatus.IN_PROGRESS, may_present, showable)
        .values(
            presentation_seq=Meeting.presentation_seq + 1,
            presentation_document_id=document_id,
            presentation_page=page,
            presentation_presenter_id=user_id,
        )
        .returning(Meeting.presentation_seq)
    )


_PRESENT_STATEMENT = _present_statement()


def present(meeting_id: int, user_id: int, document_id: int, page: int) -> dict[str, Any]:
    # One statement that commits by itself, on the autocommit pool: the whole room waits for it, so no
    # BEGIN, no COMMIT, no switching a session's connection into autocommit and back; not through the
    # ORM's bulk-update path either (half of this call's CPU).
    with autocommit() as connection:
        seq = connection.execute(
            _PRESENT_STATEMENT,
            {"meeting_id": meeting_id, "user_id": user_id, "document_id": document_id, "page": page},
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
    if user is None or not user.is_active:
        raise ApiError(401, ErrorCode.UNAUTHORIZED, "account disabled or removed")
    workflow.check_room(meeting, RoomAction.PRESENT, user)
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting_id:
        raise not_found(f"document {document_id} of meeting {meeting_id}")
    if document.agenda_item is not None and document.agenda_item.is_confidential:
        raise policy.forbidden("documents of a confidential item are not shown to the room")
    raise invalid("page", f"the document has {document.page_count or 1} page(s)")


def presentation_state(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting_id": meeting.id,
        "document_id": meeting.presentation_document_id,
        "page": meeting.presentation_page,
        "seq": meeting.presentation_seq,
        "presenter_id": meeting.presentation_presenter_id,
    }


def designate_presenter(meeting: Meeting, actor: User, user_id: int | None) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.DESIGNATE_PRESENTER, actor)
    if user_id is not None and meeting.participant(user_id) is None:
        raise invalid("user_id", f"user {user_id} is not a participant")
    meeting.designated_presenter_id = user_id
    db.session.flush()
    return {"meeting_id": meeting.id, "user_id": user_id}


def go_to_agenda_item(meeting: Meeting, actor: User, item_id: int) -> dict[str, Any]:
    workflow.check_room(meeting, RoomAction.AGENDA_GOTO, actor)
    if not any(item.id == item_id for item in meeting.agenda_items):
        raise not_found(f"agenda item {item_id} of meeting {meeting.id}")
    meeting.current_agenda_item_id = item_id
    db.session.flush()
    return {"meeting_id": meeting.id, "agenda_item_id": item_id}
