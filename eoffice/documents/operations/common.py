"""What every document operation shares: input errors, the trace, people named, look-ups."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select

from eoffice.accounts.models import Role, Unit, User
from eoffice.api_base import invalid, invalid_fields
from eoffice.documents import clock, events, workflow
from eoffice.documents.models import Document, DocumentParticipant, Status, TraceEntry
from eoffice.documents.workflow import Action, Transition
from eoffice.extensions import db

SYSTEM_NAMES = {
    "axis": "Trục liên thông văn bản quốc gia",
    "email": "Thư điện tử",
}


def load(
    schema: ma.Schema, data: Any, *, location: str = "json", prefix: str | None = None
) -> dict[str, Any]:
    """Validate input with a schema; errors become one 422 naming every field (under prefix, if given)."""
    if not isinstance(data, dict):
        raise invalid(prefix or "_schema", "expected a JSON object", location)
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        messages = exc.normalized_messages()
        nested = {prefix: messages} if prefix else messages
        raise invalid_fields(nested, location) from exc


def shown(value: Any) -> Any:
    """A value as the trace keeps it (dates in ISO 8601)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def record(
    document: Document,
    actor: User | None,
    action: Action | str,
    *,
    note: str | None = None,
    details: dict[str, Any] | None = None,
    system: str | None = None,
) -> TraceEntry:
    """Append one step to the document's trace."""
    entry = TraceEntry(
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else SYSTEM_NAMES.get(system or "", "Hệ thống"),
        action=str(action),
        note=note,
        details=details or {},
        created_at=clock.now(),
    )
    document.trace.append(entry)
    return entry


def step(
    document: Document,
    transition: Transition,
    target: Status,
    actor: User | None,
    action: Action,
    *,
    note: str | None = None,
    details: dict[str, Any] | None = None,
    system: str | None = None,
) -> TraceEntry:
    """Move the document along a checked transition and write the step to the trace."""
    previous = workflow.enter(document, transition, target)
    entry = record(
        document,
        actor,
        action,
        note=note,
        details={"from": previous and str(previous), "to": str(target), **(details or {})},
        system=system,
    )
    events.publish(
        events.StepTaken(document, str(action), actor, previous and str(previous), str(target), note)
    )
    return entry


def name(document: Document, user: User | None) -> DocumentParticipant | None:
    """Name a person on the document: from now on they see it, and it keeps their read state.

    Only people of the document's agency: lists rely on it (documents.policy.visible_agency).
    """
    if user is None:
        return None
    if user.agency_id != document.agency_id:
        raise ValueError(f"user {user.id} is not of agency {document.agency_id}, the document's")
    participant = document.participant(user.id)
    if participant is None:
        participant = DocumentParticipant(user_id=user.id, user=user, named_at=clock.now())
        document.participants.append(participant)
    return participant


def agency_user(
    user_id: int, agency_id: str, field: str, *, role: Role | None = None, location: str = "json"
) -> User:
    """An active user of the agency (with the role, if given), or 422 naming the field."""
    user = db.session.get(User, user_id)
    if user is None or user.agency_id != agency_id or not user.is_active:
        raise invalid(field, f"no active user {user_id} in agency {agency_id}", location)
    if role is not None and not user.has_role(role):
        raise invalid(field, f"user {user_id} is not a {role}", location)
    return user


def agency_unit(unit_id: int, agency_id: str, field: str, location: str = "json") -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.agency_id != agency_id:
        raise invalid(field, f"no unit {unit_id} in agency {agency_id}", location)
    return unit


def unit_members(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.unit_id == unit_id, User.is_active.is_(True)).order_by(User.id)
        )
    )
