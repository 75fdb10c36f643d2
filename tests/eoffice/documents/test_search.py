"""Full-text search: accent-insensitive over metadata and PDF text, newest first, never showing what
the caller may not see."""

from __future__ import annotations

import io
import json

import pytest

from eoffice.documents.fulltext import fold
from eoffice.documents.operations.common import name
from eoffice.documents.tasks import index_queued_texts
from eoffice.pdfgen import text_pdf
from tests.factories import create_document, incoming_metadata


def _register(client, headers, metadata, pdf: bytes, name="van-ban.pdf"):
    response = client.post(
        "/api/v1/documents/incoming",
        data={"metadata": json.dumps(metadata), "files": (io.BytesIO(pdf), name, "application/pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    # On PostgreSQL the text of PDFs is indexed in the background (test_text_extraction.py): here,
    # by the worker's step, run as soon as the upload is answered.
    index_queued_texts()
    return response.get_json()


def _search(client, headers, query, **params):
    response = client.get(
        "/api/v1/documents", query_string={"q": query, "status": "all", **params}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _every_page(client, headers, query, limit=2):
    """The ids of every page of a search, following the cursor to the end."""
    seen, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(
            "/api/v1/documents", query_string={"q": query, "status": "all", **params}, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_folding_removes_vietnamese_diacritics_and_d_stroke():
    assert fold("Quyết định số 15/QĐ-UBND về Đề án") == "quyet dinh so 15 qd ubnd ve de an"


def test_search_is_accent_insensitive_over_metadata_and_pdf_text(client, people, as_user):
    headers = as_user(people.clerk)
    flood = _register(
        client,
        headers,
        incoming_metadata(subject="Kế hoạch phòng, chống thiên tai năm 2027", number=7, notation="KH-UBND"),
        text_pdf("Kế hoạch", ["Các địa phương chủ động sơ tán dân khỏi vùng sạt lở đất."]),
    )
    budget = _register(
        client,
        headers,
        incoming_metadata(subject="Hướng dẫn lập dự toán ngân sách", number=8),
        text_pdf("Hướng dẫn", ["Dự toán chi thường xuyên của các đơn vị sự nghiệp."]),
    )
    assert _search(client, headers, "ke hoach phong chong") == [flood["id"]]
    assert _search(client, headers, "Kế hoạch") == [flood["id"]]
    # Words found only inside the PDF.
    assert _search(client, headers, "sat lo dat") == [flood["id"]]
    assert _search(client, headers, "chi thuong xuyen") == [budget["id"]]
    # The notation, and a word typed halfway.
    assert _search(client, headers, "07/KH-UBND") == [flood["id"]]
    assert _search(client, headers, "ngan sa") == [budget["id"]]
    assert _search(client, headers, "So Tai chinh") == [budget["id"], flood["id"]]
    assert _search(client, headers, "bão lụt") == []


def test_search_never_shows_what_the_caller_may_not_see(client, people, as_user):
    secret = _register(
        client,
        as_user(people.clerk),
        incoming_metadata(subject="Phương án bảo vệ mục tiêu quan trọng", confidentiality="secret"),
        text_pdf("Mật", ["Nội dung mật"]),
    )
    assert _search(client, as_user(people.clerk), "muc tieu quan trong") == [secret["id"]]
    assert _search(client, as_user(people.leader), "muc tieu quan trong") == []
    assert _search(client, as_user(people.outsider_clerk), "muc tieu quan trong") == []


def test_search_query_syntax_cannot_break_the_search(client, people, as_user):
    headers = as_user(people.clerk)
    _register(client, headers, incoming_metadata(), text_pdf("Văn bản"))
    for query in ['"', "AND OR NOT", "a*b:c", "'; DROP TABLE documents; --", "((", "NEAR(x y)"]:
        response = client.get(
            "/api/v1/documents", query_string={"q": query, "status": "all"}, headers=headers
        )
        assert response.status_code == 200, (query, response.get_json())


@pytest.mark.parametrize("window", [2, 1000])
def test_search_pages_are_newest_first_whether_the_newest_documents_hold_the_page_or_not(
    client, people, as_user, monkeypatch, window
):
    # With a window of 1000 the walk over the newest documents fills the first page; with 2 it
    # cannot, and the full-text index answers. Either way every match comes once, newest first.
    monkeypatch.setattr("eoffice.documents.queries.RECENT_WINDOW", window)
    subjects = ["Kế hoạch phòng chống bão năm 2027", "Báo cáo dự toán ngân sách"]
    created = [
        create_document(
            "registered", clerk=people.clerk, metadata={"number": n + 1, "subject": subjects[n % 2]}
        )
        for n in range(9)
    ]
    seen = _every_page(client, as_user(people.clerk), "phong chong bao")
    assert seen == [document.id for document in reversed(created[::2])]


@pytest.mark.parametrize("windows", [(1000, 10_000), (2, 1000), (2, 3), (1, 1)])
def test_a_platform_admins_search_pages_are_newest_first_over_every_agency_whichever_window_holds_them(
    client, people, as_user, monkeypatch, windows
):
    # Across agencies the walk goes on to a wider window when the first one held some matches but not a
    # page; the windows here make the first, the wider one, or the index answer each page.
    monkeypatch.setattr("eoffice.documents.queries.RECENT_WINDOW", windows[0])
    monkeypatch.setattr("eoffice.documents.queries.WIDE_RECENT_WINDOW", windows[1])
    subjects = ["Kế hoạch phòng chống bão năm 2027", "Báo cáo dự toán ngân sách", "Tờ trình dự toán"]
    created = [
        create_document(
            "registered",
            clerk=(people.clerk, people.outsider_clerk)[n % 2],
            metadata={"number": n + 1, "subject": subjects[n % 3]},
        )
        for n in range(13)
    ]
    seen = _every_page(client, as_user(people.platform_admin), "phong chong bao")
    assert seen == [document.id for document in reversed(created[::3])]


def test_a_platform_admin_searches_every_agency_except_confidential_documents(client, people, as_user):
    def storm_plan(clerk, number, **metadata):
        metadata = {"number": number, "subject": "Kế hoạch phòng chống bão", **metadata}
        return create_document("registered", clerk=clerk, metadata=metadata)

    home = storm_plan(people.clerk, 1)
    other = storm_plan(people.outsider_clerk, 2)
    storm_plan(people.outsider_clerk, 3, confidentiality="secret")
    assert _search(client, as_user(people.platform_admin), "phong chong bao") == [other.id, home.id]
    assert _search(client, as_user(people.clerk), "phong chong bao") == [home.id]
    assert _search(client, as_user(people.outsider_leader), "phong chong bao") == [other.id]


def test_only_people_of_the_documents_agency_are_ever_named_on_it(people):
    # Lists and searches look at the caller's agency only (documents.policy.visible_agency).
    document = create_document("registered", clerk=people.clerk)
    with pytest.raises(ValueError, match="not of agency"):
        name(document, people.outsider_clerk)
    assert name(document, people.leader).user_id == people.leader.id
