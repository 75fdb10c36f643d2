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
# The longest the settings allow, far longer than the test: an upload on the frozen store waits until
# the test lets it go.
LONGER_THAN_THE_TEST = 600


@pytest.fixture
def store_proxy(s3_server):
    host, port = s3_server.endpoint.rsplit(":", 1)
    proxy = FreezableProxy(host, int(port))
    yield proxy
    proxy.close()


@pytest.fixture
def store_timeout() -> int:
    """EOFFICE_S3_TIMEOUT of the server, in seconds: what an upload to the frozen store waits, and long
    enough for the store to answer a good upload on a loaded machine."""
    return 10


@pytest.fixture
def server(tmp_path, database_url, app, agency, s3_server, store_proxy, store_timeout):
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
        EOFFICE_S3_TIMEOUT=str(store_timeout),
    )
    yield url, bucket
    stop_server_process(process)


def _login(url: str) -> dict[str, str]:
    response = requests.post(
        f"{url}/api/v1/auth/login", json={"username": "vanthu", "password": TEST_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _assert_only_the_first_upload_is_kept(bucket: str, s3_server) -> None:
    """Nothing half-written: one file in the database and one object in the store, the first."""
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


def _upload(url: str, headers: dict[str, str], name: str) -> requests.Response:
    # The client's own time-out is far past the store's: a server that froze fails the test here.
    return requests.post(
        f"{url}/api/v1/files",
        files={"file": (name, io.BytesIO(PDF), "application/pdf")},
        headers=headers,
        timeout=90,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_upload_to_a_frozen_store_gets_503_after_the_store_time_out_and_works_once_it_answers(
    server, store_proxy, s3_server
):
    url, bucket = server
    headers = _login(url)
    assert _upload(url, headers, "trước.pdf").status_code == 201

    store_proxy.freeze()
    answer = _upload(url, headers, "trong lúc treo.pdf")

    assert store_proxy.swallowed_bytes > 0, "the upload never reached the store"
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "storage_unavailable"
    store_proxy.thaw()
    _assert_only_the_first_upload_is_kept(bucket, s3_server)
    assert _upload(url, headers, "sau.pdf").status_code == 201
    assert requests.get(f"{url}/readyz", timeout=30).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("store_timeout", [LONGER_THAN_THE_TEST])
def test_while_an_upload_waits_on_a_frozen_store_the_server_answers_everyone_else(
    server, store_proxy, s3_server
):
    url, bucket = server
    headers = _login(url)
    assert _upload(url, headers, "trước.pdf").status_code == 201

    store_proxy.freeze()
    answers: list[requests.Response] = []
    waiting = threading.Thread(
        target=lambda: answers.append(_upload(url, headers, "trong lúc treo.pdf")), daemon=True
    )
    waiting.start()
    assert store_proxy.wait_for_swallowed(timeout=30), "the upload never reached the store"

    # While the upload waits on the store, the same process answers a probe and a login (neither
    # touches the store), with the upload's connection to the store still open ...
    assert requests.get(f"{url}/healthz", timeout=30).status_code == 200
    _login(url)
    assert store_proxy.held_connections == 1, "the upload stopped waiting on the store"
    # ... and /readyz, which names the store as what is failing (its probe has its own short time-out).
    ready = requests.get(f"{url}/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "not_ready"
    assert ready.json()["error"]["details"]["object_store"].startswith("unavailable")
    assert ready.json()["error"]["details"]["database"] == "ok"
    assert waiting.is_alive() and answers == []

    # The store goes away: the waiting upload is answered at once, with a 503 and nothing half-written.
    store_proxy.close()
    waiting.join(90)
    [answer] = answers
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "storage_unavailable"
    _assert_only_the_first_upload_is_kept(bucket, s3_server)
