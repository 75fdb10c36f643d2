"""The room-version triggers (migration 0011) cover every table the room's shared state is read from,
and two changes crossing in one meeting both commit however they raise the version."""

from __future__ import annotations

import re
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eoffice.extensions import db
from meetings.models import Meeting
from meetings.room import annotations, attendance, speakers, votes
from meetings.room.state import read_shared_room
from tests.conftest import statements_run
from tests.meetings.conftest import add_confidential_item, build_room

# The meeting's own row raises the version only when inserted (a new meeting starts above any old
# version); its changes (status, presentation) are read by every join, so the shared part must not read it.
INSERT_ONLY = {"meetings"}


def _tables_read(statements: list[str]) -> set[str]:
    names = set()
    for statement in statements:
        names |= {name.strip('"') for name in re.findall(r'\b(?:FROM|JOIN)\s+("?\w+"?)', statement, re.I)}
    return names


def _versioned_tables() -> set[str]:
    """The tables with a room-version trigger, as the database has them (not as the migration says)."""
    if db.engine.dialect.name == "postgresql":
        query = (
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'meeting_room_changed'"
        )
    else:
        query = (
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND sql LIKE '%meeting_room_versions%'"
        )
    return set(db.session.execute(sa.text(query)).scalars())


def test_every_table_the_shared_room_state_reads_raises_the_room_version(client, people):
    room = build_room(client, people)
    add_confidential_item(client, room, [people.chair.id])
    # Every part of the state holds a row, so that whatever is read for a row (its relations) is read too.
    meeting = db.session.get(Meeting, room.meeting_id)
    delegate = people.delegates[0]
    for person in (people.chair, delegate):
        attendance.check_in(meeting, person, "in_person")
    speakers.request_floor(meeting, delegate)
    votes.open_vote(meeting, people.chair, "Thông qua báo cáo?", ["Tán thành", "Không tán thành"], False)
    annotations.annotate(
        meeting, people.chair, room.document_id, 1, {"type": "ink", "points": [[1, 2]]}, True
    )
    db.session.commit()
    with statements_run(db.engine) as statements:
        read_shared_room(room.meeting_id)
    db.session.rollback()

    read = _tables_read(statements)
    assert {"meeting_participants", "meeting_agenda_items", "meeting_documents"} <= read
    # The version itself is read with the attendance, which it labels.
    assert sorted(read - (_versioned_tables() - INSERT_ONLY) - {"meeting_room_versions"}) == []


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
