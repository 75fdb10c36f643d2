"""The /meetings Socket.IO contract with real clients over WebSocket against a real server."""

from __future__ import annotations

import threading
import time

import pytest
import socketio
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from eoffice import create_app
from eoffice.extensions import db
from meetings.models import Meeting, MinutesSection, SpeakerRequest, Vote, VoteCast, VoteTally
from tests.conftest import make_settings
from tests.meetings.conftest import build_room, live_server_for, start_server_process, stop_server_process


def _refresh():
    db.session.rollback()


def test_a_missing_or_invalid_token_is_refused_at_connect(live_server, devices):
    for token in (None, "not-a-token"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            devices(live_server, token)


def test_a_token_of_an_ended_session_is_refused_at_connect(client, live_server, devices, people):
    from tests.conftest import TEST_PASSWORD

    pair = client.post(
        "/api/v1/auth/login", json={"username": "daibieu1", "password": TEST_PASSWORD}
    ).get_json()
    devices(live_server, pair["access_token"])
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code == 204
    )
    with pytest.raises(socketio.exceptions.ConnectionError):
        devices(live_server, pair["access_token"])


def test_invitees_join_with_the_full_state_and_others_are_refused(live_server, devices, room):
    delegate = devices(live_server, room.tokens["daibieu1"])
    answer = delegate.call("join", {"meeting_id": room.meeting_id})
    assert answer["ok"] is True, answer
    state = answer["state"]
    assert set(state) >= {"presentation", "agenda", "attendance", "speakers", "vote", "documents"}
    assert state["presentation"]["seq"] == 0 and state["vote"] is None
    assert state["agenda"]["current_item_id"] == room.item_id
    assert [d["page_count"] for d in state["documents"]] == [5]

    outsider = devices(live_server, room.tokens["nguoingoai"])
    refused = outsider.call("join", {"meeting_id": room.meeting_id})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden" and refused["error"]["message"]
    for bad in (None, "x", {}, {"meeting_id": "1"}, {"meeting_id": True}, {"meeting_id": 999}):
        answer = outsider.call("join", bad)
        assert answer["ok"] is False and answer["error"]["code"] in ("validation_error", "not_found"), bad

    chair = devices(live_server, room.tokens["chutich"])
    chair.call("join", {"meeting_id": room.meeting_id})
    assert chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 2})[
        "ok"
    ]
    delegate.wait_for("presentation", 1)
    time.sleep(0.3)
    assert outsider.of("presentation") == []


def test_every_participant_device_gets_each_page_in_order_with_rising_seq(live_server, devices, room):
    chair = devices(live_server, room.tokens["chutich"])
    watchers = [
        devices(live_server, room.tokens["daibieu1"]),
        devices(live_server, room.tokens["daibieu1"]),  # the same delegate on a second tablet
        devices(live_server, room.tokens["khachmoi"]),
    ]
    for device in [chair, *watchers]:
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    pages = [1, 2, 3, 5, 4]
    for page in pages:
        answer = chair.call(
            "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page}
        )
        assert answer["ok"] is True, answer
    for device in [chair, *watchers]:
        received = device.wait_for("presentation", len(pages))
        assert [(p["page"], p["seq"]) for p in received] == list(zip(pages, range(1, 6), strict=True))
        assert all(
            p["presenter_id"]
            == chair.call("join", {"meeting_id": room.meeting_id})["state"]["meeting"]["chair_id"]
            and p["document_id"] == room.document_id
            and p["meeting_id"] == room.meeting_id
            for p in received[:1]
        )


def test_only_the_chair_secretary_or_designated_presenter_may_present(live_server, devices, room, people):
    chair = devices(live_server, room.tokens["chutich"])
    presenter = devices(live_server, room.tokens["daibieu1"])
    watcher = devices(live_server, room.tokens["daibieu3"])
    for device in (chair, presenter, watcher):
        device.call("join", {"meeting_id": room.meeting_id})
    move = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 3}
    refused = presenter.call("present", move)
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert (
        presenter.call(
            "designate_presenter", {"meeting_id": room.meeting_id, "user_id": people.delegates[0].id}
        )["ok"]
        is False
    )
    designated = chair.call(
        "designate_presenter", {"meeting_id": room.meeting_id, "user_id": people.delegates[0].id}
    )
    assert designated["ok"] is True
    assert presenter.call("present", move) == {"ok": True, "seq": 1}
    assert watcher.wait_for("presentation", 1)[0]["presenter_id"] == people.delegates[0].id
    assert watcher.call("present", move)["ok"] is False


def test_bad_presentation_input_answers_ok_false_and_changes_nothing(live_server, devices, room):
    chair = devices(live_server, room.tokens["chutich"])
    watcher = devices(live_server, room.tokens["daibieu2"])
    for device in (chair, watcher):
        device.call("join", {"meeting_id": room.meeting_id})
    good = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    cases = [
        ({**good, "page": 6}, "validation_error"),
        ({**good, "page": 0}, "validation_error"),
        ({**good, "page": "2"}, "validation_error"),
        ({**good, "page": 2.5}, "validation_error"),
        ({k: v for k, v in good.items() if k != "document_id"}, "validation_error"),
        ({**good, "document_id": 999}, "not_found"),
        ({**good, "meeting_id": 999}, "not_found"),
        ([1, 2], "validation_error"),
        (None, "validation_error"),
    ]
    for payload, code in cases:
        answer = chair.call("present", payload)
        assert answer["ok"] is False and answer["error"]["code"] == code, (payload, answer)
        assert answer["error"]["message"]
    time.sleep(0.3)
    assert watcher.of("presentation") == []
    _refresh()
    assert db.session.get(Meeting, room.meeting_id).presentation_seq == 0


def test_nul_text_and_ids_past_the_database_integer_are_refused_by_name_and_store_nothing(
    live_server, devices, room, people
):
    chair, secretary = (devices(live_server, room.tokens[name]) for name in ("chutich", "thuky"))
    for device in (chair, secretary):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    meeting = {"meeting_id": room.meeting_id}
    vote = {**meeting, "question": "Thông qua báo cáo?", "options": ["Đồng ý", "Không đồng ý"]}
    edit = {**meeting, "agenda_item_id": room.item_id, "version": 0, "text": "Nội dung"}
    too_big = 2**63
    cases = [
        (chair, "vote_open", {**vote, "question": "Thông qua\x00báo cáo?"}, "question"),
        (chair, "vote_open", {**vote, "options": ["Đồng ý", "Không\x00đồng ý"]}, "options"),
        (chair, "vote_open", {**vote, "meeting_id": too_big}, "meeting_id"),
        (chair, "vote_cast", {**meeting, "vote_id": too_big, "option": "Đồng ý"}, "vote_id"),
        (chair, "vote_cast", {**meeting, "vote_id": 1, "option": "Đồng\x00ý"}, "option"),
        (secretary, "minutes_edit", {**edit, "text": "Nội\x00dung"}, "text"),
        (secretary, "minutes_edit", {**edit, "conclusion": "Kết\x00luận"}, "conclusion"),
        (secretary, "minutes_edit", {**edit, "agenda_item_id": too_big}, "agenda_item_id"),
        (secretary, "minutes_edit", {**edit, "version": too_big}, "version"),
        (secretary, "speak_request", {"meeting_id": too_big}, "meeting_id"),
        (chair, "give_floor", {**meeting, "user_id": too_big}, "user_id"),
        (chair, "speakers_order", {**meeting, "user_ids": [people.secretary.id, too_big]}, "user_ids"),
        (chair, "present", {**meeting, "document_id": room.document_id, "page": too_big}, "page"),
    ]
    for device, name, payload, field in cases:
        answer = device.call(name, payload)
        assert answer["ok"] is False and answer["error"]["code"] == "validation_error", (name, answer)
        # Named as a REST route names it: details {json: {field: ...}}, the message "field: ..." (a list's
        # item "field.1: ...").
        assert list(answer["error"]["details"]["json"]) == [field], (name, answer)
        assert answer["error"]["message"].startswith((f"{field}:", f"{field}.")), (name, answer)
    _refresh()
    for model in (Vote, MinutesSection, SpeakerRequest):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert db.session.get(Meeting, room.meeting_id).presentation_seq == 0


def test_presenting_needs_a_meeting_in_progress(client, live_server, devices, people):
    room = build_room(client, people, start=False)
    chair = devices(live_server, room.tokens["chutich"])
    answer = chair.call(
        "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    )
    assert answer["ok"] is False and answer["error"]["code"] == "invalid_state"


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
    _refresh()
    statuses = db.session.scalars(select(SpeakerRequest.status).order_by(SpeakerRequest.id)).all()
    assert statuses == ["withdrawn", "done"]


def _open_vote(chair, meeting_id, *, secret: bool):
    answer = chair.call(
        "vote_open",
        {
            "meeting_id": meeting_id,
            "question": "Thông qua Nghị quyết?",
            "options": ["Tán thành", "Không", "Phiếu trắng"],
            "is_secret": secret,
        },
    )
    assert answer["ok"] is True, answer
    return answer["vote_opened"]["vote_id"]


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_each_voting_member_votes_once_and_late_votes_are_refused(live_server, devices, room, people, secret):
    tablets = {
        u: devices(live_server, room.tokens[u]) for u in ["chutich", "daibieu1", "daibieu2", "daibieu3"]
    }
    guest = devices(live_server, room.tokens["khachmoi"])
    guest.call("join", {"meeting_id": room.meeting_id})
    for username in ("chutich", "daibieu1", "daibieu2"):
        assert tablets[username].call("check_in", {"meeting_id": room.meeting_id})["ok"]
    vote_id = _open_vote(tablets["chutich"], room.meeting_id, secret=secret)
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

    _refresh()
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


def test_a_device_that_reconnects_gets_the_current_state_by_joining_again(live_server, devices, room, people):
    chair = devices(live_server, room.tokens["chutich"])
    chair.call("join", {"meeting_id": room.meeting_id})
    tablet = devices(live_server, room.tokens["daibieu1"])
    tablet.call("join", {"meeting_id": room.meeting_id})
    tablet.call("check_in", {"meeting_id": room.meeting_id})
    tablet.close()  # Wi-Fi drops
    for page in (2, 3):
        chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page})
    chair.call("check_in", {"meeting_id": room.meeting_id})
    chair.call("speak_request", {"meeting_id": room.meeting_id})
    vote_id = _open_vote(chair, room.meeting_id, secret=True)
    back = devices(live_server, room.tokens["daibieu1"])
    state = back.call("join", {"meeting_id": room.meeting_id})["state"]
    assert (state["presentation"]["page"], state["presentation"]["seq"]) == (3, 2)
    assert state["attendance"]["voting_present"] == 2
    assert [q["user_id"] for q in state["speakers"]["queue"]] == [people.chair.id]
    assert state["vote"]["vote_id"] == vote_id and state["vote"]["has_voted"] is False
    chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 4})
    assert back.wait_for("presentation", 1)[0]["seq"] == 3


def test_a_join_on_one_process_shows_what_another_process_changed_since(
    tmp_path, database_url, live_server, devices, room, people
):
    # The production server keeps what every join shares; this test process is "another process".
    process, other = start_server_process(tmp_path, "other", database_url, server="gunicorn")
    try:
        delegate = devices(other, room.tokens["daibieu1"])
        before = delegate.call("join", {"meeting_id": room.meeting_id})["state"]
        assert before["attendance"]["present"] == [] and before["speakers"]["queue"] == []
        assert before["annotations"] == [] and before["vote"] is None
        assert before["minutes"]["sections"][0]["text"] == ""

        chair = devices(live_server, room.tokens["chutich"])
        assert chair.call("check_in", {"meeting_id": room.meeting_id})["ok"]
        assert devices(live_server, room.tokens["daibieu2"]).call(
            "speak_request", {"meeting_id": room.meeting_id}
        )["ok"]
        shared = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1, "shared": True}
        assert chair.call("annotate", {**shared, "data": {"line": [0, 0, 1, 1]}})["ok"]
        vote_id = _open_vote(chair, room.meeting_id, secret=False)
        secretary = devices(live_server, room.tokens["thuky"])
        edit = {"meeting_id": room.meeting_id, "agenda_item_id": None, "version": 0, "text": "Khai mạc"}
        assert secretary.call("minutes_edit", edit)["ok"]

        for device in (delegate, devices(other, room.tokens["daibieu3"])):
            after = device.call("join", {"meeting_id": room.meeting_id})["state"]
            assert [p["user_id"] for p in after["attendance"]["present"]] == [people.chair.id]
            assert after["attendance"]["voting_present"] == 1
            assert [q["user_id"] for q in after["speakers"]["queue"]] == [people.delegates[1].id]
            assert [a["data"] for a in after["annotations"]] == [{"line": [0, 0, 1, 1]}]
            assert after["vote"]["vote_id"] == vote_id and after["vote"]["votes_cast"] == 0
            assert after["minutes"]["sections"][0]["text"] == "Khai mạc"
    finally:
        stop_server_process(process)


def test_a_join_costs_the_same_few_statements_however_many_have_joined(app, live_server, devices, room):
    usernames = ["chutich", "thuky", "daibieu1", "daibieu2", "daibieu3", "khachmoi"]
    tablets = [devices(live_server, room.tokens[username]) for username in usernames]
    joined = tablets[0].call("join", {"meeting_id": room.meeting_id})["state"]["attendance"]
    for tablet in tablets:
        assert tablet.call("check_in", {"meeting_id": room.meeting_id})["ok"]
    # The room is told of the check-ins after they commit: counted here, its reads would be a join's.
    assert len(tablets[0].attendance_shown(joined, len(usernames))["present"]) == len(usernames)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        per_join = []
        for tablet in tablets:
            before = len(statements)
            state = tablet.call("join", {"meeting_id": room.meeting_id})["state"]
            assert len(state["attendance"]["present"]) == len(usernames)
            per_join.append(len(statements) - before)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # The first join after the check-ins reads what everyone shares; every other join reads one row.
    assert per_join[0] > 1 and per_join[1:] == [1] * (len(usernames) - 1), per_join


def test_a_restarted_server_on_the_same_database_keeps_the_room(
    app, client, people, devices, database_url, tmp_path
):
    room = build_room(client, people)
    server = live_server_for(app)
    url = next(server)
    chair = devices(url, room.tokens["chutich"])
    chair.call("join", {"meeting_id": room.meeting_id})
    chair.call("check_in", {"meeting_id": room.meeting_id})
    chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 4})
    vote_id = _open_vote(chair, room.meeting_id, secret=False)
    chair.close()
    next(server, None)  # stop the first server

    restarted = create_app(make_settings(tmp_path / "second", EOFFICE_DATABASE_URL=database_url))
    second = live_server_for(restarted)
    url = next(second)
    try:
        chair = devices(url, room.tokens["chutich"])
        state = chair.call("join", {"meeting_id": room.meeting_id})["state"]
        assert (state["presentation"]["page"], state["presentation"]["seq"]) == (4, 1)
        assert state["attendance"]["voting_present"] == 1 and state["vote"]["vote_id"] == vote_id
        answer = chair.call(
            "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 5}
        )
        assert answer == {"ok": True, "seq": 2}
        chair.close()
    finally:
        next(second, None)


def test_two_changes_crossing_in_one_meeting_both_commit(app, room, people):
    """The chair gives the floor (ends one speech, then updates the next request) while that delegate
    withdraws it: both touch room rows in opposite order. The room version is raised at each commit,
    so neither waits for it while holding a row the other needs, and no deadlock kills either change."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    meeting = {"m": room.meeting_id}
    version = text("SELECT version FROM meeting_room_versions WHERE meeting_id = :m")
    touch = text("UPDATE meeting_participants SET role = role WHERE meeting_id = :m AND user_id = :u")
    first, second = people.delegates[0].id, people.delegates[1].id
    with db.engine.connect() as chair, db.engine.connect() as delegate:
        before = chair.scalar(version, meeting)
        chair.rollback()
        chair.execute(touch, {**meeting, "u": first})
        outcome = {}

        def withdraw():
            try:
                delegate.execute(touch, {**meeting, "u": second})
                delegate.commit()
                outcome["delegate"] = "committed"
            except DBAPIError as exc:  # the deadlock detector's victim
                outcome["delegate"] = repr(exc)
                delegate.rollback()

        thread = threading.Thread(target=withdraw)
        thread.start()
        time.sleep(0.3)
        # Waits for the delegate's row until the delegate commits.
        chair.execute(touch, {**meeting, "u": second})
        chair.commit()
        thread.join(timeout=10)
        assert outcome == {"delegate": "committed"}
        assert chair.scalar(version, meeting) == before + 3


def test_a_join_counts_the_vote_its_shared_part_shows(app, room, people):
    """The shared part may be read just after the join's own statement: if the chair closed one vote
    and opened another in between, the joining tablet gets the new vote's count and may vote in it."""
    from dataclasses import replace

    from meetings.models import Vote
    from meetings.room.state import RoomStates, join_state
    from meetings.room.votes import vote_head

    delegate = people.delegates[0]
    first = Vote(
        meeting_id=room.meeting_id,
        question="Thông qua?",
        options=["Có", "Không"],
        opened_by_id=people.chair.id,
    )
    later = Vote(
        meeting_id=room.meeting_id,
        question="Thông qua lần hai?",
        options=["Có", "Không"],
        opened_by_id=people.chair.id,
        is_open=False,
    )
    db.session.add_all([first, later])
    db.session.flush()
    db.session.add(VoteCast(vote_id=first.id, user_id=delegate.id, option="Có"))
    db.session.commit()

    class ReadAfterTheSwitch(RoomStates):
        def shared(self, meeting_id, version):
            # What a read after the switch holds: the second vote open (its head), newer than the statement.
            kept = super().shared(meeting_id, version)
            return replace(kept, version=version + 2, open_vote={**vote_head(later), "is_open": True})

    state = join_state(room.meeting_id, delegate.id, ReadAfterTheSwitch())
    assert state["vote"]["vote_id"] == later.id
    assert (state["vote"]["votes_cast"], state["vote"]["has_voted"]) == (0, False)
    # Without a switch the statement's own count stands.
    state = join_state(room.meeting_id, delegate.id, RoomStates())
    assert (state["vote"]["vote_id"], state["vote"]["votes_cast"], state["vote"]["has_voted"]) == (
        first.id,
        1,
        True,
    )
