"""The live room's attendance heals itself: a join's counts are those of the version it is labelled
with, and a device that missed an `attendance` event sees its list fall short of the count and asks
for the whole attendance (`attendance_full`), which only a joined member gets."""

from __future__ import annotations

import threading

from eoffice import gunicorn_hooks
from eoffice.extensions import db, socketio
from meetings import room as rules
from meetings.broadcasts import NAMESPACE
from meetings.models import Meeting
from meetings.room.state import RoomStates, join_state
from tests.meetings.conftest import apply_attendance


def test_a_late_event_never_takes_back_the_counts_a_join_showed(app, room, people):
    """Two check-ins commit after the join's own statement and before its shared part is read, and the
    first one's event (read in between) reaches the device after the join answer."""
    meeting = db.session.get(Meeting, room.meeting_id)
    early, late = people.delegates[1], people.delegates[2]
    in_between: list[dict] = []

    class CheckInsInBetween(RoomStates):
        def shared(self, meeting_id, version):
            entry = rules.check_in(meeting, early, "in_person")
            db.session.commit()
            in_between.append(rules.attendance_event(meeting_id, [entry]))
            rules.check_in(meeting, late, "online")
            db.session.commit()
            return super().shared(meeting_id, version)

    joined = join_state(room.meeting_id, people.delegates[0].id, CheckInsInBetween())["attendance"]
    assert joined["voting_present"] == joined["present_count"] == 2
    held = apply_attendance(joined, in_between[0])
    assert held["voting_present"] == 2 and held["present_count"] == 2
    assert [entry["user_id"] for entry in held["present"]] == sorted([early.id, late.id])


def test_a_device_that_missed_an_event_ends_with_the_true_list_after_the_next_one(
    monkeypatch, live_server, devices, room, people
):
    watcher = devices(live_server, room.tokens["khachmoi"])
    joined = watcher.call("join", {"meeting_id": room.meeting_id})["state"]["attendance"]
    assert joined["present"] == [] and joined["present_count"] == 0
    # The first check-in's event is lost on its way (a Redis publish lost, a process stopped).
    attendance = socketio.server.namespace_handlers[NAMESPACE].attendance
    sent = attendance._emit
    lost: list[dict] = []
    monkeypatch.setattr(
        attendance, "_emit", lambda payload, to: sent(payload, to) if lost else lost.append(payload)
    )
    for username in ("daibieu1", "daibieu2"):
        answer = devices(live_server, room.tokens[username]).call(
            "check_in", {"meeting_id": room.meeting_id, "mode": "in_person"}
        )
        assert answer["ok"] is True, answer
        if not lost:
            attendance.flush()
    assert len(lost) == 1
    [event] = watcher.wait_for("attendance", 1)
    held = apply_attendance(joined, event)
    # The list falls short of the count of the version it holds: the device asks for the whole of it.
    assert len(held["present"]) == 1 and held["present_count"] == 2
    full = watcher.call("attendance_full", {"meeting_id": room.meeting_id})
    assert full["ok"] is True, full
    assert full["attendance"] == watcher.call("join", {"meeting_id": room.meeting_id})["state"]["attendance"]
    assert full["attendance"]["version"] >= held["version"]
    assert [entry["user_id"] for entry in full["attendance"]["present"]] == sorted(
        [people.delegates[0].id, people.delegates[1].id]
    )
    assert full["attendance"]["present_count"] == full["attendance"]["voting_present"] == 2


def test_only_a_joined_member_gets_the_whole_attendance(live_server, devices, room):
    outsider = devices(live_server, room.tokens["nguoingoai"])
    assert outsider.call("join", {"meeting_id": room.meeting_id})["ok"] is False
    refused = outsider.call("attendance_full", {"meeting_id": room.meeting_id})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert "join meeting" in refused["error"]["message"]
    # An invitee asks after joining, not before.
    delegate = devices(live_server, room.tokens["daibieu1"])
    before = delegate.call("attendance_full", {"meeting_id": room.meeting_id})
    assert before["ok"] is False and before["error"]["code"] == "forbidden"
    assert delegate.call("join", {"meeting_id": room.meeting_id})["ok"] is True
    answer = delegate.call("attendance_full", {"meeting_id": room.meeting_id})
    assert answer["ok"] is True and answer["attendance"]["meeting_id"] == room.meeting_id
    bad = delegate.call("attendance_full", {"meeting_id": "x"})
    assert bad["ok"] is False and bad["error"]["code"] == "validation_error"


def test_a_stopping_process_tells_the_room_of_the_check_ins_still_waiting(
    monkeypatch, live_server, devices, room, people
):
    watcher = devices(live_server, room.tokens["khachmoi"])
    assert watcher.call("join", {"meeting_id": room.meeting_id})["ok"] is True
    # The room's sender waits for an interval that never ends: only the SIGTERM path can send.
    stopped = threading.Event()
    attendance = socketio.server.namespace_handlers[NAMESPACE].attendance
    monkeypatch.setattr(attendance, "_sleep", lambda seconds: stopped.wait(30))
    try:
        answer = devices(live_server, room.tokens["daibieu1"]).call(
            "check_in", {"meeting_id": room.meeting_id, "mode": "online"}
        )
        assert answer["ok"] is True, answer
        gunicorn_hooks.flush_live_room()
        [event] = watcher.wait_for("attendance", 1)
    finally:
        stopped.set()
    assert event["changed"] == [answer["checked_in"]]
    assert event["present_count"] == event["voting_present"] == 1
