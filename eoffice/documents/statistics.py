"""Handling statistics per unit: documents handled on time, handled late, and overdue now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from eoffice.accounts.models import Unit, User
from eoffice.documents.clock import vietnam_date
from eoffice.documents.models import Assignment, AssignmentMember, Direction, Document, HandlingRole, Status
from eoffice.extensions import db

OPEN = (Status.ASSIGNED, Status.IN_PROGRESS)


@dataclass
class UnitStatistics:
    unit_id: int | None
    unit_name: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    in_progress: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.overdue + self.in_progress


def classify(status: str, deadline: date | None, completed_at: datetime | None, today: date) -> str | None:
    if status == Status.COMPLETED:
        if deadline is None or completed_at is None or vietnam_date(completed_at) <= deadline:
            return "on_time"
        return "late"
    if status in OPEN:
        return "overdue" if deadline is not None and deadline < today else "in_progress"
    return None


def unit_statistics(agency_id: str, start: datetime, end: datetime, now: datetime) -> list[UnitStatistics]:
    """Incoming documents registered in [start, end), by the unit handling them (current direction)."""
    handler = aliased(User)
    rows = db.session.execute(
        select(
            Document.status,
            Assignment.deadline,
            Document.completed_at,
            AssignmentMember.unit_id,
            handler.unit_id,
        )
        .join(Assignment, (Assignment.document_id == Document.id) & Assignment.superseded_at.is_(None))
        .join(
            AssignmentMember,
            (AssignmentMember.assignment_id == Assignment.id)
            & (AssignmentMember.role == HandlingRole.PRIMARY),
        )
        .outerjoin(handler, handler.id == AssignmentMember.user_id)
        .where(
            Document.agency_id == agency_id,
            Document.direction == Direction.INCOMING,
            Document.registered_at >= start,
            Document.registered_at < end,
        )
    ).all()
    today = vietnam_date(now)
    units = {
        unit.id: unit.name for unit in db.session.scalars(select(Unit).where(Unit.agency_id == agency_id))
    }
    result: dict[int | None, UnitStatistics] = {}
    for status, deadline, completed_at, member_unit, handler_unit in rows:
        bucket = classify(status, deadline, completed_at, today)
        if bucket is None:
            continue
        unit_id = member_unit if member_unit is not None else handler_unit
        stats = result.setdefault(unit_id, UnitStatistics(unit_id, units.get(unit_id, "Không thuộc đơn vị")))
        setattr(stats, bucket, getattr(stats, bucket) + 1)
    return sorted(result.values(), key=lambda stats: (stats.unit_id is None, stats.unit_name))
