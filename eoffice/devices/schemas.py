"""Schemas of the devices a user works from."""

from typing import Any

import marshmallow as ma
from apispec import APISpec, BasePlugin

from eoffice.api_base import ApiSchema
from eoffice.devices.operations import ID_HEADER, MAX_NAME, NAME_HEADER


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


# The device headers and the answer to a revoked device, in the OpenAPI document: every operation that
# authenticates (the bearer token's, and the auth routes that name theirs) reads the headers and may
# answer 401 device_revoked.
DEVICE_PARAMETERS = [ID_HEADER, NAME_HEADER]
UNAUTHORIZED = "NOT_AUTHENTICATED"
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


class DeviceDocumentation(BasePlugin):
    """Gives the bearer-authenticated operations the device headers and the 401 answer."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if method not in _HTTP_METHODS or operation.get("security") == []:
                continue
            operation["parameters"] = [*operation.get("parameters", []), *DEVICE_PARAMETERS]
            operation.setdefault("responses", {}).setdefault("401", UNAUTHORIZED)


def document_devices(spec: APISpec) -> None:
    spec.components.parameter(
        ID_HEADER,
        "header",
        {
            "required": False,
            "schema": {"type": "string", "format": "uuid"},
            "description": "The UUID this device's client made for itself, sent with every request: the "
            "user's device list shows it (last seen), and once it is revoked every request from it is "
            "refused with 401 device_revoked. 422 when not a UUID.",
        },
    )
    spec.components.parameter(
        NAME_HEADER,
        "header",
        {
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_NAME},
            "description": "The device's name as its user knows it, percent-encoded UTF-8.",
        },
    )
    spec.components.response(
        UNAUTHORIZED,
        {
            "description": "`unauthorized`: the access token is missing, invalid, expired or its session "
            "ended: log in again. `device_revoked`: the device named by X-Device-Id was revoked: erase "
            "its offline data, then log in again under a new device id.",
            "content": {"application/json": {"schema": "Error"}},
        },
    )
    plugin = DeviceDocumentation()
    plugin.init_spec(spec)
    spec.plugins.append(plugin)
