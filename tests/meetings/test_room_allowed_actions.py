"""The room's allowed actions (meetings.workflow.ROOM_ACTIONS): what a join offers each person is what the
server then accepts from them, and a change of roles tells the devices of those it concerns."""

from __future__ import annotations

from typing import Any

import pytest

from meetings.workflow import RoomAction
from tests.meetings.conftest import build_room

PEOPLE = ("chutich", "thuky", "daibieu1", "khachmoi", "vanthu")
# A refusal that means "not you" or "not now": what an action not offered must get, and an offered one never.
REFUSED = {"forbidden", "invalid_state"}


def _attempts(room, people, vote_id: int | None) -> list[tuple[RoomAction, str, dict[str, Any]]]:
    """Each room action as its Socket.IO event, in an order where an offered one can go through."""
    document = {"document_id": room.document_id, "page": 1}
    note = {**document, "data": {"kind": "note", "text": "Ghi chú"}}
    return [
        (RoomAction.CHECK_IN, "check_in", {"mode": "in_person"}),
        (RoomAction.PRESENT, "present", document),
        (RoomAction.DESIGNATE_PRESENTER, "designate_presenter", {"user_id": None}),
        (RoomAction.AGENDA_GOTO, "agenda_goto", {"agenda_item_id": room.item_id}),
        (RoomAction.SPEAK_REQUEST, "speak_request", {}),
        (RoomAction.SPEAKERS_ORDER, "speakers_order", {"user_ids": []}),
        (RoomAction.SPEAK_WITHDRAW, "speak_withdraw", {}),
        (RoomAction.GIVE_FLOOR, "give_floor", {"user_id": people.chair.id}),
        (RoomAction.END_FLOOR, "end_floor", {}),
        (RoomAction.VOTE_CAST, "vote_cast", {"vote_id": vote_id or 1, "option": "Tán thành"}),
        (RoomAction.VOTE_CLOSE, "vote_close", {"vote_id": vote_id or 1}),
        (
            RoomAction.VOTE_OPEN,
            "vote_open",
            {"question": "Thông qua?", "options": ["Tán thành", "Không tán thành"], "is_secret": False},
        ),
        (RoomAction.ANNOTATE, "annotate", {**note, "shared": False}),
        (RoomAction.SHARE_ANNOTATION, "annotate", {**note, "shared": True}),
    ]


@pytest.mark.parametrize("started", [True, False], ids=["in_progress", "invited"])
def test_a_join_offers_each_person_exactly_the_room_actions_the_server_then_accepts(
    client, live_server, devices, people, started
):
    room = build_room(client, people, start=started)
    meeting = {"meeting_id": room.meeting_id}
    tablets = {username: devices(live_server, room.tokens[username]) for username in PEOPLE}
    offered = {
        name: set(tablet.call("join", meeting)["state"]["allowed_actions"])
        for name, tablet in tablets.items()
    }
    vote_id = None
    if started:
        opened = tablets["chutich"].call(
            "vote_open",
            {
                **meeting,
                "question": "Thông qua báo cáo?",
                "options": ["Tán thành", "Không tán thành"],
                "is_secret": False,
            },
        )
        vote_id = opened["vote_opened"]["vote_id"]

    wrong = []
    for action, event, data in _attempts(room, people, vote_id):
        for name, tablet in tablets.items():
            answer = tablet.call(event, {**meeting, **data})
            refused = not answer["ok"] and answer["error"]["code"] in REFUSED
            if refused == (action in offered[name]):
                wrong.append(
                    (name, str(action), "offered" if action in offered[name] else "not offered", answer)
                )
    assert wrong == []

    # The rule, as the chair, a delegate, a guest and the organiser see it.
    if started:
        assert offered["chutich"] == set(RoomAction)
        assert offered["thuky"] == set(RoomAction) - {RoomAction.VOTE_CAST}
        participant = {"check_in", "speak_request", "speak_withdraw", "annotate"}
        assert offered["daibieu1"] == participant | {"vote_cast"}
        assert offered["khachmoi"] == participant
    else:
        assert offered["chutich"] == {"check_in", "designate_presenter", "annotate", "share_annotation"}
        assert offered["daibieu1"] == {"check_in", "annotate"}
    assert offered["vanthu"] == {"annotate"}


def test_a_change_of_roles_tells_the_devices_of_those_it_concerns_what_they_may_do_now(
    client, live_server, devices, people
):
    room = build_room(client, people)
    meeting = {"meeting_id": room.meeting_id}
    chair = devices(live_server, room.tokens["chutich"])
    first, second, third = (devices(live_server, room.tokens[f"daibieu{n}"]) for n in (1, 2, 3))
    for tablet in (chair, first, second, third):
        assert tablet.call("join", meeting)["ok"]

    assert chair.call("designate_presenter", {**meeting, "user_id": people.delegates[0].id})["ok"]
    assert "present" in first.wait_for("allowed_actions", 1)[-1]["allowed_actions"]
    assert chair.call("designate_presenter", {**meeting, "user_id": people.delegates[1].id})["ok"]
    assert "present" not in first.wait_for("allowed_actions", 2)[-1]["allowed_actions"]
    assert "present" in second.wait_for("allowed_actions", 1)[-1]["allowed_actions"]

    # The organiser makes the third delegate a guest while the meeting runs: no vote for them now.
    participants = [
        {"user_id": d.id, "role": "guest" if d is people.delegates[2] else "delegate"}
        for d in people.delegates
    ]
    changed = client.patch(
        f"/api/v1/meetings/{room.meeting_id}",
        json={"participants": [*participants, {"user_id": people.guest.id, "role": "guest"}]},
        headers={"Authorization": f"Bearer {room.tokens['vanthu']}"},
    )
    assert changed.status_code == 200, changed.get_json()
    told = third.wait_for("allowed_actions", 1)[-1]["allowed_actions"]
    assert "vote_cast" not in told and told == third.call("join", meeting)["state"]["allowed_actions"]
    # Nobody else's role changed: their devices hear nothing more.
    assert len(first.of("allowed_actions")) == 2 and len(second.of("allowed_actions")) == 1
    assert chair.of("allowed_actions") == []
