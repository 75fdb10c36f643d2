"""Zulip's verify_action for the live room: after every room event, the state a device holds (its join
state with each broadcast applied, as the client applies it) equals the state a fresh join gives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from meetings.live import MeetingNamespace
from tests.meetings.conftest import apply_attendance, build_room

# The broadcasts a device listens to (the client's ROOM_EVENTS, frontend/src/api/room.ts).
CLIENT_EVENTS = set(
    re.findall(
        r'"(\w+)"',
        re.search(
            r"ROOM_EVENTS = \[(.*?)\]",
            (Path(__file__).parents[2] / "frontend/src/api/room.ts").read_text(),
            re.S,
        ).group(1),
    )
)

# The events that change the room: every handler of the namespace but those of a device's own session
# (and `attendance_full`, a device's own read of the attendance: test_room_attendance.py).
ROOM_EVENTS = {name[3:] for name in dir(MeetingNamespace) if name.startswith("on_")} - {
    "connect",
    "disconnect",
    "join",
    "leave",
    "attendance_full",
}


def _apply(state: dict[str, Any], event: str, payload: dict[str, Any]) -> bool:
    """What a device does with a broadcast (MeetingRoomView.vue and state/room.ts of the client); True when
    it then joins again."""
    if event == "presentation":
        # Only a newer page than the one shown (room.applyPresentation).
        if payload["seq"] > state["presentation"]["seq"]:
            state["presentation"] = payload
    elif event == "attendance":
        state["attendance"] = apply_attendance(state["attendance"], payload)
    elif event == "speakers":
        state["speakers"] = payload
    elif event == "presenter":
        state["meeting"]["designated_presenter_id"] = payload["user_id"]
    elif event == "allowed_actions":
        state["allowed_actions"] = payload["allowed_actions"]
    elif event == "agenda":
        state["agenda"]["current_item_id"] = payload["agenda_item_id"]
    elif event == "vote_opened":
        state["vote"] = {**payload, "has_voted": payload.get("has_voted", False)}
    elif event == "vote_count":
        vote = state["vote"]
        if vote is not None and vote["vote_id"] == payload["vote_id"] and vote["is_open"]:
            vote["votes_cast"] = max(vote["votes_cast"], payload["votes_cast"])
    elif event == "vote_closed":
        state["vote"] = None
        fields = ("vote_id", "question", "options", "is_secret", "closed_at", "result")
        state["minutes"]["votes"].append({field: payload[field] for field in fields})
    elif event == "annotation":
        if all(a["id"] != payload["id"] for a in state["annotations"]):
            state["annotations"].append(payload)
    elif event == "annotation_deleted":
        state["annotations"] = [a for a in state["annotations"] if a["id"] != payload["id"]]
    elif event == "minutes_section":
        section = {k: v for k, v in payload.items() if k not in ("meeting_id", "seq")}
        state["minutes"]["seq"] = payload["seq"]
        state["minutes"]["sections"] = [
            section if s["agenda_item_id"] == section["agenda_item_id"] else s
            for s in state["minutes"]["sections"]
        ]
    elif event == "minutes_status":
        # Only a newer status than the one held (minutes.applyStatus).
        if state["minutes"] is not None and payload["seq"] > state["minutes"]["seq"]:
            state["minutes"].update(payload)
    elif event == "meeting_status":
        # The device takes the step, then joins again for what the step changed (MeetingRoomView.vue).
        state["meeting"]["status"] = payload["status"]
        return True
    else:
        raise AssertionError(f"a room event the device does not know: {event}")
    return False


def test_every_room_event_leaves_a_device_with_the_state_a_fresh_join_gives(
    client, live_server, devices, people
):
    room = build_room(client, people)
    meeting = {"meeting_id": room.meeting_id}
    chair, secretary, watcher = (
        devices(live_server, room.tokens[name]) for name in ("chutich", "thuky", "daibieu1")
    )
    for device in (chair, secretary):
        assert device.call("join", meeting)["ok"]
    held = watcher.call("join", meeting)["state"]
    seen = 0
    taken = set()

    def told(what: str, *broadcasts: str) -> None:
        """The broadcasts the watcher receives in this order, applied as they arrive: then a fresh join."""
        nonlocal seen
        received = _next_events(watcher, seen + len(broadcasts))
        assert [name for name, _ in received[seen:]] == list(broadcasts), what
        rejoins = [_apply(held, name, payload) for name, payload in received[seen:]]
        seen = len(received)
        fresh = watcher.call("join", meeting)["state"]
        if any(rejoins):
            # What the event says agrees with the join that follows it, which the device then holds.
            assert held["meeting"]["status"] == fresh["meeting"]["status"], what
            held.clear()
            held.update(fresh)
        # The attendance's version orders attendance events; every other change of the room raises it too.
        assert held["attendance"]["version"] <= fresh["attendance"]["version"], what
        held_now, fresh_now = _without_attendance_version(held), _without_attendance_version(fresh)
        assert held_now == fresh_now, (what, _differences(held_now, fresh_now))

    def step(device, event: str, data: dict[str, Any], *broadcasts: str) -> dict[str, Any]:
        taken.add(event)
        answer = device.call(event, {**meeting, **data})
        assert answer["ok"] is True, (event, answer)
        told(event, *broadcasts)
        return answer

    def rest(token: str, path: str, *broadcasts: str, **body) -> None:
        """A change made over REST, which the room hears too."""
        headers = {"Authorization": f"Bearer {room.tokens[token]}"}
        response = client.post(f"/api/v1/meetings/{room.meeting_id}/{path}", json=body, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        told(path, *broadcasts)

    step(chair, "present", {"document_id": room.document_id, "page": 3}, "presentation")
    # The watcher is the one designated: besides the room's broadcast, its devices learn they may present.
    assert "present" not in held["allowed_actions"]
    step(chair, "designate_presenter", {"user_id": people.delegates[0].id}, "presenter", "allowed_actions")
    assert {"present", "share_annotation"} <= set(held["allowed_actions"])
    step(chair, "agenda_goto", {"agenda_item_id": room.item_id}, "agenda")
    step(watcher, "check_in", {"mode": "in_person"}, "attendance")
    step(chair, "check_in", {"mode": "online"}, "attendance")
    step(watcher, "speak_request", {}, "speakers")
    step(chair, "give_floor", {"user_id": people.delegates[0].id}, "speakers")
    step(chair, "end_floor", {}, "speakers")
    step(watcher, "speak_request", {}, "speakers")
    step(chair, "speak_request", {}, "speakers")
    step(chair, "speakers_order", {"user_ids": [people.chair.id, people.delegates[0].id]}, "speakers")
    step(watcher, "speak_withdraw", {}, "speakers")
    vote_id = step(
        chair,
        "vote_open",
        {"question": "Thông qua báo cáo?", "options": ["Đồng ý", "Không đồng ý"], "is_secret": False},
        "vote_opened",
    )["vote_opened"]["vote_id"]
    step(chair, "vote_cast", {"vote_id": vote_id, "option": "Đồng ý"}, "vote_count")
    step(chair, "vote_close", {"vote_id": vote_id}, "vote_closed")
    shared = step(
        chair,
        "annotate",
        {"document_id": room.document_id, "page": 1, "shared": True, "data": {"highlight": [1, 2, 3, 4]}},
        "annotation",
    )["annotation"]
    step(chair, "annotation_delete", {"annotation_id": shared["id"]}, "annotation_deleted")
    step(
        secretary,
        "minutes_edit",
        {"agenda_item_id": room.item_id, "version": 0, "text": "Nội dung"},
        "minutes_section",
    )
    # A private note: its author's devices only.
    step(
        watcher,
        "annotate",
        {"document_id": room.document_id, "page": 2, "data": {"kind": "note", "text": "Hỏi lại"}},
        "annotation",
    )
    assert taken == ROOM_EVENTS
    rest("vanthu", "close", "meeting_status")
    rest("thuky", "minutes/submit", "minutes_status")
    rest("chutich", "minutes/return", "minutes_status", comment="Bổ sung kết luận")
    assert {name for name, _ in watcher.events} == CLIENT_EVENTS


def _next_events(device, count: int) -> list[tuple[str, dict]]:
    with device.received:
        device.received.wait_for(lambda: len(device.events) >= count, 15)
        return list(device.events)


def _without_attendance_version(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "attendance": {k: v for k, v in state["attendance"].items() if k != "version"}}


def _differences(held: dict, fresh: dict) -> dict:
    return {
        key: (held.get(key), fresh.get(key))
        for key in set(held) | set(fresh)
        if held.get(key) != fresh.get(key)
    }
