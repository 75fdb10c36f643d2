"""The OpenAPI document tells a client what the devices feature asks of it: the X-Device-Id and
X-Device-Name headers on every authenticated call, and the 401 device_revoked answer that means erase."""

from __future__ import annotations

from openapi_spec_validator import validate


def _resolved(spec: dict, value: dict) -> dict:
    if "$ref" not in value:
        return value
    section, name = value["$ref"].split("/")[-2:]
    return spec["components"][section][name]


def _headers(spec: dict, operation: dict) -> set[str]:
    return {
        parameter["name"]
        for parameter in (_resolved(spec, item) for item in operation.get("parameters", []))
        if parameter["in"] == "header"
    }


def test_authenticated_operations_name_the_device_headers_and_the_revoked_device_answer(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    for path, method in [
        ("/api/v1/me", "get"),
        ("/api/v1/meetings/{meeting_id}/offline", "get"),
        ("/api/v1/devices/{device_id}/revoke", "post"),
    ]:
        operation = spec["paths"][path][method]
        assert {"X-Device-Id", "X-Device-Name"} <= _headers(spec, operation), path
        refused = _resolved(spec, operation["responses"]["401"])
        assert "device_revoked" in refused["description"] and "unauthorized" in refused["description"]
        assert refused["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    device_id = _resolved(spec, {"$ref": "#/components/parameters/X-Device-Id"})
    assert device_id["schema"] == {"type": "string", "format": "uuid"}

    # Logging in and refreshing name their device too, and say a revoked one is refused.
    for path in ("/api/v1/auth/login", "/api/v1/auth/refresh"):
        operation = spec["paths"][path]["post"]
        assert {"X-Device-Id", "X-Device-Name"} <= _headers(spec, operation)
        assert "device_revoked" in _resolved(spec, operation["responses"]["401"])["description"]

    # Routes without a login read no device.
    assert "X-Device-Id" not in _headers(spec, spec["paths"]["/healthz"]["get"])
    assert "401" not in spec["paths"]["/api/v1/files/{file_id}/signed"]["get"]["responses"]
