"""The offline meeting book with S3 (moto): each document names the store's own signed URL, so that a hall of
tablets takes the bytes there and asks the server for nothing but the book."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.meetings.conftest import add_confidential_item, make_pdf, upload


@pytest.fixture
def redirect_ttl() -> str:
    return "300"


@pytest.fixture
def app_env(s3_server, redirect_ttl):
    return s3_server.settings() | {"EOFFICE_DOWNLOAD_REDIRECT_TTL": redirect_ttl}


def _book(client, room, username: str) -> dict:
    answer = client.get(
        f"/api/v1/meetings/{room.meeting_id}/offline",
        headers={"Authorization": f"Bearer {room.tokens[username]}"},
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_each_document_of_the_book_names_the_stores_signed_url_of_its_bytes(client, room, people, s3_server):
    item = add_confidential_item(client, room, [people.chair.id])
    headers = {"Authorization": f"Bearer {room.tokens['vanthu']}"}
    upload(client, headers, room.meeting_id, make_pdf(3), agenda_item_id=item)
    asked = time.time()
    chair, delegate = _book(client, room, "chutich"), _book(client, room, "daibieu1")
    # The confidential item's document is signed for its named people only.
    assert len(chair["documents"]) == 2 and len(delegate["documents"]) == 1
    for document in chair["documents"]:
        direct = document["direct_url"]
        assert urlsplit(direct).netloc == s3_server.endpoint
        query = parse_qs(urlsplit(direct).query)
        assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
        assert query["response-cache-control"] == ["private, max-age=31536000, immutable"]
        expires = datetime.fromisoformat(document["direct_url_expires_at"]).timestamp()
        assert asked + 299 <= expires <= time.time() + 301
        # No token: the URL alone gives the bytes the book describes, and their ranges.
        whole = requests.get(direct, timeout=10)
        assert whole.status_code == 200 and len(whole.content) == document["size"]
        assert f'"{hashlib.sha256(whole.content).hexdigest()}"' == document["etag"]
        part = requests.get(direct, headers={"Range": "bytes=100-"}, timeout=10)
        assert part.status_code == 206 and part.content == whole.content[100:]
    assert {d["id"] for d in delegate["documents"]} == {room.document_id}


@pytest.mark.parametrize("redirect_ttl", ["0"])
def test_with_redirects_off_the_book_names_only_the_servers_url(client, room):
    (document,) = _book(client, room, "daibieu1")["documents"]
    assert document["direct_url"] is None and document["direct_url_expires_at"] is None
    assert document["url"] == f"/api/v1/files/{document['file_id']}/content"
