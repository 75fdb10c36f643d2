"""The live room's rules: presentation, agenda position, check-in, speakers, votes, annotations.

Every function reads and writes the database only (no process memory), so any server process
can answer any client and a restart loses nothing. They flush; the caller commits, then
broadcasts what they return. One module per part of the room; this package names them all.
"""

from meetings.room.annotations import annotate, annotation_audience, annotation_payload, delete_annotation
from meetings.room.attendance import (
    attendance_event,
    attendance_state,
    check_in,
    full_attendance,
    quorum_met,
)
from meetings.room.common import load_meeting, not_found, require_participant
from meetings.room.presentation import (
    designate_presenter,
    go_to_agenda_item,
    present,
    presentation_state,
)
from meetings.room.speakers import (
    end_floor,
    end_speaking,
    give_floor,
    order_speakers,
    request_floor,
    speakers_state,
    withdraw_request,
)
from meetings.room.state import (
    RoomStates,
    allowed_actions_event,
    join_state,
    readable_documents,
    visible_documents,
    visible_items,
)
from meetings.room.votes import cast_vote, close_open_votes, close_vote, open_vote, open_vote_of, vote_state

__all__ = [
    "RoomStates",
    "allowed_actions_event",
    "annotate",
    "annotation_audience",
    "annotation_payload",
    "attendance_event",
    "attendance_state",
    "cast_vote",
    "check_in",
    "close_open_votes",
    "close_vote",
    "delete_annotation",
    "designate_presenter",
    "end_floor",
    "full_attendance",
    "end_speaking",
    "give_floor",
    "go_to_agenda_item",
    "join_state",
    "load_meeting",
    "not_found",
    "open_vote",
    "open_vote_of",
    "order_speakers",
    "present",
    "presentation_state",
    "quorum_met",
    "request_floor",
    "require_participant",
    "speakers_state",
    "readable_documents",
    "visible_documents",
    "visible_items",
    "vote_state",
    "withdraw_request",
]
