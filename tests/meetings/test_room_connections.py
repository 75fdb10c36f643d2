"""Who keeps a live room connection: floods are refused then cut off; the removed and the disabled leave."""

from __future__ import annotations

import threading

import pytest
import requests
import socketio

from eoffice.api_base import ApiError
from eoffice.extensions import db
from meetings import room as room_rules
from meetings.flood import EventLimiter, Verdict
from tests.factories import create_user
from tests.meetings.conftest import NAMESPACE, token_of


def test_the_limiter_admits_a_burst_then_the_rate_and_calls_a_long_run_of_refusals_a_flood():
    now = [0.0]
    limiter = EventLimiter(rate=2, burst=3, flood_limit=4, clock=lambda: now[0])
    assert [limiter.admit("a") for _ in range(4)] == [Verdict.ADMITTED] * 3 + [Verdict.REFUSED]
    assert limiter.admit("b") is Verdict.ADMITTED  # each connection has its own bucket
    now[0] = 0.5  # one more event's worth: the refusals still count
    assert [limiter.admit("a") for _ in range(2)] == [Verdict.ADMITTED, Verdict.REFUSED]
    assert [limiter.admit("a") for _ in range(3)] == [Verdict.REFUSED] * 2 + [Verdict.FLOODING]
    assert limiter.admit("a") is Verdict.REFUSED  # told once; the disconnection is under way
    now[0] = 10.0  # calm again: a whole burst, and a clean slate
    assert [limiter.admit("a") for _ in range(7)] == [Verdict.ADMITTED] * 3 + [Verdict.REFUSED] * 4


def test_a_flooding_connection_is_refused_then_disconnected_while_the_room_goes_on(
    live_server, devices, room
):
    chair, delegate, guest = (
        devices(live_server, room.tokens[name]) for name in ("chutich", "daibieu1", "khachmoi")
    )
    for device in (chair, delegate, guest):
        device.call("join", {"meeting_id": room.meeting_id})
    acks: list[dict] = []
    guard = threading.Lock()

    def record(answer):
        with guard:
            acks.append(answer)

    for index in range(3000):
        try:
            event = "speak_request" if index % 2 == 0 else "speak_withdraw"
            guest.sio.emit(event, {"meeting_id": room.meeting_id}, namespace=NAMESPACE, callback=record)
        except socketio.exceptions.BadNamespaceError:
            break  # the server has cut it off
    assert guest.disconnected.wait(30)
    assert guest.of("farewell") == [{"code": "rate_limited", "message": "too many events; disconnected"}]
    with guard:
        codes = [a.get("error", {}).get("code") for a in acks]
    # The burst (and what the rate refilled meanwhile) was acted on, whatever the room answered;
    # events in flight when the server cut the connection get no answer at all.
    assert 0 < len(codes) - codes.count("rate_limited") <= 100
    assert codes.count("rate_limited") >= 200
    # The rest of the room is served as before.
    assert chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 2})[
        "ok"
    ]
    assert delegate.wait_for("presentation", 1)[0]["page"] == 2
    assert requests.get(f"{live_server}/readyz", timeout=10).status_code == 200


def test_a_participant_removed_from_the_meeting_leaves_the_room_at_once(
    client, live_server, devices, room, people
):
    chair, kept, removed = (
        devices(live_server, room.tokens[name]) for name in ("chutich", "daibieu1", "daibieu3")
    )
    for device in (chair, kept, removed):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    participants = [{"user_id": d.id, "role": "delegate"} for d in people.delegates[:2]] + [
        {"user_id": people.guest.id, "role": "guest"}
    ]
    response = client.patch(
        f"/api/v1/meetings/{room.meeting_id}",
        json={"participants": participants},
        headers={"Authorization": f"Bearer {room.tokens['vanthu']}"},
    )
    assert response.status_code == 200, response.get_json()
    assert removed.disconnected.wait(15)
    assert removed.of("farewell")[0]["code"] == "forbidden"
    chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 3})
    assert kept.wait_for("presentation", 1)[0]["page"] == 3
    assert removed.of("presentation") == []
    again = devices(live_server, room.tokens["daibieu3"])
    assert again.call("join", {"meeting_id": room.meeting_id})["error"]["code"] == "forbidden"


def test_a_disabled_designated_presenter_is_cut_off_and_cannot_present(
    client, live_server, devices, room, people
):
    admin = create_user("quantri", roles=["admin"])
    db.session.commit()
    chair, presenter = (
        devices(live_server, room.tokens["chutich"]),
        devices(live_server, room.tokens["daibieu1"]),
    )
    for device in (chair, presenter):
        device.call("join", {"meeting_id": room.meeting_id})
    designated = chair.call(
        "designate_presenter", {"meeting_id": room.meeting_id, "user_id": people.delegates[0].id}
    )
    assert designated["ok"], designated
    token = token_of(client, admin.username)
    response = client.patch(
        f"/api/v1/admin/users/{people.delegates[0].id}",
        json={"is_active": False},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    assert presenter.disconnected.wait(15)
    assert presenter.of("farewell")[0]["code"] == "unauthorized"
    with pytest.raises(socketio.exceptions.ConnectionError):
        devices(live_server, room.tokens["daibieu1"])
    # Nor would a connection that outlived the deactivation present: the page turn checks the account.
    db.session.rollback()
    with pytest.raises(ApiError) as refused:
        room_rules.present(room.meeting_id, people.delegates[0].id, room.document_id, 2)
    assert refused.value.code == "unauthorized"
