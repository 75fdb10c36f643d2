"""The minutes as the room sees them: on join, and in the events that change them.

Nothing here imports the room (the room's join state imports this).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.extensions import db
from meetings import policy
from meetings.models import AgendaItem, Meeting, MeetingMinutes, MinutesSection, Vote


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def status_payload(minutes: MeetingMinutes) -> dict[str, Any]:
    """The `minutes_status` event, and the head of the minutes in the join state."""
    return {
        "meeting_id": minutes.meeting_id,
        "seq": minutes.seq,
        "status": minutes.status,
        "submitted_at": _iso(minutes.submitted_at),
        "submitted_by_id": minutes.submitted_by_id,
        "return_comment": minutes.return_comment,
        "returned_at": _iso(minutes.returned_at),
        "approved_at": _iso(minutes.approved_at),
        "approved_by_id": minutes.approved_by_id,
        "pdf_available": minutes.pdf_file_id is not None,
    }


def section_payload(section: MinutesSection | None, agenda_item_id: int | None) -> dict[str, Any]:
    """One section; a section nobody has written yet is empty at version 0."""
    if section is None:
        return {
            "agenda_item_id": agenda_item_id,
            "text": "",
            "conclusion": "",
            "version": 0,
            "updated_by_id": None,
            "updated_at": None,
        }
    return {
        "agenda_item_id": section.agenda_item_id,
        "text": section.text,
        "conclusion": section.conclusion,
        "version": section.version,
        "updated_by_id": section.updated_by_id,
        "updated_at": _iso(section.updated_at),
    }


def find_section(meeting_id: int, agenda_item_id: int | None) -> MinutesSection | None:
    item = (
        MinutesSection.agenda_item_id.is_(None)
        if agenda_item_id is None
        else MinutesSection.agenda_item_id == agenda_item_id
    )
    return db.session.scalar(select(MinutesSection).where(MinutesSection.meeting_id == meeting_id, item))


def sections_of(meeting: Meeting, items: list[AgendaItem]) -> list[dict[str, Any]]:
    """The general part first, then one section per given agenda item in agenda order."""
    written = {
        section.agenda_item_id: section
        for section in db.session.scalars(
            select(MinutesSection).where(MinutesSection.meeting_id == meeting.id)
        )
    }
    return [section_payload(written.get(None), None)] + [
        section_payload(written.get(item.id), item.id) for item in items
    ]


def closed_votes(meeting_id: int) -> list[dict[str, Any]]:
    """The results of the meeting's closed votes: they enter the minutes by themselves."""
    votes = db.session.scalars(
        select(Vote).where(Vote.meeting_id == meeting_id, Vote.is_open.is_(False)).order_by(Vote.id)
    )
    return [
        {
            "vote_id": vote.id,
            "question": vote.question,
            "options": vote.options,
            "is_secret": vote.is_secret,
            "closed_at": _iso(vote.closed_at),
            "result": vote.result,
        }
        for vote in votes
    ]


def minutes_state(meeting: Meeting, user: User) -> dict[str, Any] | None:
    """The minutes as this user sees them (sections of confidential items only for their people);
    None before the meeting has started."""
    minutes = db.session.get(MeetingMinutes, meeting.id)
    if minutes is None:
        return None
    items = [item for item in meeting.agenda_items if policy.may_see_item(user, item)]
    return {
        **status_payload(minutes),
        "sections": sections_of(meeting, items),
        "votes": closed_votes(meeting.id),
    }
