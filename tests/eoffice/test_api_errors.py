"""Every API error is JSON naming the problem; the OpenAPI document describes the API."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from tests.factories import create_user


@pytest.fixture
def admin(agency):
    return create_user("root", roles=["admin"], is_platform_admin=True)


def _error(response):
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_unknown_route_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/api/v1/auth/login")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data='{"username": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in _error(response)["message"]


def test_oversized_json_body_is_413(client, admin, login):
    body = {"username": "x", "full_name": "y" * (2 * 1024 * 1024)}
    response = client.post("/api/v1/admin/users", json=body, headers=login("root"))
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": ["a"], "password": "x"}, "username"),
        ({"username": "a", "password": None}, "password"),
        ({"username": "a", "password": "x", "extra": True}, "extra"),
    ],
)
def test_wrong_types_and_unknown_fields_are_422_naming_the_field(client, body, field):
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    error = _error(response)
    assert error["message"].startswith(field) or f"; {field}" in error["message"]
    assert field in error["details"]["json"]


def test_a_json_array_instead_of_an_object_is_refused(client):
    response = client.post("/api/v1/auth/login", json=["username", "password"])
    assert response.status_code == 422


def test_invalid_query_parameter_names_it(client, admin, login):
    response = client.get("/api/v1/admin/users?unit_id=abc", headers=login("root"))
    assert response.status_code == 422
    assert "unit_id" in _error(response)["message"]


def test_openapi_document_is_valid_and_generated_from_the_request_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"username", "password"}
    user_create = spec["paths"]["/api/v1/admin/users"]["post"]["requestBody"]["content"]["application/json"]
    user_schema = spec["components"]["schemas"][user_create["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert {"username", "password", "full_name", "agency_id"} <= set(user_schema["required"])
    assert user_schema["properties"]["roles"]["items"]["enum"] == [
        "admin",
        "clerk",
        "leader",
        "specialist",
        "archivist",
    ]
    assert login["security"] == []
    assert spec["security"] == [{"bearer": []}]
