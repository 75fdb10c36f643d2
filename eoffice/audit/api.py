"""Reading the audit log; there is deliberately no way to change it through the API."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from eoffice.api_base import ApiSchema, Blueprint
from eoffice.audit.models import AuditEvent
from eoffice.auth.policy import Permission
from eoffice.auth.session import login_required
from eoffice.listing import agency_scope, page

blp = Blueprint("audit", __name__, url_prefix="/api/v1/admin", description="Audit log")


class AuditEventSchema(ApiSchema):
    id = ma.fields.Integer()
    occurred_at = ma.fields.DateTime()
    event = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_username = ma.fields.String(allow_none=True)
    agency_id = ma.fields.String(allow_none=True)
    target_type = ma.fields.String(allow_none=True)
    target_id = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()


class AuditQuerySchema(ApiSchema):
    event = ma.fields.String()
    actor_id = ma.fields.Integer()
    agency_id = ma.fields.String()


@blp.get("/audit-events")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEventSchema(many=True))
@blp.paginate()
@login_required
def list_audit_events(filters, pagination_parameters):
    agency_id = agency_scope(filters, Permission.READ_AUDIT)
    query = select(AuditEvent)
    if agency_id:
        query = query.where(AuditEvent.agency_id == agency_id)
    if "event" in filters:
        query = query.where(AuditEvent.event == filters["event"])
    if "actor_id" in filters:
        query = query.where(AuditEvent.actor_id == filters["actor_id"])
    return page(query, AuditEvent.id.desc(), pagination_parameters)
