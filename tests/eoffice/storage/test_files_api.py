"""Uploading and downloading files through the API, on local disk and on S3 (moto)."""

from __future__ import annotations

import hashlib
import io
import threading
import time

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from eoffice.extensions import db
from eoffice.runtime import storage
from eoffice.storage.backend import ObjectNotFound
from eoffice.storage.models import StoredFile
from tests.factories import create_user

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4
LIMIT = 4096


@pytest.fixture(params=["local", "s3"])
def app_env(request):
    env = {"EOFFICE_MAX_UPLOAD_SIZE": str(LIMIT)}
    if request.param == "s3":
        env |= request.getfixturevalue("s3_server").settings()
    return env


@pytest.fixture
def clerk(agency):
    create_user("vanthu", roles=["clerk"])
    create_user("chuyenvien", roles=["specialist"])
    create_user("admin.ubnd", roles=["admin"])


def _upload(client, headers, content: bytes, name="công văn số 12.pdf", content_type="text/plain"):
    return client.post(
        "/api/v1/files",
        data={"file": (io.BytesIO(content), name, content_type)},
        headers=headers,
        content_type="multipart/form-data",
    )


def _stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_multipart_upload_stores_the_bytes_with_hash_size_and_sniffed_type(client, login, clerk):
    response = _upload(client, login("vanthu"), PDF)
    assert response.status_code == 201
    body = response.get_json()
    assert body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    # The client said text/plain; the bytes say PDF.
    assert body["content_type"] == "application/pdf"
    assert body["name"] == "công văn số 12.pdf"
    row = db.session.get(StoredFile, body["id"])
    assert row.sha256 == body["sha256"] and row.key != body["name"]
    assert b"".join(storage().open(row.key)) == PDF


def test_raw_body_upload_uses_the_name_from_the_query(client, login, clerk):
    response = client.post(
        "/api/v1/files?name=b%C3%A1o%20c%C3%A1o.txt",
        data="Báo cáo tình hình".encode(),
        headers={**login("vanthu"), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "báo cáo.txt"
    assert response.get_json()["content_type"] == "text/plain"


def test_client_file_names_never_become_paths(client, login, clerk):
    response = _upload(client, login("vanthu"), b"abc", name="../../etc/passwd")
    assert response.status_code == 201
    assert response.get_json()["name"] == "passwd"
    assert ".." not in db.session.get(StoredFile, response.get_json()["id"]).key


def test_a_file_at_the_limit_is_accepted(client, login, clerk):
    assert _upload(client, login("vanthu"), b"x" * LIMIT).status_code == 201


def _assert_nothing_stored(app):
    assert _stored_count() == 0
    root = app.extensions["eoffice"]["settings"].effective_storage_path
    if not app.extensions["eoffice"]["settings"].s3_endpoint:
        assert [p for p in root.rglob("*") if p.is_file()] == []
    else:
        client = storage()._client
        bucket = app.extensions["eoffice"]["settings"].s3_bucket
        assert list(client.list_objects(bucket, recursive=True)) == []
        assert list(client._list_multipart_uploads(bucket).uploads) == []


def test_multipart_over_the_limit_is_refused_with_413_and_nothing_stored(app, client, login, clerk):
    response = _upload(client, login("vanthu"), b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    _assert_nothing_stored(app)


def test_raw_body_over_the_limit_is_refused_with_413_and_nothing_stored(app, client, login, clerk):
    response = client.post(
        "/api/v1/files?name=big.bin",
        data=b"x" * (LIMIT + 1),
        headers={**login("vanthu"), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413
    _assert_nothing_stored(app)


def test_upload_without_a_file_part_names_it(client, login, clerk):
    response = client.post(
        "/api/v1/files", data={"other": "x"}, headers=login("vanthu"), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["message"]


def test_upload_requires_login(client, clerk):
    assert _upload(client, {}, b"abc").status_code == 401
    assert _stored_count() == 0


def test_only_the_uploader_reads_a_file_nothing_owns(app, client, login, clerk):
    file_id = _upload(client, login("vanthu"), PDF).get_json()["id"]
    mine = client.get(f"/api/v1/files/{file_id}/content", headers=login("vanthu"))
    # With S3 the bytes come from the store's signed URL (tests/eoffice/storage/test_downloads.py).
    if app.extensions["eoffice"]["settings"].s3_endpoint:
        assert mine.status_code == 307 and mine.headers["Location"]
    else:
        assert mine.status_code == 200 and mine.data == PDF
    # An agency admin neither: a file a document let go of may have been a confidential one's.
    for other in ("chuyenvien", "admin.ubnd"):
        assert client.get(f"/api/v1/files/{file_id}", headers=login(other)).status_code == 403
        assert client.get(f"/api/v1/files/{file_id}/content", headers=login(other)).status_code == 403
        assert client.post(f"/api/v1/files/{file_id}/link", headers=login(other)).status_code == 403
    assert client.get("/api/v1/files/99999", headers=login("vanthu")).status_code == 404


def test_download_link_serves_the_file_without_a_token(app, client, login, clerk):
    headers = login("vanthu")
    file_id = _upload(client, headers, PDF).get_json()["id"]
    link = client.post(f"/api/v1/files/{file_id}/link", headers=headers).get_json()
    if app.extensions["eoffice"]["settings"].s3_endpoint:
        response = requests.get(link["url"], timeout=10)
        assert response.status_code == 200 and response.content == PDF
        assert "filename*=UTF-8''c%C3%B4ng" in response.headers["Content-Disposition"]
    else:
        response = client.get(link["url"])
        assert response.status_code == 200 and response.data == PDF


def test_app_signed_links_refuse_tampering_and_expiry(client, login, clerk, app, monkeypatch):
    headers = login("vanthu")
    file_id = _upload(client, headers, PDF).get_json()["id"]
    if app.extensions["eoffice"]["settings"].s3_endpoint:
        # S3 checks its own signatures (moto does not): what we control is the expiry we ask for.
        url = client.post(f"/api/v1/files/{file_id}/link", headers=headers).get_json()["url"]
        assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
        return
    other_id = _upload(client, headers, b"another file").get_json()["id"]
    url = client.post(f"/api/v1/files/{file_id}/link", headers=headers).get_json()["url"]
    assert client.get(url.replace(f"/files/{file_id}/", f"/files/{other_id}/")).status_code == 403
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert client.get(tampered).get_json()["error"]["code"] == "invalid_link"
    later = time.time() + 301
    monkeypatch.setattr("eoffice.storage.operations.time.time", lambda: later)
    expired = client.get(url)
    assert expired.status_code == 403
    assert expired.get_json()["error"]["code"] == "link_expired"


@pytest.fixture
def live_server(app):
    """The app on a real HTTP server, for what the test client cannot send (chunked bodies)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _chunks(total: int, size: int = 1000):
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b"y" * piece
        sent += piece


def test_chunked_upload_of_unknown_length_is_streamed_and_stored(live_server, login, clerk):
    response = requests.post(
        f"{live_server}/api/v1/files?name=stream.bin",
        data=_chunks(LIMIT),
        headers={**login("vanthu"), "Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["size"] == LIMIT
    assert response.json()["sha256"] == hashlib.sha256(b"y" * LIMIT).hexdigest()


def test_chunked_upload_over_the_limit_is_cut_off_with_413(app, live_server, login, clerk):
    response = requests.post(
        f"{live_server}/api/v1/files?name=stream.bin",
        data=_chunks(LIMIT * 3),
        headers={**login("vanthu"), "Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert response.status_code == 413
    _assert_nothing_stored(app)


def test_deleting_an_object_the_database_does_not_reference_is_safe(app):
    with pytest.raises(ObjectNotFound):
        storage().stat("2026/11/" + "0" * 32)
    storage().delete("2026/11/" + "0" * 32)
