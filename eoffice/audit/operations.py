"""Recording audit events; the log is only ever appended to."""

from __future__ import annotations

from typing import Any

from eoffice.audit.models import AuditEvent
from eoffice.extensions import db


def record_event(
    event: str,
    *,
    actor=None,
    actor_username: str | None = None,
    agency_id: str | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    row = AuditEvent(
        event=event,
        actor_id=getattr(actor, "id", None),
        actor_username=getattr(actor, "username", None) or actor_username,
        agency_id=agency_id or getattr(actor, "agency_id", None),
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        address=address,
        details=details or {},
    )
    db.session.add(row)
    db.session.flush()
    return row
