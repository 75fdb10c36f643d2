"""The whole state of the room as one user sees it, sent on join (and so on every reconnect)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.extensions import db
from meetings import policy
from meetings.minutes.queries import minutes_state
from meetings.models import AgendaItem, Meeting, MeetingDocument
from meetings.room.annotations import visible_annotations
from meetings.room.attendance import attendance_state
from meetings.room.common import iso
from meetings.room.presentation import presentation_state
from meetings.room.speakers import speakers_state
from meetings.room.votes import open_vote_of, vote_state


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
                    "starts_at": iso(item.starts_at),
                    "ends_at": iso(item.ends_at),
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
        "minutes": minutes_state(meeting, user),
    }
