"""Records tests: the documents' small province, with an archivist, and helpers to file handled documents."""

from __future__ import annotations

import pytest

from eoffice.accounts.models import User
from tests.eoffice.documents.conftest import as_user, live_server, people  # noqa: F401
from tests.factories import create_document, create_user

CASE_FILES = "/api/v1/records/case-files"


@pytest.fixture
def archivist(people) -> User:  # noqa: F811 - the fixture imported above
    return create_user("luutru", roles=["archivist"], unit_id=people.units["VP"], full_name="Lê Văn Lưu")


def handled(province, subject: str = "V/v hướng dẫn lập dự toán", **metadata):
    """An incoming document the handler completed: what a specialist files."""
    return create_document(
        "completed",
        clerk=province.clerk,
        leader=province.leader,
        handler=province.handler,
        metadata={"subject": subject, **metadata},
    )


def open_case_file(client, headers, **body):
    body = {
        "notation": "VX-01",
        "title": "Hồ sơ xây dựng dự toán ngân sách 2027",
        "retention_years": 10,
        **body,
    }
    return client.post(CASE_FILES, json=body, headers=headers)


def act(client, headers, case_file_id: int, action: str, **body):
    return client.post(f"{CASE_FILES}/{case_file_id}/actions/{action}", json=body, headers=headers)
