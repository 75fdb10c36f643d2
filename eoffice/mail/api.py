"""The outbox as administrators see it, and each user's notification preferences."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.api_base import ApiError, Blueprint
from eoffice.auth.policy import Permission, authorize
from eoffice.auth.session import current_user, login_required
from eoffice.extensions import db
from eoffice.listing import agency_scope, page
from eoffice.mail import operations
from eoffice.mail.models import OutboxMessage
from eoffice.mail.schemas import (
    OutboxMessageDetailSchema,
    OutboxMessageSchema,
    OutboxQuerySchema,
    PreferencesSchema,
)

blp = Blueprint("mail", __name__, url_prefix="/api/v1", description="E-mail outbox and preferences")


def _message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise ApiError(404, "not_found", f"message {message_id} not found")
    authorize(current_user(), Permission.MANAGE_OUTBOX, message.agency_id)
    return message


@blp.get("/admin/outbox")
@blp.arguments(OutboxQuerySchema, location="query")
@blp.response(200, OutboxMessageSchema(many=True))
@blp.paginate()
@login_required
def list_outbox(filters, pagination_parameters):
    agency_id = agency_scope(filters, Permission.MANAGE_OUTBOX)
    query = select(OutboxMessage)
    if agency_id:
        query = query.where(OutboxMessage.agency_id == agency_id)
    if "status" in filters:
        query = query.where(OutboxMessage.status == filters["status"])
    return page(query, OutboxMessage.id.desc(), pagination_parameters)


@blp.get("/admin/outbox/<int:message_id>")
@blp.response(200, OutboxMessageDetailSchema)
@login_required
def get_message(message_id):
    return _message(message_id)


@blp.post("/admin/outbox/<int:message_id>/retry")
@blp.response(200, OutboxMessageSchema)
@login_required
def retry_message(message_id):
    message = operations.retry_message(_message(message_id))
    db.session.commit()
    return message


@blp.post("/admin/outbox/<int:message_id>/cancel")
@blp.response(200, OutboxMessageSchema)
@login_required
def cancel_message(message_id):
    message = operations.cancel_message(_message(message_id))
    db.session.commit()
    return message


@blp.get("/me/notification-preferences")
@blp.response(200, PreferencesSchema)
@login_required
def get_preferences():
    return {"modes": operations.preferences_of(current_user())}


@blp.put("/me/notification-preferences")
@blp.arguments(PreferencesSchema)
@blp.response(200, PreferencesSchema)
@login_required
def set_preferences(body):
    modes = operations.set_preferences(current_user(), body["modes"])
    db.session.commit()
    return {"modes": modes}
