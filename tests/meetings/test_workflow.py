"""The meetings' state machine (meetings.workflow): what each person is offered in each state, and the
audit log of every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from eoffice.audit.models import AuditEvent
from eoffice.extensions import db
from tests.meetings.conftest import meeting_body

USERNAMES = ("vanthu", "chutich", "thuky", "daibieu1", "khachmoi")


def _offered(client, login, meeting_id: int) -> dict[str, list[str]]:
    """allowed_actions of the meeting's detail, for each person (the outsider cannot read it)."""
    offered = {}
    for username in USERNAMES:
        response = client.get(f"/api/v1/meetings/{meeting_id}", headers=login(username))
        assert response.status_code == 200, response.get_json()
        offered[username] = response.get_json()["allowed_actions"]
    return offered


def _audit(meeting_id: int) -> list[tuple[str, str | None, dict]]:
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "meeting", AuditEvent.target_id == str(meeting_id))
        .order_by(AuditEvent.id)
    )
    return [(row.event, row.actor_username, row.details) for row in rows]


def test_the_meeting_offers_each_person_what_the_server_then_accepts_in_each_state(client, login, people):
    organiser = login("vanthu")
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser).get_json()[
        "id"
    ]
    manager_draft = ["edit", "upload_document", "create_poll", "invite", "cancel"]
    assert _offered(client, login, meeting_id) == {
        "vanthu": manager_draft,
        "chutich": manager_draft,
        "thuky": manager_draft,
        "daibieu1": [],
        "khachmoi": [],
    }
    client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser)
    manager_invited = ["edit", "upload_document", "create_poll", "start", "cancel", "enter_room"]
    assert _offered(client, login, meeting_id) == {
        "vanthu": manager_invited,
        "chutich": manager_invited,
        "thuky": manager_invited,
        "daibieu1": ["enter_room"],
        "khachmoi": ["enter_room"],
    }
    client.post(f"/api/v1/meetings/{meeting_id}/start", headers=organiser)
    offered = _offered(client, login, meeting_id)
    assert offered["thuky"] == ["edit", "upload_document", "create_poll", "close", "enter_room"]
    assert offered["daibieu1"] == ["enter_room"]
    client.post(f"/api/v1/meetings/{meeting_id}/close", headers=organiser)
    assert set(map(tuple, _offered(client, login, meeting_id).values())) == {()}


def test_an_agenda_item_offers_an_upload_to_its_presenter_and_to_those_who_run_the_meeting(
    client, login, people
):
    organiser = login("vanthu")
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser).get_json()[
        "id"
    ]
    client.post(
        f"/api/v1/meetings/{meeting_id}/agenda",
        json={"title": "Báo cáo", "presenter_id": people.delegates[0].id},
        headers=organiser,
    )
    url = f"/api/v1/meetings/{meeting_id}"
    for username, expected in (
        ("vanthu", ["upload_document"]),
        ("daibieu1", ["upload_document"]),
        ("daibieu3", []),
    ):
        item = client.get(url, headers=login(username)).get_json()["agenda"][0]
        assert item["allowed_actions"] == expected, username
    client.post(f"{url}/cancel", headers=organiser)
    assert client.get(url, headers=login("daibieu1")).get_json()["agenda"][0]["allowed_actions"] == []


def test_an_opinion_poll_offers_the_answer_to_a_voting_participant_until_they_answer(client, login, people):
    organiser = login("vanthu")
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser).get_json()[
        "id"
    ]
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    poll = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={"question": "Đồng ý?", "options": ["Có", "Không"], "deadline": deadline},
        headers=organiser,
    ).get_json()
    poll_url = f"/api/v1/meetings/{meeting_id}/opinions/{poll['id']}"
    assert client.get(poll_url, headers=login("daibieu1")).get_json()["allowed_actions"] == ["answer"]
    assert client.get(poll_url, headers=login("khachmoi")).get_json()["allowed_actions"] == []
    answered = client.post(f"{poll_url}/answers", json={"option": "Có"}, headers=login("daibieu1"))
    assert answered.status_code == 201
    assert client.get(poll_url, headers=login("daibieu1")).get_json()["allowed_actions"] == []
    # The guest, offered nothing, is refused.
    assert (
        client.post(f"{poll_url}/answers", json={"option": "Có"}, headers=login("khachmoi")).status_code
        == 403
    )


def test_every_step_of_a_meeting_is_in_the_audit_log_and_a_refused_one_is_not(client, login, people):
    organiser = login("vanthu")
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser).get_json()[
        "id"
    ]
    url = f"/api/v1/meetings/{meeting_id}"
    assert client.patch(url, json={"location": "Hội trường"}, headers=login("thuky")).status_code == 200
    assert client.post(f"{url}/invite", headers=organiser).status_code == 200
    assert client.post(f"{url}/start", headers=login("daibieu1")).status_code == 403
    assert client.post(f"{url}/close", headers=organiser).status_code == 409
    assert client.post(f"{url}/start", headers=login("chutich")).status_code == 200
    assert client.post(f"{url}/close", headers=login("thuky")).status_code == 200
    assert _audit(meeting_id) == [
        ("meeting.create", "vanthu", {"from": None, "to": "draft"}),
        ("meeting.edit", "thuky", {"from": "draft", "to": "draft", "fields": ["location"]}),
        ("meeting.invite", "vanthu", {"from": "draft", "to": "invited"}),
        ("meeting.start", "chutich", {"from": "invited", "to": "in_progress"}),
        ("meeting.close", "thuky", {"from": "in_progress", "to": "closed"}),
    ]
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "meeting.start"))
    assert row.actor_id == people.chair.id and row.agency_id == people.organiser.agency_id


def test_cancelling_a_meeting_is_in_the_audit_log(client, login, people):
    organiser = login("vanthu")
    meeting_id = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser).get_json()[
        "id"
    ]
    assert client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=login("chutich")).status_code == 200
    assert _audit(meeting_id)[-1] == ("meeting.cancel", "chutich", {"from": "draft", "to": "cancelled"})
