"""An object store that stops answering costs the waiting upload a 503, and nobody else anything.

The server is `python wsgi.py` as `make run` starts it, in its own process; the store is moto behind
a proxy that can freeze (accept connections, never answer).
"""

from __future__ import annotations

import io
import threading

import boto3
import pytest
import requests
from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.storage.models import StoredFile
from tests.conftest import TEST_PASSWORD
from tests.factories import create_user
from tests.fixtures.freezable_proxy import FreezableProxy
from tests.meetings.conftest import start_server_process, stop_server_process

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4
# Long enough for the other requests to be answered while the upload waits on a busy machine.
STORE_TIMEOUT = 10


@pytest.fixture
def store_proxy(s3_server):
    host, port = s3_server.endpoint.rsplit(":", 1)
    proxy = FreezableProxy(host, int(port))
    yield proxy
    proxy.close()


@pytest.fixture
def server(tmp_path, database_url, app, agency, s3_server, store_proxy):
    create_user("vanthu", roles=["clerk"])
    bucket = s3_server.new_bucket_name()
    process, url = start_server_process(
        tmp_path,
        "server",
        database_url,
        server="wsgi",
        EOFFICE_S3_ENDPOINT=f"127.0.0.1:{store_proxy.port}",
        EOFFICE_S3_ACCESS_KEY=s3_server.access_key,
        EOFFICE_S3_SECRET_KEY=s3_server.secret_key,
        EOFFICE_S3_BUCKET=bucket,
        EOFFICE_S3_SECURE="false",
        EOFFICE_S3_TIMEOUT=str(STORE_TIMEOUT),
    )
    yield url, bucket
    stop_server_process(process)


def _login(url: str) -> dict[str, str]:
    response = requests.post(
        f"{url}/api/v1/auth/login", json={"username": "vanthu", "password": TEST_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _upload(url: str, headers: dict[str, str], name: str) -> requests.Response:
    # The client's own time-out is far past the store's: a server that froze fails the test here.
    return requests.post(
        f"{url}/api/v1/files",
        files={"file": (name, io.BytesIO(PDF), "application/pdf")},
        headers=headers,
        timeout=90,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_upload_to_a_frozen_store_gets_503_while_the_server_answers_everyone_else(
    server, store_proxy, s3_server
):
    url, bucket = server
    headers = _login(url)
    assert _upload(url, headers, "trước.pdf").status_code == 201

    store_proxy.freeze()
    answers: list[requests.Response] = []
    waiting = threading.Thread(target=lambda: answers.append(_upload(url, headers, "trong lúc treo.pdf")))
    waiting.start()
    assert store_proxy.wait_for_swallowed(timeout=30), "the upload never reached the store"

    # While the upload waits on the store, the same process answers a probe, a login and /readyz,
    # which names the store as what is failing (its probe has its own short time-out).
    assert requests.get(f"{url}/healthz", timeout=30).status_code == 200
    _login(url)
    ready = requests.get(f"{url}/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "not_ready"
    assert ready.json()["error"]["details"]["object_store"].startswith("unavailable")
    assert ready.json()["error"]["details"]["database"] == "ok"
    assert waiting.is_alive(), "the upload was answered before the others: the test proves nothing"

    waiting.join(90)
    [answer] = answers
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "storage_unavailable"

    # Nothing half-written: one file in the database and one object in the store, the first.
    store_proxy.thaw()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    inspector = boto3.client(
        "s3",
        endpoint_url=f"http://{s3_server.endpoint}",
        aws_access_key_id=s3_server.access_key,
        aws_secret_access_key=s3_server.secret_key,
        region_name=s3_server.region,
    )
    assert len(inspector.list_objects_v2(Bucket=bucket).get("Contents", [])) == 1
    assert inspector.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # And once the store answers again, so does the upload.
    assert _upload(url, headers, "sau.pdf").status_code == 201
    assert requests.get(f"{url}/readyz", timeout=30).status_code == 200
