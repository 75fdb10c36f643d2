"""Page counts of meeting documents are read by a bounded child process: a PDF it cannot read within the
limits (memory, time, pages) is refused with a 422 naming the file, as an unreadable one is."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.storage.models import StoredFile
from meetings.models import MeetingDocument
from tests.fixtures.hostile_pdfs import MB, PeakRss, inflating_xref_pdf
from tests.meetings.conftest import make_pdf, meeting_body, upload


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"EOFFICE_PARSER_MAX_PAGES": "5"}


def _meeting(client, login, people) -> int:
    created = client.post("/api/v1/meetings", json=meeting_body(people), headers=login("vanthu"))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _stored() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(StoredFile)),
        db.session.scalar(select(func.count()).select_from(MeetingDocument)),
    )


def test_a_pdf_whose_structure_inflates_past_the_memory_limit_is_refused_naming_the_file(
    client, login, people
):
    meeting_id = _meeting(client, login, people)
    headers = login("vanthu")

    with PeakRss() as peak:
        refused = upload(client, headers, meeting_id, inflating_xref_pdf(300 * MB), name="bom.pdf")
    # Stated bound: the server grows by less than 200 MB (PDFium in it took ~620 MB).
    assert peak.growth < 200 * MB

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    reason = "the PDF cannot be read within the server's limits: needed more than the memory limit of"
    assert error["code"] == "validation_error" and error["message"].startswith(f"file: {reason}")
    assert list(error["details"]["json"]) == ["file"]
    assert _stored() == (0, 0)
    # The next request is answered.
    accepted = upload(client, headers, meeting_id, make_pdf(2), name="to-trinh.pdf")
    assert accepted.status_code == 201 and accepted.get_json()["page_count"] == 2


def test_a_pdf_with_more_pages_than_the_limit_is_refused_and_one_at_the_limit_accepted(client, login, people):
    meeting_id = _meeting(client, login, people)
    headers = login("vanthu")

    refused = upload(client, headers, meeting_id, make_pdf(6), name="dai.pdf")
    accepted = upload(client, headers, meeting_id, make_pdf(5), name="vua.pdf")

    assert refused.status_code == 422
    assert "the PDF has 6 pages, more than the limit of 5" in refused.get_json()["error"]["message"]
    assert accepted.status_code == 201 and accepted.get_json()["page_count"] == 5
    assert _stored() == (1, 1)
