"""Check-ins in the live room: recorded once, told to the room together, and every device ends at the true
count whatever the order its `attendance` events arrive in."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from eoffice.extensions import db, socketio
from meetings.broadcasts import NAMESPACE
from meetings.models import MeetingParticipant
from tests.meetings.conftest import apply_attendance

EVERYONE = ["chutich", "thuky", "daibieu1", "daibieu2", "daibieu3", "khachmoi"]


def _check_in(device, meeting_id: int, answers: list) -> None:
    answers.append(device.call("check_in", {"meeting_id": meeting_id, "mode": "in_person"}))


def test_attendance_events_arriving_in_reverse_order_leave_a_device_at_the_true_count(
    live_server, devices, room, people
):
    watcher = devices(live_server, room.tokens["khachmoi"])
    joined = watcher.call("join", {"meeting_id": room.meeting_id})["state"]["attendance"]
    voting = ["chutich", "daibieu1", "daibieu2", "daibieu3"]
    for number, username in enumerate(voting, start=1):
        answer = devices(live_server, room.tokens[username]).call(
            "check_in", {"meeting_id": room.meeting_id, "mode": "online"}
        )
        assert answer["ok"] is True and answer["checked_in"]["mode"] == "online", answer
        watcher.wait_for("attendance", number)
    # Each event names its own check-in: this device gets them newest first (two processes, greenlets).
    held = joined
    for event in reversed(watcher.of("attendance")):
        held = apply_attendance(held, event)
    fresh = watcher.call("join", {"meeting_id": room.meeting_id})["state"]["attendance"]
    assert held == fresh
    assert held["voting_present"] == len(voting) and held["quorum_met"] is True
    assert [entry["user_id"] for entry in held["present"]] == sorted(
        [people.chair.id, *(d.id for d in people.delegates)]
    )


def test_a_burst_of_check_ins_is_told_in_one_event_that_every_device_merges(
    monkeypatch, live_server, devices, room, people
):
    watchers = [devices(live_server, room.tokens[name]) for name in ("vanthu", "khachmoi")]
    joined = [w.call("join", {"meeting_id": room.meeting_id})["state"]["attendance"] for w in watchers]
    # The room's sender waits until every check-in of the burst is acknowledged: the burst falls within
    # one interval however slowly this machine runs it.
    burst_acknowledged = threading.Event()
    attendance = socketio.server.namespace_handlers[NAMESPACE].attendance
    monkeypatch.setattr(attendance, "_sleep", lambda seconds: burst_acknowledged.wait(15))
    # Two tablets of one delegate check in at once too.
    tablets = [devices(live_server, room.tokens[name]) for name in [*EVERYONE, "daibieu1"]]
    answers: list[dict] = []
    threads = [threading.Thread(target=_check_in, args=(t, room.meeting_id, answers)) for t in tablets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == len(tablets) and all(answer["ok"] for answer in answers), answers
    burst_acknowledged.set()

    for watcher, state in zip(watchers, joined, strict=True):
        shown = watcher.attendance_shown(state, len(EVERYONE))
        assert len(shown["present"]) == len(EVERYONE)
        assert shown["voting_present"] == shown["voting_total"] == 4 and shown["quorum_met"] is True
        assert len(watcher.of("attendance")) == 1
    db.session.rollback()
    of_meeting = MeetingParticipant.meeting_id == room.meeting_id
    checked_in = db.session.scalars(
        select(MeetingParticipant.user_id).where(of_meeting, MeetingParticipant.checked_in_at.is_not(None))
    ).all()
    assert sorted(checked_in) == sorted(
        [people.chair.id, people.secretary.id, *(d.id for d in people.delegates), people.guest.id]
    )
    rows = db.session.scalar(select(func.count()).where(of_meeting))
    assert rows == len(EVERYONE)
