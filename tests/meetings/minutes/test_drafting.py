"""Live minutes: written by the secretary in the room, seen by every device, in order, once."""

from __future__ import annotations

import threading
import time

from eoffice import create_app
from meetings.minutes.operations import MAX_TEXT
from tests.conftest import make_settings
from tests.meetings.conftest import add_confidential_item, build_room, live_server_for
from tests.meetings.minutes.helpers import (
    CONCLUSION,
    GENERAL,
    REPORT,
    bearer,
    edit,
    joined,
    minutes_row,
    sections_by_item,
)


def test_the_secretarys_minutes_reach_every_device_in_order(live_server, devices, room):
    secretary, second_tablet, chair, delegate, guest = joined(
        live_server, devices, room, "thuky", "thuky", "chutich", "daibieu1", "khachmoi"
    )
    outsider = devices(live_server, room.tokens["nguoingoai"])
    assert outsider.call("join", {"meeting_id": room.meeting_id})["ok"] is False
    state = delegate.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
    assert (state["status"], state["seq"]) == ("draft", 0)
    assert [(s["agenda_item_id"], s["version"], s["text"]) for s in state["sections"]] == [
        (None, 0, ""),
        (room.item_id, 0, ""),
    ]

    answers = [
        edit(secretary, room, 0, text="Đồng chí Chủ tịch khai mạc."),
        edit(second_tablet, room, 0, room.item_id, text=REPORT),
        edit(secretary, room, 1, room.item_id, conclusion=CONCLUSION),
        edit(secretary, room, 1, text=GENERAL),
    ]
    assert answers == [
        {"ok": True, "seq": 1, "version": 1},
        {"ok": True, "seq": 2, "version": 1},
        {"ok": True, "seq": 3, "version": 2},
        {"ok": True, "seq": 4, "version": 2},
    ]
    for device in (secretary, second_tablet, chair, delegate, guest):
        received = device.wait_for("minutes_section", 4)
        assert [(e["seq"], e["agenda_item_id"], e["version"]) for e in received] == [
            (1, None, 1),
            (2, room.item_id, 1),
            (3, room.item_id, 2),
            (4, None, 2),
        ]
        # An edit of the conclusion alone keeps the text written before it.
        assert (received[2]["text"], received[2]["conclusion"]) == (REPORT, CONCLUSION)
        assert received[3]["text"] == GENERAL and received[3]["meeting_id"] == room.meeting_id
        assert received[3]["updated_by_id"] is not None and received[3]["updated_at"]
    time.sleep(0.3)
    assert outsider.of("minutes_section") == []
    sections = sections_by_item()
    assert (sections[None].text, sections[None].version) == (GENERAL, 2)
    assert (sections[room.item_id].text, sections[room.item_id].conclusion) == (REPORT, CONCLUSION)
    assert minutes_row().seq == 4


def test_a_stale_edit_is_refused_with_the_current_section_and_loses_no_text(live_server, devices, room):
    tablet_a, tablet_b, watcher = joined(live_server, devices, room, "thuky", "thuky", "daibieu2")
    assert edit(tablet_a, room, 0, room.item_id, text="Bản ghi của máy A.")["ok"] is True
    refused = edit(tablet_b, room, 0, room.item_id, text="Bản ghi của máy B.")
    assert refused["ok"] is False and refused["error"]["code"] == "stale_version"
    assert refused["error"]["message"] and refused["version"] == 1
    assert refused["section"]["text"] == "Bản ghi của máy A." and refused["section"]["version"] == 1
    merged = "Bản ghi của máy A.\nBản ghi của máy B."
    assert edit(tablet_b, room, refused["version"], room.item_id, text=merged) == {
        "ok": True,
        "seq": 2,
        "version": 2,
    }
    assert [e["text"] for e in watcher.wait_for("minutes_section", 2)] == ["Bản ghi của máy A.", merged]
    time.sleep(0.3)
    assert len(watcher.of("minutes_section")) == 2

    # Both devices send at the same instant from the same version: one wins, the other is told.
    results: list[dict] = []
    start = threading.Barrier(2)

    def send(device, text):
        start.wait()
        results.append(edit(device, room, 2, room.item_id, text=text))

    senders = [
        threading.Thread(target=send, args=(tablet_a, merged + "\nThêm từ máy A.")),
        threading.Thread(target=send, args=(tablet_b, merged + "\nThêm từ máy B.")),
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(20)
    assert sorted(r["ok"] for r in results) == [False, True], results
    winner = next(r for r in results if r["ok"])
    loser = next(r for r in results if not r["ok"])
    assert winner["version"] == 3 and loser["error"]["code"] == "stale_version" and loser["version"] == 3
    section = sections_by_item()[room.item_id]
    assert section.version == 3 and section.text == loser["section"]["text"]
    assert minutes_row().seq == 3


def test_a_device_that_reconnects_or_a_restarted_server_gets_the_minutes(
    app, client, people, devices, database_url, tmp_path
):
    room = build_room(client, people)
    server = live_server_for(app)
    url = next(server)
    secretary, tablet = joined(url, devices, room, "thuky", "daibieu1")
    tablet.close()  # Wi-Fi drops
    edit(secretary, room, 0, text=GENERAL)
    edit(secretary, room, 0, room.item_id, text=REPORT, conclusion=CONCLUSION)
    back = joined(url, devices, room, "daibieu1")[0]
    minutes = back.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
    assert minutes["seq"] == 2
    assert [(s["text"], s["conclusion"], s["version"]) for s in minutes["sections"]] == [
        (GENERAL, "", 1),
        (REPORT, CONCLUSION, 1),
    ]
    secretary.close()
    back.close()
    next(server, None)

    restarted = create_app(make_settings(tmp_path / "second", EOFFICE_DATABASE_URL=database_url))
    second = live_server_for(restarted)
    url = next(second)
    try:
        secretary, tablet = joined(url, devices, room, "thuky", "daibieu1")
        minutes = tablet.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
        assert minutes["seq"] == 2 and minutes["sections"][1]["conclusion"] == CONCLUSION
        assert edit(secretary, room, 1, room.item_id, text=REPORT + " Đạt kế hoạch.")["seq"] == 3
        assert tablet.wait_for("minutes_section", 1)[0]["seq"] == 3
        secretary.close()
        tablet.close()
    finally:
        next(second, None)


def test_bad_minutes_edits_answer_ok_false_and_change_nothing(client, live_server, devices, room, people):
    secretary, chair, delegate, watcher = joined(
        live_server, devices, room, "thuky", "chutich", "daibieu1", "khachmoi"
    )
    good = {"meeting_id": room.meeting_id, "agenda_item_id": room.item_id, "version": 0, "text": "Nội dung"}
    cases = [
        (None, "validation_error"),
        ([1, 2], "validation_error"),
        ({k: v for k, v in good.items() if k != "meeting_id"}, "validation_error"),
        ({**good, "meeting_id": 999}, "not_found"),
        ({k: v for k, v in good.items() if k != "agenda_item_id"}, "validation_error"),
        ({**good, "agenda_item_id": "1"}, "validation_error"),
        ({**good, "agenda_item_id": 999}, "not_found"),
        ({k: v for k, v in good.items() if k != "version"}, "validation_error"),
        ({**good, "version": -1}, "validation_error"),
        ({**good, "version": "0"}, "validation_error"),
        ({**good, "version": True}, "validation_error"),
        ({**good, "text": 5}, "validation_error"),
        ({**good, "text": None}, "validation_error"),
        ({**good, "conclusion": ["a"]}, "validation_error"),
        ({k: v for k, v in good.items() if k != "text"}, "validation_error"),
        ({**good, "text": "x" * (MAX_TEXT + 1)}, "validation_error"),
    ]
    for payload, code in cases:
        answer = secretary.call("minutes_edit", payload)
        assert answer["ok"] is False and answer["error"]["code"] == code, (str(payload)[:80], answer)
        assert answer["error"]["message"]
    for device in (chair, delegate, watcher):
        answer = device.call("minutes_edit", good)
        assert answer["ok"] is False and answer["error"]["code"] == "forbidden", answer
    time.sleep(0.3)
    assert watcher.of("minutes_section") == []
    assert sections_by_item() == {} and minutes_row().seq == 0

    not_started = build_room(client, people, start=False)
    answer = secretary.call(
        "minutes_edit", {**good, "meeting_id": not_started.meeting_id, "agenda_item_id": None}
    )
    assert answer["ok"] is False and answer["error"]["code"] == "invalid_state"
    assert secretary.call("join", {"meeting_id": not_started.meeting_id})["state"]["minutes"] is None


def test_a_confidential_items_minutes_reach_only_its_named_people(client, live_server, devices, room, people):
    secret_id = add_confidential_item(client, room, [people.secretary.id, people.delegates[1].id])
    secretary, named, other, chair = joined(
        live_server, devices, room, "thuky", "daibieu2", "daibieu1", "chutich"
    )
    assert edit(secretary, room, 0, secret_id, text="Nhận xét nhân sự.")["ok"] is True
    assert edit(secretary, room, 0, text=GENERAL)["ok"] is True
    assert [e["agenda_item_id"] for e in named.wait_for("minutes_section", 2)] == [secret_id, None]
    assert [e["agenda_item_id"] for e in other.wait_for("minutes_section", 1)] == [None]
    time.sleep(0.3)
    assert len(other.of("minutes_section")) == 1 and len(chair.of("minutes_section")) == 1

    def section_ids(device):
        state = device.call("join", {"meeting_id": room.meeting_id})["state"]["minutes"]
        return [s["agenda_item_id"] for s in state["sections"]]

    assert section_ids(named) == [None, room.item_id, secret_id]
    assert section_ids(other) == [None, room.item_id]
    rest = client.get(f"/api/v1/meetings/{room.meeting_id}/minutes", headers=bearer(room, "daibieu1"))
    assert [s["agenda_item_id"] for s in rest.get_json()["sections"]] == [None, room.item_id]
    # The secretary writes only the confidential items they are named on.
    hidden = client.post(
        f"/api/v1/meetings/{room.meeting_id}/agenda",
        json={"title": "Kỷ luật", "is_confidential": True, "named_user_ids": [people.delegates[1].id]},
        headers=bearer(room, "vanthu"),
    ).get_json()["id"]
    assert edit(secretary, room, 0, hidden, text="x")["error"]["code"] == "not_found"
