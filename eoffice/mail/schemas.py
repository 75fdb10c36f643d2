"""Schemas of the outbox admin view and of notification preferences."""

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.mail.models import DeliveryMode, MessageStatus


class OutboxMessageSchema(ApiSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    recipient_id = ma.fields.Integer(allow_none=True)
    to_address = ma.fields.String()
    to_name = ma.fields.String()
    subject = ma.fields.String()
    status = ma.fields.String()
    is_urgent = ma.fields.Boolean()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    next_attempt_at = ma.fields.DateTime()
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)


class OutboxMessageDetailSchema(OutboxMessageSchema):
    message_id = ma.fields.String()
    text_body = ma.fields.String()
    html_body = ma.fields.String()
    calendar = ma.fields.String(allow_none=True)


class OutboxQuerySchema(ApiSchema):
    status = ma.fields.String(validate=ma.validate.OneOf([status.value for status in MessageStatus]))
    agency_id = ma.fields.String()


class PreferencesSchema(ApiSchema):
    modes = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(validate=ma.validate.OneOf([mode.value for mode in DeliveryMode])),
        required=True,
        metadata={"description": "Notice kind -> immediate | digest | off"},
    )
