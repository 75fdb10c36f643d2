"""The live room's proceedings over real WebSocket clients: attendance and quorum, speakers, votes,
annotations and closing the meeting."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from eoffice.extensions import db
from meetings.models import SpeakerRequest, VoteCast, VoteTally
from tests.meetings.conftest import open_vote


def test_check_in_updates_attendance_and_quorum_live(live_server, devices, room, people):
    watcher = devices(live_server, room.tokens["khachmoi"])
    watcher.call("join", {"meeting_id": room.meeting_id})
    # Voting members: the chair and three delegates; quorum is more than half, so three.
    for number, username in enumerate(["chutich", "daibieu1", "daibieu2"], start=1):
        device = devices(live_server, room.tokens[username])
        mode = "online" if username == "daibieu2" else "in_person"
        answer = device.call("check_in", {"meeting_id": room.meeting_id, "mode": mode})
        assert answer["ok"] is True, answer
        attendance = watcher.wait_for("attendance", number)[-1]
        assert attendance["voting_present"] == number and attendance["voting_total"] == 4
        assert attendance["quorum_met"] is (number >= 3)
    modes = {entry["mode"] for event in watcher.of("attendance") for entry in event["changed"]}
    assert modes == {"in_person", "online"}
    assert watcher.call("check_in", {"meeting_id": room.meeting_id, "mode": "teleport"})["ok"] is False
    state = watcher.call("join", {"meeting_id": room.meeting_id})["state"]
    assert state["attendance"]["quorum_met"] is True and len(state["attendance"]["present"]) == 3


def test_the_chair_orders_the_speakers_and_gives_the_floor_with_a_timer(live_server, devices, room, people):
    chair = devices(live_server, room.tokens["chutich"])
    first, second = (
        devices(live_server, room.tokens["daibieu1"]),
        devices(live_server, room.tokens["daibieu2"]),
    )
    chair.call("join", {"meeting_id": room.meeting_id})
    meeting = {"meeting_id": room.meeting_id}
    assert first.call("speak_request", meeting)["ok"] and second.call("speak_request", meeting)["ok"]
    again = first.call("speak_request", meeting)
    assert again["ok"] is False and again["error"]["code"] == "already_requested"
    ids = [people.delegates[0].id, people.delegates[1].id]
    assert [q["user_id"] for q in chair.wait_for("speakers", 2)[-1]["queue"]] == ids
    assert first.call("speakers_order", {**meeting, "user_ids": ids[::-1]})["ok"] is False
    assert chair.call("speakers_order", {**meeting, "user_ids": [ids[0]]})["ok"] is False
    assert (
        chair.call("speakers_order", {**meeting, "user_ids": ids[::-1]})["speakers"]["queue"][0]["user_id"]
        == ids[1]
    )
    floor = chair.call("give_floor", {**meeting, "user_id": ids[1]})
    assert floor["ok"] is True
    current = floor["speakers"]["current"]
    assert current["user_id"] == ids[1] and current["started_at"]
    assert [q["user_id"] for q in floor["speakers"]["queue"]] == [ids[0]]
    assert first.call("speak_withdraw", meeting)["speakers"]["queue"] == []
    assert chair.wait_for("speakers", 5)[-1]["current"]["user_id"] == ids[1]
    assert chair.call("end_floor", meeting)["speakers"]["current"] is None
    db.session.rollback()
    statuses = db.session.scalars(select(SpeakerRequest.status).order_by(SpeakerRequest.id)).all()
    assert statuses == ["withdrawn", "done"]


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_each_voting_member_votes_once_and_late_votes_are_refused(live_server, devices, room, people, secret):
    tablets = {
        u: devices(live_server, room.tokens[u]) for u in ["chutich", "daibieu1", "daibieu2", "daibieu3"]
    }
    guest = devices(live_server, room.tokens["khachmoi"])
    guest.call("join", {"meeting_id": room.meeting_id})
    for username in ("chutich", "daibieu1", "daibieu2"):
        assert tablets[username].call("check_in", {"meeting_id": room.meeting_id})["ok"]
    vote_id = open_vote(tablets["chutich"], room.meeting_id, secret=secret)
    assert guest.wait_for("vote_opened", 1)[0]["is_secret"] is secret
    ballot = {"meeting_id": room.meeting_id, "vote_id": vote_id}
    assert tablets["daibieu1"].call("vote_cast", {**ballot, "option": "Tán thành"})["ok"]
    twice = tablets["daibieu1"].call("vote_cast", {**ballot, "option": "Không"})
    assert twice["ok"] is False and twice["error"]["code"] == "already_voted"
    assert tablets["daibieu2"].call("vote_cast", {**ballot, "option": "Tán thành"})["ok"]
    assert tablets["chutich"].call("vote_cast", {**ballot, "option": "Không"})["ok"]
    assert (
        tablets["daibieu3"].call("vote_cast", {**ballot, "option": "Không"})["error"]["code"]
        == "not_checked_in"
    )
    assert guest.call("vote_cast", {**ballot, "option": "Không"})["error"]["code"] == "forbidden"
    assert (
        tablets["daibieu2"].call("vote_cast", {**ballot, "option": "Có"})["error"]["code"]
        == "validation_error"
    )
    assert [c["votes_cast"] for c in guest.wait_for("vote_count", 3)] == [1, 2, 3]
    assert tablets["daibieu1"].call("vote_close", ballot)["ok"] is False
    closed = tablets["chutich"].call("vote_close", ballot)
    assert closed["ok"] is True
    result = guest.wait_for("vote_closed", 1)[0]["result"]
    assert result["counts"] == {"Tán thành": 2, "Không": 1, "Phiếu trắng": 0}
    assert result["votes_cast"] == 3 and result["present"] == 3 and result["eligible"] == 4
    assert result["quorum_met"] is True and result["passed"] is False  # 2 of 4 is not more than half
    tablets["daibieu3"].call("check_in", {"meeting_id": room.meeting_id})
    late = tablets["daibieu3"].call("vote_cast", {**ballot, "option": "Tán thành"})
    assert late["ok"] is False and late["error"]["code"] == "vote_closed"

    db.session.rollback()
    casts = db.session.execute(
        select(VoteCast.user_id, VoteCast.option).where(VoteCast.vote_id == vote_id)
    ).all()
    assert {user_id for user_id, _ in casts} == {
        people.chair.id,
        people.delegates[0].id,
        people.delegates[1].id,
    }
    if secret:
        # Who voted is known; what anyone chose is not, anywhere: only counters per option.
        assert {option for _, option in casts} == {None}
        assert not hasattr(VoteCast, "created_at") and not hasattr(VoteTally, "user_id")
    else:
        assert dict(casts)[people.chair.id] == "Không"
    tallies = dict(
        db.session.execute(
            select(VoteTally.option, VoteTally.count).where(VoteTally.vote_id == vote_id)
        ).all()
    )
    assert tallies == {"Tán thành": 2, "Không": 1, "Phiếu trắng": 0}


def test_private_annotations_reach_only_their_author_and_shared_ones_everyone(live_server, devices, room):
    mine, my_other_tablet = (
        devices(live_server, room.tokens["daibieu1"]),
        devices(live_server, room.tokens["daibieu1"]),
    )
    other, chair = devices(live_server, room.tokens["daibieu2"]), devices(live_server, room.tokens["chutich"])
    for device in (mine, my_other_tablet, other, chair):
        device.call("join", {"meeting_id": room.meeting_id})
    note = {
        "meeting_id": room.meeting_id,
        "document_id": room.document_id,
        "page": 2,
        "data": {"text": "Hỏi lại số liệu"},
    }
    assert mine.call("annotate", note)["ok"] is True
    assert my_other_tablet.wait_for("annotation", 1)[0]["data"] == {"text": "Hỏi lại số liệu"}
    assert mine.call("annotate", {**note, "shared": True})["error"]["code"] == "forbidden"
    assert mine.call("annotate", {**note, "page": 9})["ok"] is False
    assert chair.call("annotate", {**note, "shared": True, "data": {"highlight": [10, 20, 30, 40]}})["ok"]
    assert other.wait_for("annotation", 1)[0]["shared"] is True
    time.sleep(0.3)
    assert len(other.of("annotation")) == 1
    assert [
        a["shared"] for a in other.call("join", {"meeting_id": room.meeting_id})["state"]["annotations"]
    ] == [True]
    assert len(mine.call("join", {"meeting_id": room.meeting_id})["state"]["annotations"]) == 2


def test_closing_the_meeting_tells_every_device_in_the_room_at_once(
    client, live_server, devices, room, people
):
    chair, delegate, not_joined = (
        devices(live_server, room.tokens["chutich"]),
        devices(live_server, room.tokens["daibieu1"]),
        devices(live_server, room.tokens["daibieu2"]),
    )
    for device in (chair, delegate):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    opened = chair.call(
        "vote_open",
        {
            "meeting_id": room.meeting_id,
            "question": "Thông qua?",
            "options": ["Có", "Không"],
            "is_secret": False,
        },
    )
    assert opened["ok"], opened

    refused = client.post(
        f"/api/v1/meetings/{room.meeting_id}/close",
        headers={"Authorization": f"Bearer {room.tokens['daibieu1']}"},
    )
    assert refused.status_code == 403
    closed = client.post(
        f"/api/v1/meetings/{room.meeting_id}/close",
        headers={"Authorization": f"Bearer {room.tokens['vanthu']}"},
    )
    assert closed.status_code == 200

    for device in (chair, delegate):
        [status] = device.wait_for("meeting_status", 1)
        assert status["meeting_id"] == room.meeting_id and status["status"] == "closed"
        assert status["closed_at"] and status["started_at"]
        # What the event says is what a fresh join reads: closed, the vote closed with it.
        again = device.call("join", {"meeting_id": room.meeting_id})["state"]
        assert again["meeting"]["status"] == "closed" and again["vote"] is None
    # A device that did not join this meeting's room hears nothing of it; the refused step told nobody.
    assert not_joined.of("meeting_status") == []
    assert len(delegate.of("meeting_status")) == 1
