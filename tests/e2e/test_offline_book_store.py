"""The meeting book with S3 (moto standing in for MinIO), in Chromium: the tablet takes each document from
the store's signed URL the book names (another origin, by the bucket's CORS rule), not through the server;
a URL the store refuses (expired) is replaced by the server's, which checks the caller again."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import TABLET, ServerProcess, _free_port, device_opener, log_in
from tests.e2e.meeting_book import download_book, meeting_with_book, stored_offline


def _path_of(url: str) -> str:
    """The object a store URL names (bucket/key), whatever its signature."""
    return urlsplit(url).path


@pytest.fixture(scope="module")
def store_server(tmp_path_factory, s3_server):
    """`python wsgi.py` with the demo data, its files in a bucket of the S3 test server."""
    process = ServerProcess(tmp_path_factory.mktemp("e2e-store"), _free_port())
    process.env.update(s3_server.settings())
    process.load_demo()
    process.start()
    yield process
    process.stop()


def test_the_tablet_downloads_the_book_from_the_store_and_the_server_only_when_the_store_refuses(
    browser, store_server, s3_server
):
    meeting = meeting_with_book(store_server, "Họp giao ban tháng 12", start=False)
    book = store_server.get(f"/api/v1/meetings/{meeting['id']}/offline", "chuyenvien").json()
    assert all(d["direct_url"] for d in book["documents"]) and len(book["documents"]) == 2
    report, annex = sorted(book["documents"], key=lambda d: d["id"])
    open_device, close_all = device_opener(browser, store_server.url)
    try:
        tablet = open_device(TABLET, True)
        log_in(tablet, "chuyenvien")
        store = f"http://{s3_server.endpoint}/"
        asked: list[str] = []
        tablet.context.on("request", lambda request: asked.append(request.url))
        refused: list[str] = []

        report_key = _path_of(report["direct_url"])

        def refuse_once(route):
            if not refused and _path_of(route.request.url) == report_key:
                refused.append(route.request.url)
                route.fulfill(
                    status=403,
                    headers={"Access-Control-Allow-Origin": "*", "Content-Type": "application/xml"},
                    body="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                )
            else:
                route.continue_()

        tablet.context.route(re.compile("^" + re.escape(store)), refuse_once)
        download_book(tablet, meeting["id"], 2)

        from_server = [u for u in asked if "/api/v1/files/" in u]
        from_store = [u for u in asked if u.startswith(store)]
        # The annex came from the store alone; the report, refused there once, through the server's URL
        # (one request, a 307 to a freshly signed URL) and then from the store.
        assert refused and from_server == [f"{store_server.url}/api/v1/files/{report['file_id']}/content"]
        assert len([u for u in from_store if _path_of(u) == _path_of(annex["direct_url"])]) == 1
        assert len([u for u in from_store if _path_of(u) == report_key]) == 2
        # Each document is held whole: the device checks a finished copy against the book's SHA-256.
        rows = tablet.get_by_test_id("offline-book").locator("li[data-status=done]")
        assert rows.count() == 2
        assert stored_offline(tablet)["entries"]["chunks"] >= 2
    finally:
        close_all()
