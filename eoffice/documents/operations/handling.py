"""Direction and handling of incoming documents: to a leader, assignment, progress, opinions, completion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from eoffice.accounts.models import Role, User
from eoffice.documents import clock, notifications, workflow
from eoffice.documents.models import Assignment, AssignmentMember, Direction, Document, HandlingRole, Status
from eoffice.documents.operations.common import agency_unit, agency_user, invalid, name, record, step
from eoffice.documents.policy import Permission, can
from eoffice.documents.workflow import Action
from eoffice.extensions import db


def submit_for_direction(
    document: Document, actor: User, *, leader_id: int, note: str | None = None
) -> Document:
    transition = workflow.check(document, Action.SUBMIT_FOR_DIRECTION, actor)
    leader = agency_user(leader_id, document.agency_id, "leader_id", role=Role.LEADER)
    document.directing_leader_id = leader.id
    name(document, leader)
    step(
        document,
        transition,
        Status.AWAITING_DIRECTION,
        actor,
        Action.SUBMIT_FOR_DIRECTION,
        note=note,
        details={"leader_id": leader.id, "leader_name": leader.full_name},
    )
    notifications.awaiting_direction(document, leader, actor)
    return document


def _members(document: Document, body: dict[str, Any]) -> list[AssignmentMember]:
    """The people (and for the primary handler, possibly a unit) of an assignment, each named once."""
    members: list[AssignmentMember] = []
    seen: set[int] = set()

    def person(user_id: int, field: str, role: HandlingRole) -> None:
        if user_id in seen:
            raise invalid(field, f"user {user_id} is named twice in this assignment")
        seen.add(user_id)
        user = agency_user(user_id, document.agency_id, field)
        members.append(AssignmentMember(role=role, user_id=user.id, user=user))

    if body.get("primary_unit_id") is not None:
        if document.is_confidential:
            raise invalid(
                "primary_unit_id", "a confidential document is assigned to named people, not to a unit"
            )
        unit = agency_unit(body["primary_unit_id"], document.agency_id, "primary_unit_id")
        members.append(AssignmentMember(role=HandlingRole.PRIMARY, unit_id=unit.id, unit=unit))
    else:
        person(body["primary_user_id"], "primary_user_id", HandlingRole.PRIMARY)
    for user_id in body.get("co_handler_ids", []):
        person(user_id, "co_handler_ids", HandlingRole.CO_HANDLER)
    for user_id in body.get("informed_ids", []):
        person(user_id, "informed_ids", HandlingRole.INFORMED)
    return members


def _summary(assignment: Assignment) -> dict[str, Any]:
    primary = assignment.primary
    return {
        "primary_user_id": primary.user_id,
        "primary_unit_id": primary.unit_id,
        "co_handler_ids": [m.user_id for m in assignment.members_in(HandlingRole.CO_HANDLER)],
        "informed_ids": [m.user_id for m in assignment.members_in(HandlingRole.INFORMED)],
        "deadline": assignment.deadline.isoformat() if assignment.deadline else None,
    }


def assign(
    document: Document,
    actor: User,
    *,
    primary_user_id: int | None = None,
    primary_unit_id: int | None = None,
    co_handler_ids: Sequence[int] = (),
    informed_ids: Sequence[int] = (),
    deadline: date | None = None,
    direction_text: str | None = None,
    action: Action = Action.ASSIGN,
) -> Assignment:
    """The leader's direction; as a re-assignment it supersedes the current one, which is kept."""
    transition = workflow.check(document, action, actor)
    members = _members(
        document,
        {
            "primary_user_id": primary_user_id,
            "primary_unit_id": primary_unit_id,
            "co_handler_ids": list(co_handler_ids),
            "informed_ids": list(informed_ids),
        },
    )
    moment = clock.now()
    previous = document.current_assignment
    assignment = Assignment(
        assigned_by_id=actor.id,
        assigned_by=actor,
        direction_text=direction_text,
        deadline=deadline,
        created_at=moment,
        members=members,
    )
    document.assignments.append(assignment)
    for member in members:
        name(document, member.user)
    details = _summary(assignment)
    if previous is not None:
        previous.superseded_at = moment
        db.session.flush()
        previous.superseded_by_id = assignment.id
        details["supersedes"] = previous.id
    step(document, transition, Status.ASSIGNED, actor, action, note=direction_text, details=details)
    notifications.assigned(document, assignment, actor)
    return assignment


def record_progress(document: Document, actor: User, *, note: str, percent: int | None = None) -> Document:
    transition = workflow.check(document, Action.RECORD_PROGRESS, actor)
    details = {"percent": percent} if percent is not None else {}
    step(document, transition, Status.IN_PROGRESS, actor, Action.RECORD_PROGRESS, note=note, details=details)
    return document


def add_opinion(document: Document, actor: User, *, note: str) -> Document:
    """A co-handler's contribution: written to the trace, the state does not change."""
    workflow.check(document, Action.ADD_OPINION, actor)
    record(document, actor, Action.ADD_OPINION, note=note)
    db.session.flush()
    return document


def mark_read(document: Document, actor: User) -> Document:
    """The first time only: reading twice is one trace entry."""
    workflow.check(document, Action.MARK_READ, actor)
    participant = name(document, actor)
    if participant.read_at is None:
        participant.read_at = clock.now()
        record(document, actor, Action.MARK_READ)
        db.session.flush()
    return document


def complete(
    document: Document, actor: User, *, result_note: str, reply_document_id: int | None = None
) -> Document:
    transition = workflow.check(document, Action.COMPLETE, actor)
    if reply_document_id is not None:
        reply = db.session.get(Document, reply_document_id)
        if (
            reply is None
            or reply.direction != Direction.OUTGOING
            or reply.agency_id != document.agency_id
            or not can(actor, Permission.VIEW_DOCUMENT, reply)
        ):
            raise invalid(
                "reply_document_id", f"no outgoing document {reply_document_id} of this agency you can see"
            )
    document.result_note = result_note
    document.reply_document_id = reply_document_id
    document.completed_at = clock.now()
    step(
        document,
        transition,
        Status.COMPLETED,
        actor,
        Action.COMPLETE,
        note=result_note,
        details={"reply_document_id": reply_document_id} if reply_document_id else {},
    )
    return document
