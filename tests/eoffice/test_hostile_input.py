"""Hostile or edge input is a 4xx naming the problem, and the OpenAPI document says what the API does."""

from __future__ import annotations

import base64
import io
import json

import pytest
from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import storage
from eoffice.storage.backend import StorageError
from eoffice.storage.models import StoredFile
from tests.factories import create_document, create_user, pdf_file

NUL = "\x00"


@pytest.fixture
def people(agency):
    return {
        "root": create_user("root", roles=["admin"], is_platform_admin=True),
        "clerk": create_user("vanthu", roles=["clerk"]),
    }


def _error(response, status: int, code: str = "validation_error") -> dict:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    return error


def _names(error: dict, field: str, location: str = "query") -> None:
    assert field in error["details"][location], error


def _cursor(created_at: str, document_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_at, document_id]).encode()).decode().rstrip("=")


def test_login_body_nested_thousands_deep_is_400(client):
    body = '{"username": ' + "[" * 3000 + "]" * 3000 + ', "password": "x"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert "JSON" in _error(response, 400, "bad_request")["message"]


def test_a_route_reading_json_itself_refuses_json_nested_thousands_deep(client, people, login):
    body = "[" * 3000 + "]" * 3000
    response = client.post(
        "/api/v1/documents/outgoing", data=body, content_type="application/json", headers=login("vanthu")
    )
    _error(response, 400, "bad_request")


def test_multipart_metadata_nested_thousands_deep_is_422_naming_it(client, people, login):
    response = client.post(
        "/api/v1/documents/incoming",
        data={"metadata": "[" * 5000 + "]" * 5000, "files": [(io.BytesIO(text_pdf("Văn bản")), "a.pdf")]},
        headers=login("vanthu"),
        content_type="multipart/form-data",
    )
    assert "metadata" in _error(response, 422)["message"]


def test_signed_link_with_a_non_ascii_signature_is_refused(client):
    response = client.get(
        "/api/v1/files/1/signed", query_string={"expires": 4102444800, "signature": "é" * 64}
    )
    _error(response, 403, "invalid_link")


@pytest.mark.parametrize(
    "method, url, field, location",
    [
        ("post", "/api/v1/auth/login", "username", "json"),
        ("get", "/api/v1/documents?q=ng%00an+sach", "q", "query"),
        ("get", "/api/v1/documents?status=all%00", "status", "query"),
        ("get", "/api/v1/admin/users?q=a%00", "q", "query"),
        ("post", "/api/v1/meetings", "title", "json"),
        ("post", "/api/v1/admin/agencies", "name", "json"),
    ],
)
def test_nul_in_a_text_field_or_query_parameter_is_422_naming_it(
    client, people, login, method, url, field, location
):
    body = {
        "/api/v1/auth/login": {"username": f"root{NUL}", "password": "x"},
        "/api/v1/meetings": {"title": f"Họp{NUL}", "starts_at": "2026-12-01T08:00:00+07:00"},
        "/api/v1/admin/agencies": {"id": "000.00.02.H49", "name": f"Sở{NUL}"},
    }.get(url)
    response = getattr(client, method)(url, json=body, headers=login("root"))
    error = _error(response, 422)
    _names(error, field, location)
    assert "NUL" in error["message"]


def test_nul_in_a_path_segment_is_no_such_resource(client, people, login):
    response = client.get("/api/v1/documents/registers/in%00coming", headers=login("root"))
    _error(response, 404, "not_found")


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/documents?to=9999-12-31", "to"),
        ("/api/v1/documents?from=0001-01-01", "from"),
        ("/api/v1/documents/registers/incoming?from=0001-01-01&to=2026-12-31", "from"),
        ("/api/v1/documents/registers/incoming?from=2026-01-01&to=9999-12-31", "to"),
        ("/api/v1/documents/statistics?from=0001-01-01&to=9999-12-31", "from"),
        ("/api/v1/meetings?from=0001-01-01T00:00:00%2B07:00", "from"),
        ("/api/v1/meetings?to=9999-12-31T23:59:59-07:00", "to"),
        (f"/api/v1/documents?cursor={_cursor('0001-01-01T00:00:00+07:00', 1)}", "cursor"),
        (f"/api/v1/documents?cursor={_cursor('2026-12-01T00:00:00+07:00', 2**40)}", "cursor"),
    ],
)
def test_dates_at_the_calendar_edges_are_422_naming_the_field(client, people, login, url, field):
    _names(_error(client.get(url, headers=login("root")), 422), field)


def test_ids_and_numbers_beyond_the_database_integer_are_4xx(client, people, login):
    headers = login("root")
    _error(client.get(f"/api/v1/admin/users/{2**31}", headers=headers), 404, "not_found")
    _error(client.get(f"/api/v1/meetings/{2**63}", headers=headers), 404, "not_found")
    _names(_error(client.get(f"/api/v1/admin/users?page={2**40}", headers=headers), 422), "page")
    _names(_error(client.get(f"/api/v1/admin/users?unit_id={2**31}", headers=headers), 422), "unit_id")
    response = client.patch(
        f"/api/v1/admin/users/{people['clerk'].id}", json={"unit_id": 2**31}, headers=headers
    )
    _names(_error(response, 422), "unit_id", "json")


def test_object_store_down_while_downloading_a_document_file_is_503(client, people, login, monkeypatch):
    document = create_document("registered", clerk=people["clerk"])
    file_id = document.files[0].stored_file.id

    def unreachable(*args, **kwargs):
        raise StorageError("connection refused")

    monkeypatch.setattr(type(storage()), "open", unreachable)
    response = client.get(f"/api/v1/documents/{document.id}/files/{file_id}", headers=login("vanthu"))
    _error(response, 503, "storage_unavailable")


def test_database_lost_mid_upload_is_503_and_keeps_neither_row_nor_object(
    client, people, login, failing_commits
):
    headers = login("vanthu")
    failing_commits.start()
    response = client.post(
        "/api/v1/files",
        data={"file": (io.BytesIO(pdf_file().stream.read()), "van-ban.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    failing_commits.stop()
    _error(response, 503, "database_unavailable")
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert len(failing_commits.keys) == 1
    assert failing_commits.objects_left() == []


# 17: the OpenAPI document tells the truth.


def test_openapi_documents_nullable_deadline_and_health_bodies(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["DocumentSummary"]["properties"]["deadline"]["nullable"] is True
    for path, field in (("/healthz", "status"), ("/readyz", "checks")):
        body = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
        assert field in schema["properties"]


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("get", "/api/v1/documents?limit=abc", None),
        ("post", "/api/v1/meetings", {}),
        ("patch", "/api/v1/admin/users/1", {"is_active": "maybe"}),
    ],
)
def test_a_request_without_authorization_is_401_before_its_input_is_validated(client, method, url, body):
    response = getattr(client, method)(url, json=body)
    _error(response, 401, "unauthorized")


def test_patch_without_a_body_is_422(client, people, login):
    response = client.patch(f"/api/v1/admin/users/{people['clerk'].id}", headers=login("root"))
    assert "JSON body" in _error(response, 422)["message"]


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_booleans_are_only_true_or_false(client, people, login, value):
    response = client.patch(
        f"/api/v1/admin/users/{people['clerk'].id}", json={"is_platform_admin": value}, headers=login("root")
    )
    _names(_error(response, 422), "is_platform_admin", "json")
    assert db.session.get(type(people["clerk"]), people["clerk"].id).is_platform_admin is False
