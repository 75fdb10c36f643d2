"""The meetings REST contract: creation, who organises and sees a meeting, the state machine, the chair
and secretary, the agenda, written opinion polls, the calendar list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eoffice.extensions import db
from meetings.models import Meeting
from tests.eoffice.documents.conftest import count
from tests.meetings.conftest import create_meeting, meeting_body


def test_creating_a_meeting_returns_201_with_its_people_and_draft_status(client, login, people):
    response = create_meeting(client, login, people)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] and body["status"] == "draft"
    assert body["chair_id"] == people.chair.id and body["secretary_id"] == people.secretary.id
    roles = {p["user_id"]: p["role"] for p in body["participants"]}
    assert roles[people.delegates[1].id] == "delegate" and roles[people.guest.id] == "guest"
    assert body["starts_at"].startswith("2026-12-01T01:00:00")


def test_bad_meeting_input_is_refused_naming_the_field_and_writes_nothing(client, login, people):
    headers = login("vanthu")
    cases = [
        ({"title": ""}, "title"),
        ({"ends_at": "2026-12-01T07:00:00+07:00"}, "ends_at"),
        ({"starts_at": "2026-12-01T08:00:00"}, "starts_at"),
        ({"chair_id": "x"}, "chair_id"),
        ({"participants": [{"user_id": 9999, "role": "delegate"}]}, "participants[0].user_id"),
        ({"participants": [{"user_id": people.guest.id, "role": "king"}]}, "participants"),
        ({"participants": [{"user_id": people.chair.id, "role": "delegate"}]}, "participants[0].user_id"),
        ({"secretary_id": people.chair.id}, "secretary_id"),
    ]
    for changes, field in cases:
        response = client.post("/api/v1/meetings", json=meeting_body(people, **changes), headers=headers)
        assert response.status_code == 422, (changes, response.get_json())
        assert field in response.get_json()["error"]["message"], (field, response.get_json())
    assert count(Meeting) == 0


def test_only_clerks_leaders_and_admins_organise_meetings(client, login, people):
    response = client.post("/api/v1/meetings", json=meeting_body(people), headers=login("nguoingoai"))
    assert response.status_code == 403


def test_invitees_see_the_meeting_and_others_get_403(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("daibieu2")).status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=login("nguoingoai")).status_code == 403
    assert client.get("/api/v1/meetings/999", headers=login("daibieu2")).status_code == 404
    mine = client.get("/api/v1/meetings", headers=login("khachmoi")).get_json()
    assert [m["id"] for m in mine] == [meeting_id]
    assert client.get("/api/v1/meetings", headers=login("nguoingoai")).get_json() == []


def test_the_state_machine_allows_only_draft_invited_in_progress_closed(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser, chair, delegate = login("vanthu"), login("chutich"), login("daibieu1")
    url = f"/api/v1/meetings/{meeting_id}"
    assert client.post(f"{url}/start", headers=organiser).status_code == 409
    assert client.post(f"{url}/close", headers=organiser).status_code == 409
    assert client.post(f"{url}/invite", headers=delegate).status_code == 403
    assert client.post(f"{url}/invite", headers=organiser).get_json()["status"] == "invited"
    assert client.post(f"{url}/invite", headers=organiser).status_code == 409
    assert client.post(f"{url}/start", headers=delegate).status_code == 403
    assert client.post(f"{url}/start", headers=chair).get_json()["status"] == "in_progress"
    assert client.post(f"{url}/cancel", headers=chair).status_code == 409
    response = client.post(f"{url}/close", headers=login("thuky"))
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    conflict = client.post(f"{url}/start", headers=chair)
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "invalid_state"
    assert client.patch(url, json={"title": "Đổi tên"}, headers=organiser).status_code == 409


def test_agenda_items_keep_their_order_and_accept_an_insert_position(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    url = f"/api/v1/meetings/{meeting_id}/agenda"
    for title in ("Khai mạc", "Bế mạc"):
        client.post(url, json={"title": title}, headers=organiser)
    middle = client.post(
        url,
        json={
            "title": "Thảo luận",
            "position": 2,
            "presenter_id": people.delegates[0].id,
            "starts_at": "2026-12-01T09:00:00+07:00",
            "ends_at": "2026-12-01T10:00:00+07:00",
        },
        headers=organiser,
    )
    assert middle.status_code == 201
    agenda = client.get(f"/api/v1/meetings/{meeting_id}", headers=organiser).get_json()["agenda"]
    assert [(i["position"], i["title"]) for i in agenda] == [(1, "Khai mạc"), (2, "Thảo luận"), (3, "Bế mạc")]
    refused = client.post(url, json={"title": "X", "presenter_id": people.outsider.id}, headers=organiser)
    assert refused.status_code == 422 and "presenter_id" in refused.get_json()["error"]["message"]


def test_each_delegate_answers_a_written_opinion_poll_once_before_the_deadline(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    poll = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={
            "question": "Thông qua dự thảo quy chế?",
            "options": ["Đồng ý", "Không đồng ý"],
            "deadline": deadline,
        },
        headers=login("thuky"),
    )
    assert poll.status_code == 201, poll.get_json()
    url = f"/api/v1/meetings/{meeting_id}/opinions/{poll.get_json()['id']}"
    first = client.post(f"{url}/answers", json={"option": "Đồng ý"}, headers=login("daibieu1"))
    assert first.status_code == 201
    again = client.post(f"{url}/answers", json={"option": "Không đồng ý"}, headers=login("daibieu1"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_answered"
    assert (
        client.post(f"{url}/answers", json={"option": "Đồng ý"}, headers=login("khachmoi")).status_code == 403
    )
    bad = client.post(f"{url}/answers", json={"option": "Có"}, headers=login("daibieu2"))
    assert bad.status_code == 422 and "option" in bad.get_json()["error"]["message"]
    view = client.get(url, headers=login("daibieu3")).get_json()
    assert view["results"] == {"Đồng ý": 1, "Không đồng ý": 0} and view["eligible"] == 4
    assert view["answers"] == [] and view["my_answer"] is None
    assert len(client.get(url, headers=login("thuky")).get_json()["answers"]) == 1
    past = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={"question": "Muộn?", "deadline": "2020-01-01T00:00:00+00:00"},
        headers=login("thuky"),
    )
    assert past.status_code == 422 and "deadline" in past.get_json()["error"]["message"]


def test_the_list_keeps_the_meetings_overlapping_a_calendar_period(client, login, people):
    # A calendar day in Vietnam runs from 17:00 UTC the day before: a meeting at 06:30 on
    # 2 December (Vietnam) is on the 2nd although it is still the 1st in UTC.
    early = create_meeting(
        client, login, people, starts_at="2026-12-02T06:30:00+07:00", ends_at="2026-12-02T07:30:00+07:00"
    ).get_json()["id"]
    previous_evening = create_meeting(
        client, login, people, starts_at="2026-12-01T22:00:00+07:00", ends_at="2026-12-01T23:59:00+07:00"
    ).get_json()["id"]
    overnight = create_meeting(
        client, login, people, starts_at="2026-12-01T23:00:00+07:00", ends_at="2026-12-02T01:00:00+07:00"
    ).get_json()["id"]
    next_day = create_meeting(
        client, login, people, starts_at="2026-12-03T00:00:00+07:00", ends_at="2026-12-03T02:00:00+07:00"
    ).get_json()["id"]
    headers = login("daibieu1")
    day = {"from": "2026-12-02T00:00:00+07:00", "to": "2026-12-03T00:00:00+07:00"}
    listed = client.get("/api/v1/meetings", query_string=day, headers=headers).get_json()
    assert sorted(m["id"] for m in listed) == sorted([early, overnight])
    assert previous_evening not in [m["id"] for m in listed] and next_day not in [m["id"] for m in listed]
    later = client.get("/api/v1/meetings", query_string={"from": "2026-12-02T12:00:00Z"}, headers=headers)
    assert [m["id"] for m in later.get_json()] == [next_day]
    outsider = client.get("/api/v1/meetings", query_string=day, headers=login("nguoingoai"))
    assert outsider.get_json() == []


def test_a_malformed_calendar_period_is_refused_naming_the_field(client, login, people):
    headers = login("daibieu1")
    naive = client.get("/api/v1/meetings", query_string={"from": "2026-12-02T00:00:00"}, headers=headers)
    assert naive.status_code == 422 and "from" in naive.get_json()["error"]["message"]
    backwards = client.get(
        "/api/v1/meetings",
        query_string={"from": "2026-12-03T00:00:00+07:00", "to": "2026-12-02T00:00:00+07:00"},
        headers=headers,
    )
    assert backwards.status_code == 422 and "to" in backwards.get_json()["error"]["message"]


def test_the_secretary_cannot_make_themself_chair_nor_anyone_change_the_chair_once_started(
    client, login, people
):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    url = f"/api/v1/meetings/{meeting_id}"
    organiser, chair, secretary = login("vanthu"), login("chutich"), login("thuky")
    # Before the meeting: only the organiser names them.
    assert client.patch(url, json={"secretary_id": people.outsider.id}, headers=chair).status_code == 403
    assert client.post(f"{url}/invite", headers=organiser).status_code == 200
    assert client.post(f"{url}/start", headers=organiser).status_code == 200
    takeover = client.patch(
        url, json={"chair_id": people.secretary.id, "secretary_id": None}, headers=secretary
    )
    assert takeover.status_code == 403, takeover.get_json()
    assert takeover.get_json()["error"]["code"] == "forbidden"
    assert "organiser" in takeover.get_json()["error"]["message"]
    late = client.patch(url, json={"chair_id": people.delegates[0].id}, headers=organiser)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "invalid_state"
    db.session.rollback()
    meeting = db.session.get(Meeting, meeting_id)
    assert (meeting.chair_id, meeting.secretary_id) == (people.chair.id, people.secretary.id)
    # The same chair and secretary sent back with another change are no change of them.
    same = {
        "title": "Họp thường kỳ (bổ sung)",
        "chair_id": people.chair.id,
        "secretary_id": people.secretary.id,
    }
    assert client.patch(url, json=same, headers=secretary).status_code == 200


def test_the_organiser_names_another_chair_and_secretary_before_the_meeting(client, login, people):
    meeting_id = create_meeting(client, login, people).get_json()["id"]
    organiser = login("vanthu")
    assert client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser).status_code == 200
    changed = client.patch(
        f"/api/v1/meetings/{meeting_id}",
        json={"chair_id": people.outsider.id, "secretary_id": None},
        headers=organiser,
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["chair_id"], changed.get_json()["secretary_id"]) == (
        people.outsider.id,
        None,
    )
