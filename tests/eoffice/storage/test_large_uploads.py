"""Uploads of ordinary sizes pass on every upload path: the documented limit is the one applied."""

from __future__ import annotations

import hashlib
import io
import random

import pytest

from eoffice.extensions import db
from eoffice.runtime import storage
from eoffice.storage.models import StoredFile
from tests.factories import create_user


@pytest.fixture
def clerk(agency):
    create_user("vanthu", roles=["clerk"])


def test_binary_files_of_100_kb_to_2_mb_are_stored_whole_through_multipart(client, login, clerk):
    # Werkzeug's parser refused most of these with 413 when a file part was held to 64 KiB of form memory.
    headers = login("vanthu")
    generator = random.Random(22)
    for index in range(12):
        content = generator.randbytes(generator.randint(100_000, 2_000_000))
        response = client.post(
            "/api/v1/files",
            data={"file": (io.BytesIO(content), f"tep-{index}.bin", "application/octet-stream")},
            headers=headers,
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, (index, len(content), response.get_json())
        body = response.get_json()
        assert body["size"] == len(content) and body["sha256"] == hashlib.sha256(content).hexdigest()
        assert b"".join(storage().open(db.session.get(StoredFile, body["id"]).key)) == content


@pytest.mark.parametrize("app_env", [{"EOFFICE_MAX_JSON_SIZE": "1024"}])
def test_a_small_json_limit_does_not_hold_back_multipart_files(client, login, clerk):
    content = random.Random(7).randbytes(300_000)
    response = client.post(
        "/api/v1/files",
        data={"file": (io.BytesIO(content), "tep.bin", "application/octet-stream")},
        headers=login("vanthu"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["size"] == len(content)
