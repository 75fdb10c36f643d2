"""Changing the minutes: live edits by the secretary, then submit, return or approve.

Each change first raises the minutes' `seq` in one UPDATE that also checks the status. That UPDATE
locks the minutes row (PostgreSQL) or the database (SQLite) until the commit, so what follows
reads the sections as the last committed change left them: a version check there cannot race.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select, update

from eoffice.accounts.models import Agency, User
from eoffice.api_base import ApiError
from eoffice.audit.operations import record_event
from eoffice.db import utcnow
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.signing import operations as signing
from eoffice.storage.operations import store_file
from meetings import notifications, policy, workflow
from meetings.minutes.document import minutes_pdf
from meetings.minutes.queries import find_section, section_payload, status_payload
from meetings.models import AgendaItem, Meeting, MeetingMinutes, MinutesSection
from meetings.workflow import MinutesAction

MAX_TEXT = 100_000
MAX_CONCLUSION = 20_000


class StaleEdit(ApiError):
    """An edit based on a version that is no longer the current one: refused, with the current section."""

    def __init__(self, current: dict[str, Any]):
        super().__init__(
            409,
            ErrorCode.STALE_VERSION,
            f"the section changed meanwhile and is at version {current['version']}: "
            "merge with it and send again based on that version",
            current,
        )
        # What the live room adds to its ok:false answer, so the device can merge at once.
        self.ack_fields = {"version": current["version"], "section": current}


def _not_started() -> ApiError:
    return ApiError(409, ErrorCode.INVALID_STATE, "the meeting has not started: it has no minutes yet")


def load_minutes(meeting: Meeting) -> MeetingMinutes:
    minutes = db.session.scalar(
        select(MeetingMinutes)
        .where(MeetingMinutes.meeting_id == meeting.id)
        .execution_options(populate_existing=True)
    )
    if minutes is None:
        raise _not_started()
    return minutes


def _step(meeting: Meeting, action: MinutesAction, user: User, values: dict[str, Any]) -> MeetingMinutes:
    """Take a step of the minutes' state machine (meetings.workflow): raise seq, enter the step's target
    status and set `values` if the minutes are in a status the step leaves from; refuse otherwise.

    The status is checked by the UPDATE itself, so that two steps racing cannot both pass. Every step but
    a section's edit goes to the audit log (the edits are many; each section keeps who wrote it last).
    """
    target = workflow.minutes_target(action)
    if target is not None:
        values = {"status": target, **values}
    seq = db.session.execute(
        update(MeetingMinutes)
        .where(
            MeetingMinutes.meeting_id == meeting.id,
            MeetingMinutes.status.in_(workflow.minutes_states_allowing(action)),
        )
        .values(seq=MeetingMinutes.seq + 1, **values)
        .returning(MeetingMinutes.seq)
        .execution_options(synchronize_session=False)
    ).scalar()
    minutes = load_minutes(meeting)
    if seq is None:
        raise workflow.refuse_minutes(minutes.status, action)
    if action != MinutesAction.EDIT:
        record_event(
            f"meeting.{action}",
            actor=user,
            agency_id=meeting.agency_id,
            target_type="meeting",
            target_id=meeting.id,
            details={"to": minutes.status},
        )
    return minutes


def _agenda_item(meeting: Meeting, user: User, agenda_item_id: int | None) -> AgendaItem | None:
    if agenda_item_id is None:
        return None
    item = next((i for i in meeting.agenda_items if i.id == agenda_item_id), None)
    if item is None or not policy.may_see_item(user, item):
        raise ApiError(
            404, ErrorCode.NOT_FOUND, f"agenda item {agenda_item_id} of meeting {meeting.id} not found"
        )
    return item


def edit_section(
    meeting: Meeting,
    user: User,
    agenda_item_id: int | None,
    based_on: int,
    text: str | None,
    conclusion: str | None,
) -> dict[str, Any]:
    """Write a section's text and/or conclusion; `based_on` is the version the device last had."""
    workflow.authorize_minutes(meeting, MinutesAction.EDIT, user)
    _agenda_item(meeting, user, agenda_item_id)
    if meeting.status not in workflow.MINUTES_MEETING_STATES[MinutesAction.EDIT]:
        raise _not_started()
    minutes = _step(meeting, MinutesAction.EDIT, user, {})
    section = find_section(meeting.id, agenda_item_id)
    current = section.version if section is not None else 0
    if based_on != current:
        raise StaleEdit(section_payload(section, agenda_item_id))
    if section is None:
        section = MinutesSection(meeting_id=meeting.id, agenda_item_id=agenda_item_id, text="", conclusion="")
        db.session.add(section)
    if text is not None:
        section.text = text
    if conclusion is not None:
        section.conclusion = conclusion
    section.version = current + 1
    section.updated_by_id = user.id
    section.updated_at = utcnow()
    db.session.flush()
    return {"meeting_id": meeting.id, "seq": minutes.seq, **section_payload(section, agenda_item_id)}


def submit(meeting: Meeting, user: User) -> dict[str, Any]:
    workflow.authorize_minutes(meeting, MinutesAction.SUBMIT, user)
    if meeting.status not in workflow.MINUTES_MEETING_STATES[MinutesAction.SUBMIT]:
        raise ApiError(
            409,
            ErrorCode.INVALID_STATE,
            f"the minutes are submitted once the meeting is closed; it is {meeting.status}",
        )
    minutes = _step(
        meeting, MinutesAction.SUBMIT, user, {"submitted_at": utcnow(), "submitted_by_id": user.id}
    )
    return status_payload(minutes)


def return_to_secretary(meeting: Meeting, user: User, comment: str) -> dict[str, Any]:
    workflow.authorize_minutes(meeting, MinutesAction.RETURN, user)
    minutes = _step(meeting, MinutesAction.RETURN, user, {"return_comment": comment, "returned_at": utcnow()})
    return status_payload(minutes)


def approve(meeting: Meeting, user: User, pin: str | None = None) -> dict[str, Any]:
    """Freeze the minutes, store their PDF signed by the chair and the agency, and tell every participant
    (all in this transaction). pin: unlocks the chair's key for this act, else EOFFICE_SIGNING_PIN."""
    workflow.authorize_minutes(meeting, MinutesAction.APPROVE, user)
    minutes = _step(
        meeting, MinutesAction.APPROVE, user, {"approved_at": utcnow(), "approved_by_id": user.id}
    )
    # Signed by the chair, then the agency; a refusal (409, 422) rolls the approval back.
    pdf = signing.sign_minutes(
        minutes_pdf(meeting, minutes), user, db.session.get(Agency, meeting.agency_id), utcnow(), pin
    )
    stored = store_file(io.BytesIO(pdf), f"Biên bản họp - {meeting.title}.pdf", uploaded_by=user)
    signing.queue_check(stored)
    minutes.pdf_file_id = stored.id
    db.session.flush()
    notifications.tell_minutes_approved(meeting)
    return status_payload(minutes)
