"""Zulip's verify_action for the live room: after every room event, the state a device holds (its join
state with each broadcast applied, as the client applies it) equals the state a fresh join gives."""

from __future__ import annotations

from typing import Any

from meetings.live import MeetingNamespace
from tests.meetings.conftest import build_room

# The events that change the room: every handler of the namespace but those of a device's own session.
ROOM_EVENTS = {name[3:] for name in dir(MeetingNamespace) if name.startswith("on_")} - {
    "connect",
    "disconnect",
    "join",
    "leave",
}


def _apply(state: dict[str, Any], event: str, payload: dict[str, Any]) -> None:
    """What a device does with a broadcast (MeetingRoomView.vue and state/room.ts of the client)."""
    if event in ("presentation", "attendance", "speakers"):
        state[event] = payload
    elif event == "presenter":
        state["meeting"]["designated_presenter_id"] = payload["user_id"]
    elif event == "allowed_actions":
        state["allowed_actions"] = payload["allowed_actions"]
    elif event == "agenda":
        state["agenda"]["current_item_id"] = payload["agenda_item_id"]
    elif event == "vote_opened":
        state["vote"] = {**payload, "has_voted": payload.get("has_voted", False)}
    elif event == "vote_count":
        if state["vote"] is not None and state["vote"]["vote_id"] == payload["vote_id"]:
            state["vote"]["votes_cast"] = max(state["vote"]["votes_cast"], payload["votes_cast"])
    elif event == "vote_closed":
        state["vote"] = None
        fields = ("vote_id", "question", "options", "is_secret", "closed_at", "result")
        state["minutes"]["votes"].append({field: payload[field] for field in fields})
    elif event == "annotation":
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
    else:
        raise AssertionError(f"a room event the device does not know: {event}")


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

    def step(device, event: str, data: dict[str, Any], *broadcasts: str) -> dict[str, Any]:
        """The event, then the broadcasts the watcher receives in this order, applied as they arrive."""
        nonlocal seen
        taken.add(event)
        answer = device.call(event, {**meeting, **data})
        assert answer["ok"] is True, (event, answer)
        received = _next_events(watcher, seen + len(broadcasts))
        assert [name for name, _ in received[seen:]] == list(broadcasts), event
        for name, payload in received[seen:]:
            _apply(held, name, payload)
        seen = len(received)
        fresh = watcher.call("join", meeting)["state"]
        assert held == fresh, (event, _differences(held, fresh))
        return answer

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
    assert taken == ROOM_EVENTS


def _next_events(device, count: int) -> list[tuple[str, dict]]:
    with device.received:
        device.received.wait_for(lambda: len(device.events) >= count, 15)
        return list(device.events)


def _differences(held: dict, fresh: dict) -> dict:
    return {
        key: (held.get(key), fresh.get(key))
        for key in set(held) | set(fresh)
        if held.get(key) != fresh.get(key)
    }
