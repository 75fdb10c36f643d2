"""What to tell whom when a meeting is sent out, changed, cancelled or its minutes approved (mail outbox)."""

from __future__ import annotations

from eoffice.accounts.models import User
from eoffice.extensions import db
from eoffice.mail.calendar import CalendarEvent
from eoffice.mail.operations import VIETNAM, notify
from meetings.models import Meeting


def calendar_event(meeting: Meeting, *, cancelled: bool = False) -> CalendarEvent:
    organiser = db.session.get(User, meeting.organiser_id)
    return CalendarEvent(
        uid=meeting.calendar_uid,
        sequence=meeting.calendar_sequence,
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location or meeting.online_link or "",
        description=meeting.online_link or "",
        organizer_name=organiser.full_name if organiser else "",
        organizer_email=(organiser.email or "") if organiser else "",
        attendees=[(p.user.full_name, p.user.email) for p in meeting.participants if p.user.email],
        cancelled=cancelled,
    )


def _facts(meeting: Meeting) -> list[tuple[str, str]]:
    local = meeting.starts_at.astimezone(VIETNAM)
    facts = [("Thời gian", f"{local:%H:%M %d/%m/%Y}"), ("Địa điểm", meeting.location or "—")]
    if meeting.online_link:
        facts.append(("Họp trực tuyến", meeting.online_link))
    return facts


def tell_participants(meeting: Meeting, kind: str, users: list[User], *, cancelled: bool = False) -> None:
    """Queue `kind` (meeting.invitation / .changed / .cancelled) with the calendar entry for each user."""
    event = calendar_event(meeting, cancelled=cancelled)
    for user in users:
        notify(
            user,
            kind,
            {"title": meeting.title},
            link=f"/meetings/{meeting.id}",
            facts=_facts(meeting),
            calendar=event,
        )


def tell_minutes_approved(meeting: Meeting) -> None:
    """Queue `meeting.minutes_ready` for every participant: the approved minutes are ready to read."""
    for participant in meeting.participants:
        notify(
            participant.user,
            "meeting.minutes_ready",
            {"title": meeting.title},
            link=f"/meetings/{meeting.id}/minutes",
            facts=_facts(meeting),
        )
