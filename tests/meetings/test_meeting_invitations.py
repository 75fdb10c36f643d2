"""Invitations by mail: an invitation, a change and a cancellation reach the outbox with one calendar
UID; changing the participants invites newcomers and cancels for the removed."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from tests.meetings.conftest import create_meeting


def _calendars(kind: str) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_invitation_change_and_cancellation_go_to_the_outbox_with_one_calendar_uid(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser)
    invitations = _calendars("meeting.invitation")
    assert {m.to_address for m in invitations} == {
        f"{u.username}@example.gov.vn"
        for u in [people.chair, people.secretary, *people.delegates, people.guest]
    }
    first = invitations[0].calendar
    uid = next(line for line in first.split("\r\n") if line.startswith("UID:"))
    assert "METHOD:REQUEST" in first and "SEQUENCE:0" in first
    assert invitations[0].subject.startswith("Giấy mời họp: Họp UBND")

    changed = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"location": "Hội trường tầng 3"}, headers=organiser
    )
    assert changed.status_code == 200 and changed.get_json()["calendar_sequence"] == 1
    changes = _calendars("meeting.changed")
    assert len(changes) == 6
    assert all(uid in m.calendar and "SEQUENCE:1" in m.calendar for m in changes)
    assert "Hội trường tầng 3" in changes[0].calendar

    assert client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=organiser).status_code == 200
    cancellations = _calendars("meeting.cancelled")
    assert len(cancellations) == 6
    assert all(
        uid in m.calendar
        and "METHOD:CANCEL" in m.calendar
        and "SEQUENCE:2" in m.calendar
        and m.calendar_method == "CANCEL"
        for m in cancellations
    )


def test_changing_participants_invites_newcomers_and_cancels_for_the_removed(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser)
    participants = [{"user_id": d.id, "role": "delegate"} for d in people.delegates[:2]] + [
        {"user_id": people.outsider.id, "role": "guest"}
    ]
    response = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"participants": participants}, headers=organiser
    )
    assert response.status_code == 200, response.get_json()
    by_kind = {
        kind: {m.recipient_id for m in _calendars(kind)}
        for kind in ("meeting.changed", "meeting.invitation", "meeting.cancelled")
    }
    assert people.outsider.id in by_kind["meeting.invitation"]
    assert by_kind["meeting.cancelled"] == {people.delegates[2].id, people.guest.id}
    assert people.outsider.id not in by_kind["meeting.changed"]
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("nguoingoai")).status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("khachmoi")).status_code == 403
