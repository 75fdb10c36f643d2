"""The /meetings Socket.IO namespace, joined by real clients over WebSocket against a real server:
who may connect and join, and the state a join gives after a reconnect, a restart or another
process's change."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest
import socketio
from sqlalchemy import event

from eoffice import create_app
from eoffice.extensions import db
from meetings.models import Vote, VoteCast
from tests.conftest import make_settings
from tests.meetings.conftest import (
    build_room,
    live_server_for,
    open_vote,
    start_server_process,
    stop_server_process,
)


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
    vote_id = open_vote(chair, room.meeting_id, secret=True)
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
        vote_id = open_vote(chair, room.meeting_id, secret=False)
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
        # The session's engine, and the autocommit one when it has a pool of its own (PostgreSQL).
        autocommit = app.extensions["eoffice"]["autocommit"]
        engines = [db.engine] + ([autocommit] if autocommit.pool is not db.engine.pool else [])
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        per_join = []
        for tablet in tablets:
            before = len(statements)
            state = tablet.call("join", {"meeting_id": room.meeting_id})["state"]
            assert len(state["attendance"]["present"]) == len(usernames)
            per_join.append(len(statements) - before)
    finally:
        for engine in engines:
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
    vote_id = open_vote(chair, room.meeting_id, secret=False)
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


def test_a_join_counts_the_vote_its_shared_part_shows(app, room, people):
    """The shared part may be read just after the join's own statement: if the chair closed one vote
    and opened another in between, the joining tablet gets the new vote's count and may vote in it."""
    from dataclasses import replace

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


class HeldFirstRead:
    """A Coalesced read function replaced by one that holds its first read until let go, recording the
    keys of every read; `asked` waits until that many callers wait behind the held read."""

    def __init__(self, app, monkeypatch, module, function: str, reads_name: str):
        self.app, self.reads_name = app, reads_name
        self.read = getattr(module, function)
        self.reads: list[list] = []
        self.reading, self.go_on = threading.Event(), threading.Event()
        monkeypatch.setattr(module, function, self)

    def __call__(self, keys):
        self.reads.append(list(keys))
        if len(self.reads) == 1:
            self.reading.set()
            assert self.go_on.wait(10)
        return self.read(keys)

    def let_go_once_asked(self, count: int) -> None:
        coalesced = self.app.extensions["eoffice"][self.reads_name]
        for _ in range(1000):
            if len(coalesced._asked) == count:
                break
            time.sleep(0.01)
        self.go_on.set()


def in_threads(calls: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Each call in a thread of its own; what it returned or raised, by name."""
    outcome: dict[str, object] = {}

    def run(name: str) -> None:
        try:
            outcome[name] = calls[name]()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcome[name] = error

    threads = {name: threading.Thread(target=run, args=(name,)) for name in calls}
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(20)
    return outcome


def test_connections_arriving_together_are_checked_in_one_read_each_with_its_own_verdict(
    app, client, live_server, devices, people, monkeypatch
):
    """A hall's tablets connecting at once: those arriving while a token check is out are checked by one
    read after it, and each is let in or refused as if alone."""
    from eoffice.auth import session as auth_session
    from eoffice.devices.models import Device as DeviceRow
    from tests.conftest import TEST_PASSWORD

    def log_in(username: str, **headers) -> dict:
        answer = client.post(
            "/api/v1/auth/login", json={"username": username, "password": TEST_PASSWORD}, headers=headers
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    first, alone = log_in("daibieu1"), log_in("daibieu2")
    tablet_id = str(uuid.uuid4())
    tablet = log_in("daibieu3", **{"X-Device-Id": tablet_id, "X-Device-Name": "iPad 1"})
    ended = log_in("daibieu2")
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": ended["refresh_token"]}).status_code == 204
    )
    held = HeldFirstRead(app, monkeypatch, auth_session, "_read_connections", "connection_reads")

    leader = threading.Thread(target=devices, args=(live_server, first["access_token"]))
    leader.start()
    assert held.reading.wait(10)
    calls = {
        "alone": lambda: devices(live_server, alone["access_token"]),
        "ended": lambda: devices(live_server, ended["access_token"]),
        "tablet": lambda: devices(live_server, tablet["access_token"], device_id=tablet_id),
    }
    threading.Thread(target=held.let_go_once_asked, args=(3,)).start()
    outcome = in_threads(calls)
    leader.join(20)

    assert [len(keys) for keys in held.reads] == [1, 3]
    assert isinstance(outcome["ended"], socketio.exceptions.ConnectionError)
    for name in ("alone", "tablet"):
        assert outcome[name].sio.connected, (name, outcome[name])
    with app.app_context():
        row = db.session.scalar(db.select(DeviceRow).where(DeviceRow.device_id == tablet_id))
        assert row is not None and row.name == "iPad 1"


def test_joins_arriving_together_are_read_in_one_statement_each_with_its_own_answer(
    app, live_server, devices, room, monkeypatch
):
    from meetings.room import state

    held = HeldFirstRead(app, monkeypatch, state, "_read_joins", "join_reads")
    tablets = {
        name: devices(live_server, room.tokens[name]) for name in ("chutich", "daibieu1", "nguoingoai")
    }
    leader = threading.Thread(target=tablets["chutich"].call, args=("join", {"meeting_id": room.meeting_id}))
    leader.start()
    assert held.reading.wait(10)
    calls = {
        "delegate": lambda: tablets["daibieu1"].call("join", {"meeting_id": room.meeting_id}),
        "outsider": lambda: tablets["nguoingoai"].call("join", {"meeting_id": room.meeting_id}),
        "no such meeting": lambda: tablets["daibieu1"].call("join", {"meeting_id": room.meeting_id + 1000}),
    }
    threading.Thread(target=held.let_go_once_asked, args=(3,)).start()
    outcome = in_threads(calls)
    leader.join(20)

    assert [len(keys) for keys in held.reads] == [1, 3]
    assert outcome["delegate"]["ok"] and outcome["delegate"]["state"]["meeting"]["my_role"] == "delegate"
    assert outcome["outsider"]["error"]["code"] == "forbidden"
    assert outcome["no such meeting"]["error"]["code"] == "not_found"
    # The delegate is in the room: he hears the chair's page.
    chair = tablets["chutich"]
    assert chair.call("present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 3})[
        "ok"
    ]
    assert tablets["daibieu1"].wait_for("presentation", 1)[-1]["page"] == 3
