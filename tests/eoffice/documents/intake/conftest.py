"""Registering incoming documents: an upload limit small enough for the oversize cases to exceed, and
the clerk's upload."""

from __future__ import annotations

import io
import json

import pytest

from eoffice.pdfgen import text_pdf
from tests.factories import incoming_metadata

# Above the generated PDFs (which embed a font subset), below what the oversize cases send.
LIMIT = 64 * 1024
PDF = text_pdf("Công văn số 125/STC-NS")
ATTACHMENT = text_pdf("Phụ lục kèm theo")


@pytest.fixture
def app_env():
    return {"EOFFICE_MAX_UPLOAD_SIZE": str(LIMIT)}


def upload(client, headers, metadata=None, files=None, raw_metadata=None):
    if files is None:
        files = [(io.BytesIO(PDF), "cong-van.pdf")]
    data = {"files": files}
    if raw_metadata is not None:
        data["metadata"] = raw_metadata
    elif metadata is not False:
        data["metadata"] = json.dumps(metadata if metadata is not None else incoming_metadata())
    return client.post(
        "/api/v1/documents/incoming", data=data, headers=headers, content_type="multipart/form-data"
    )


def error_of(response) -> dict:
    return response.get_json()["error"]
