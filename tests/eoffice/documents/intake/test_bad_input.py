"""Registering with bad input: file names cleaned, bad fields refused by name, and nothing stored."""

from __future__ import annotations

import io

import pytest

from eoffice.documents import operations
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import nothing_stored
from tests.eoffice.documents.intake.conftest import ATTACHMENT, LIMIT, PDF, error_of, upload
from tests.factories import incoming_metadata


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("hồ sơ/2026/Công văn 12.pdf", "Công văn 12.pdf"),
        ("tờ\ttrình\u200b.pdf", "tờtrình.pdf"),
    ],
)
def test_file_names_lose_paths_and_control_characters(client, people, as_user, name, expected):
    response = upload(client, as_user(people.clerk), files=[(io.BytesIO(PDF), name)])
    assert response.status_code == 201
    assert response.get_json()["files"][0]["name"] == expected


def test_control_characters_in_a_channel_file_name_are_removed(app, people):
    record = operations.InboundRecord(
        agency_id=people.clerk.agency_id,
        metadata=incoming_metadata(),
        files=[
            operations.IncomingFile("cong\x00van\x1b\n.pdf", io.BytesIO(PDF)),
            operations.IncomingFile("C:\\Users\\vanthu\\Công văn 12.pdf", io.BytesIO(ATTACHMENT)),
        ],
    )
    with commit_or_discard():
        document, _ = operations.register_upload(record, people.clerk)
    assert [link.stored_file.name for link in document.files] == ["congvan.pdf", "Công văn 12.pdf"]


def _metadata_without(field):
    metadata = incoming_metadata()
    del metadata[field]
    return metadata


@pytest.mark.parametrize(
    "kwargs, status, field",
    [
        ({"metadata": False}, 422, "metadata"),
        ({"raw_metadata": '{"issuer_id": "000.00.12.H49",'}, 422, "metadata"),
        ({"raw_metadata": "[1, 2]"}, 422, "metadata"),
        ({"metadata": _metadata_without("subject")}, 422, "metadata.subject"),
        ({"metadata": _metadata_without("issuer_id")}, 422, "metadata.issuer_id"),
        ({"metadata": incoming_metadata(subject="   ")}, 422, "metadata.subject"),
        ({"metadata": incoming_metadata(number="mười hai")}, 422, "metadata.number"),
        ({"metadata": incoming_metadata(number=0)}, 422, "metadata.number"),
        ({"metadata": incoming_metadata(issued_date="20/11/2026")}, 422, "metadata.issued_date"),
        ({"metadata": incoming_metadata(arrival_number=7)}, 422, "metadata.arrival_number"),
        ({"metadata": incoming_metadata(issuer_id="H49")}, 422, "metadata.issuer_id"),
        ({"metadata": incoming_metadata(issuer_id="000.00.12.h49 ")}, 422, "metadata.issuer_id"),
        ({"metadata": incoming_metadata(document_type="XYZ")}, 422, "metadata.document_type"),
        ({"metadata": incoming_metadata(urgency="rất khẩn")}, 422, "metadata.urgency"),
        ({"metadata": incoming_metadata(confidentiality="mật")}, 422, "metadata.confidentiality"),
        ({"metadata": incoming_metadata(notation="x" * 31)}, 422, "metadata.notation"),
        ({"files": lambda: []}, 422, "files"),
        ({"files": lambda: [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(b""), "rong.pdf")]}, 422, "files[1]"),
        (
            {"files": lambda: [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(b"x" * (LIMIT + 1)), "lon.txt")]},
            413,
            "files[1]",
        ),
        (
            {"files": lambda: [(io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 100), "virus.pdf")]},
            415,
            "files[0]",
        ),
        (
            {
                "files": lambda: [
                    (io.BytesIO(PDF), "a.pdf"),
                    (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "b.exe"),
                ]
            },
            415,
            "files[1]",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    app, client, people, as_user, kwargs, status, field
):
    # Streams are built per run: a test client closes the ones it sends.
    kwargs = {key: value() if callable(value) else value for key, value in kwargs.items()}
    response = upload(client, as_user(people.clerk), **kwargs)

    assert response.status_code == status, response.get_json()
    error = error_of(response)
    assert error["message"].startswith(field), error["message"]
    assert nothing_stored(app)
