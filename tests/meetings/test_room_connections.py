"""Who keeps a live room connection: floods are refused then cut off; the removed, the disabled and
the connections of an ended session leave."""

from __future__ import annotations

import threading

import pytest
import requests
import socketio

from eoffice.api_base import ApiError
from eoffice.extensions import db
from meetings import room as room_rules
from meetings.flood import EventLimiter, Verdict
from tests.conftest import TEST_PASSWORD
from tests.factories import create_user
from tests.meetings.conftest import NAMESPACE, token_of


def _log_in(client, username: str) -> dict:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


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


def test_a_users_connections_share_one_budget_which_outlives_them():
    now = [0.0]
    limiter = EventLimiter(rate=1, burst=2, flood_limit=2, user_factor=1.5, clock=lambda: now[0])
    # The user's burst is 3: two sockets of user 7 get 3 events between them, not 4.
    assert [limiter.admit(sid, 7) for sid in ("a", "a", "b", "b")] == [Verdict.ADMITTED] * 3 + [
        Verdict.REFUSED
    ]
    assert limiter.admit("c", 8) is Verdict.ADMITTED  # another user has his own budget
    limiter.forget("a")
    assert limiter.admit("a", 7) is Verdict.REFUSED  # a reconnection brings no fresh burst
    # The user's flood limit is 3 refusals: the next one cuts off all of the user's connections.
    assert [limiter.admit("b", 7) for _ in range(2)] == [Verdict.REFUSED, Verdict.USER_FLOODING]
    now[0] = 10.0  # calm again: the user's whole burst
    assert [limiter.admit(sid, 7) for sid in ("a", "b", "a", "b")] == [Verdict.ADMITTED] * 3 + [
        Verdict.REFUSED
    ]


# A rate that adds no event while a test runs (one per 1,000 s): what is admitted is the burst,
# however fast or slow the machine sends.
SLOW_ROOM = {"EOFFICE_ROOM_EVENT_RATE": "0.001", "EOFFICE_ROOM_EVENT_BURST": "5"}


def _answers(device, room, count: int) -> list[str | None]:
    """Send `count` floor requests and withdrawals one after the other: each answer's error code."""
    codes = []
    for index in range(count):
        answer = device.call(
            "speak_request" if index % 2 == 0 else "speak_withdraw", {"meeting_id": room.meeting_id}
        )
        codes.append(answer.get("error", {}).get("code"))
    return codes


@pytest.mark.parametrize(
    "app_env", [{**SLOW_ROOM, "EOFFICE_ROOM_USER_EVENT_FACTOR": "1.6", "EOFFICE_ROOM_FLOOD_LIMIT": "1000"}]
)
def test_two_connections_of_one_user_are_refused_at_the_users_rate_and_a_new_one_gets_no_fresh_burst(
    live_server, devices, room
):
    first, second = (devices(live_server, room.tokens["khachmoi"]) for _ in range(2))
    # Each socket may send 5 at once, the user 8 (5 x 1.6) with all of them.
    first_codes, second_codes = _answers(first, room, 6), _answers(second, room, 6)
    assert first_codes.count("rate_limited") == 1
    assert second_codes.count("rate_limited") == 3
    assert second_codes[-3:] == ["rate_limited"] * 3
    third = devices(live_server, room.tokens["khachmoi"])
    assert _answers(third, room, 1) == ["rate_limited"]
    other = devices(live_server, room.tokens["daibieu1"])
    assert "rate_limited" not in _answers(other, room, 5)


@pytest.mark.parametrize("app_env", [{**SLOW_ROOM, "EOFFICE_ROOM_FLOOD_LIMIT": "50"}])
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
    # At most the burst was acted on, whatever the room answered, however fast the events came; the
    # rest were refused until the 51st refusal cut the connection off (the limiter's own test counts
    # them with a clock). Events in flight by then get no answer at all: an admitted one, waiting on
    # the database, may be among them.
    assert len(codes) - codes.count("rate_limited") <= 5
    assert codes.count("rate_limited") > 0
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


def _present(chair, room, page: int) -> None:
    assert chair.call(
        "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page}
    )["ok"]


def test_a_logout_ends_the_live_connections_of_that_session_and_no_other(client, live_server, devices, room):
    ended, other = _log_in(client, "daibieu1"), _log_in(client, "daibieu1")
    chair = devices(live_server, room.tokens["chutich"])
    leaving, staying = (
        devices(live_server, ended["access_token"]),
        devices(live_server, other["access_token"]),
    )
    for device in (chair, leaving, staying):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    response = client.post("/api/v1/auth/logout", json={"refresh_token": ended["refresh_token"]})
    assert response.status_code == 204
    assert leaving.disconnected.wait(15)
    assert leaving.of("farewell") == [{"code": "unauthorized", "message": "logged out"}]
    _present(chair, room, 2)
    assert staying.wait_for("presentation", 1)[0]["page"] == 2
    assert leaving.of("presentation") == []
    assert staying.sio.connected and staying.of("farewell") == []


def test_a_reused_refresh_token_ends_the_live_connections_of_its_session(client, live_server, devices, room):
    pair = _log_in(client, "daibieu1")
    device = devices(live_server, pair["access_token"])
    assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 200
    )
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reused.status_code == 401
    assert device.disconnected.wait(15)
    assert device.of("farewell")[0]["code"] == "unauthorized"


def test_a_password_reset_by_an_admin_ends_every_live_connection_of_the_user(
    client, live_server, devices, room, people
):
    create_user("quantri", roles=["admin"])
    db.session.commit()
    chair = devices(live_server, room.tokens["chutich"])
    tablet, laptop = (devices(live_server, _log_in(client, "daibieu1")["access_token"]) for _ in range(2))
    for device in (chair, tablet, laptop):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    response = client.patch(
        f"/api/v1/admin/users/{people.delegates[0].id}",
        json={"password": "mật khẩu mới dài hơn"},
        headers={"Authorization": f"Bearer {token_of(client, 'quantri')}"},
    )
    assert response.status_code == 200, response.get_json()
    for device in (tablet, laptop):
        assert device.disconnected.wait(15)
        assert device.of("farewell") == [{"code": "unauthorized", "message": "password reset; log in again"}]
    _present(chair, room, 3)
    assert chair.sio.connected and chair.of("farewell") == []
