"""Download links the object store signs name the store's public address, not its internal one."""

from __future__ import annotations

import hashlib
import hmac
import io
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests

from tests.factories import create_user

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4


@pytest.fixture
def app_env(s3_server):
    # The server reaches moto as 127.0.0.1; browsers are told to use "localhost", the same
    # server under the name a proxy in front of MinIO would have.
    port = s3_server.endpoint.rsplit(":", 1)[1]
    return s3_server.settings() | {"EOFFICE_S3_PUBLIC_ENDPOINT": f"http://localhost:{port}"}


def _signature_for_host(url: str, host: str, secret_key: str) -> str:
    """The SigV4 query signature S3 expects for a GET of this URL sent with this Host header.

    moto does not check signatures, so the test does what S3 and MinIO do.
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query))
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{host}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    params = dict(query)
    scope = params["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret_key).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_a_download_link_names_the_public_endpoint_and_is_signed_for_it(client, login, agency, s3_server):
    create_user("vanthu", roles=["clerk"])
    headers = login("vanthu")
    uploaded = client.post(
        "/api/v1/files",
        data={"file": (io.BytesIO(PDF), "công văn.pdf", "application/pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()

    response = client.post(f"/api/v1/files/{uploaded.get_json()['id']}/link", headers=headers)

    assert response.status_code == 200
    url = response.get_json()["url"]
    port = s3_server.endpoint.rsplit(":", 1)[1]
    assert urlsplit(url).scheme == "http" and urlsplit(url).netloc == f"localhost:{port}"
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    assert signature == _signature_for_host(url, f"localhost:{port}", s3_server.secret_key)
    assert signature != _signature_for_host(url, s3_server.endpoint, s3_server.secret_key)
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == PDF
