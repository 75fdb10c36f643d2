"""iCalendar (RFC 5545) invitations, updates and cancellations for meetings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable for the meeting: updates and cancellations must reuse it
    sequence: int  # raised on every change so calendars replace the earlier version
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    description: str = ""
    organizer_name: str = ""
    organizer_email: str = ""
    attendees: list[tuple[str, str]] = field(default_factory=list)  # (name, e-mail)
    cancelled: bool = False

    @property
    def method(self) -> str:
        return "CANCEL" if self.cancelled else "REQUEST"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _param(value: str) -> str:
    return '"' + value.replace('"', "'") + '"'


def build_calendar(event: CalendarEvent, *, stamp: datetime | None = None) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//eoffice//meetings//VI",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{event.method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp or datetime.now(UTC))}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_escape(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{_escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_escape(event.description)}")
    if event.organizer_email:
        lines.append(f"ORGANIZER;CN={_param(event.organizer_name)}:mailto:{event.organizer_email}")
    for name, email in event.attendees:
        lines.append(f"ATTENDEE;CN={_param(name)};ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{email}")
    lines.append("STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
