"""Schemas of the devices a user works from."""

import marshmallow as ma

from eoffice.api_base import ApiSchema


class DeviceQuerySchema(ApiSchema):
    user_id = ma.fields.Integer(
        validate=ma.validate.Range(min=1),
        metadata={"description": "Whose devices (for an administrator of that user's agency); unset: mine"},
    )


class DeviceSchema(ApiSchema):
    device_id = ma.fields.String(metadata={"description": "The UUID the device's client made for itself"})
    name = ma.fields.String()
    first_seen_at = ma.fields.DateTime()
    last_seen_at = ma.fields.DateTime(metadata={"description": "Within a minute"})
    revoked_at = ma.fields.DateTime(allow_none=True)
    revoked_by_id = ma.fields.Integer(allow_none=True)
    is_current = ma.fields.Boolean(metadata={"description": "The device this request came from"})
