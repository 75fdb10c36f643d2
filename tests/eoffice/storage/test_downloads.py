"""Downloads as a tablet makes them: byte ranges, the version it holds (ETag), how long it may keep the
bytes, and with S3 a redirect to the store's own signed URL, so the bytes never pass through Python."""

from __future__ import annotations

import hashlib
import io
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from tests.factories import create_user

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 64
TAG = f'"{hashlib.sha256(PDF).hexdigest()}"'
IMMUTABLE = "private, max-age=31536000, immutable"


@pytest.fixture(params=["local", "s3"])
def store(request) -> str:
    return request.param


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {}


@pytest.fixture
def app_env(store, extra_env, request):
    if store == "local":
        return extra_env
    return extra_env | request.getfixturevalue("s3_server").settings()


@pytest.fixture
def people(agency):
    create_user("vanthu", roles=["clerk"])
    create_user("chuyenvien", roles=["specialist"])


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _upload(client, headers) -> int:
    response = client.post(
        "/api/v1/files",
        data={"file": (io.BytesIO(PDF), "tờ trình.pdf", "application/pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_file_and_ranges_of_it_arrive_whole_on_either_store(live_server, client, login, people, store):
    headers = login("vanthu")
    url = f"{live_server}/api/v1/files/{_upload(client, headers)}/content"
    whole = requests.get(url, headers=headers, timeout=10)
    assert whole.status_code == 200 and whole.content == PDF
    assert whole.headers["Cache-Control"] == IMMUTABLE
    assert "filename*=UTF-8''t%E1%BB%9D%20tr%C3%ACnh.pdf" in whole.headers["Content-Disposition"]
    if store == "s3":
        # The server only pointed at the store: the bytes came from S3.
        (redirect,) = whole.history
        assert redirect.status_code == 307 and redirect.headers["Cache-Control"] == "private, no-store"
        assert whole.url.startswith(
            f"http://{client.application.extensions['eoffice']['settings'].s3_endpoint}/"
        )
    else:
        assert whole.history == [] and whole.headers["ETag"] == TAG
        assert whole.headers["Accept-Ranges"] == "bytes"
    first_page = requests.get(url, headers={**headers, "Range": "bytes=0-1023"}, timeout=10)
    assert first_page.status_code == 206 and first_page.content == PDF[:1024]
    assert first_page.headers["Content-Range"] == f"bytes 0-1023/{len(PDF)}"
    tail = requests.get(url, headers={**headers, "Range": "bytes=-5"}, timeout=10)
    assert tail.status_code == 206 and tail.content == PDF[-5:]


# With S3 the store answers ranges and If-Range itself.
@pytest.mark.parametrize("store", ["local"])
def test_a_range_past_the_end_is_416_naming_the_size(client, login, people):
    headers = login("vanthu")
    url = f"/api/v1/files/{_upload(client, headers)}/content"
    beyond = client.get(url, headers={**headers, "Range": f"bytes={len(PDF)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(PDF)}"
    assert beyond.get_json()["error"]["code"] == "range_not_satisfiable"
    several = client.get(url, headers={**headers, "Range": "bytes=0-1,5-9"})
    assert several.status_code == 416


def test_a_device_holding_this_version_gets_304_without_the_bytes(client, login, people):
    headers = login("vanthu")
    url = f"/api/v1/files/{_upload(client, headers)}/content"
    for held in (TAG, f"W/{TAG}", f'"other", {TAG}', "*"):
        unchanged = client.get(url, headers={**headers, "If-None-Match": held})
        assert unchanged.status_code == 304, held
        assert unchanged.data == b"" and unchanged.headers["ETag"] == TAG
        assert unchanged.headers["Cache-Control"] == IMMUTABLE
    changed = client.get(url, headers={**headers, "If-None-Match": '"an older version"'})
    assert changed.status_code in (200, 307)


@pytest.mark.parametrize("store", ["local"])
def test_a_range_asked_of_another_version_gets_the_whole_file(client, login, people):
    headers = login("vanthu")
    url = f"/api/v1/files/{_upload(client, headers)}/content"
    asked = {**headers, "Range": "bytes=100-199"}
    same = client.get(url, headers={**asked, "If-Range": TAG})
    assert same.status_code == 206 and same.data == PDF[100:200]
    for other in ('"an older version"', f"W/{TAG}", "Tue, 01 Dec 2026 08:00:00 GMT"):
        whole = client.get(url, headers={**asked, "If-Range": other})
        assert whole.status_code == 200 and whole.data == PDF, other
        assert "Content-Range" not in whole.headers


@pytest.mark.parametrize("store", ["s3"])
def test_the_redirect_is_signed_by_the_store_for_a_short_lifetime(client, login, people):
    headers = login("vanthu")
    response = client.get(f"/api/v1/files/{_upload(client, headers)}/content", headers=headers)
    assert response.status_code == 307
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]
    assert query["response-cache-control"] == [IMMUTABLE]
    # Who may not read the file gets no URL.
    refused = client.get(f"/api/v1/files/{_upload(client, headers)}/content", headers=login("chuyenvien"))
    assert refused.status_code == 403 and "Location" not in refused.headers


@pytest.mark.parametrize("store", ["s3"])
@pytest.mark.parametrize("extra_env", [{"EOFFICE_DOWNLOAD_REDIRECT_TTL": "0"}])
def test_with_redirects_off_s3_bytes_and_ranges_pass_through_the_server(client, login, people):
    headers = login("vanthu")
    url = f"/api/v1/files/{_upload(client, headers)}/content"
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200 and whole.data == PDF and whole.headers["ETag"] == TAG
    part = client.get(url, headers={**headers, "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == PDF[10:20]


APP_ORIGIN = "https://vanphong.quangnam.gov.vn"


@pytest.mark.parametrize("store", ["s3"])
@pytest.mark.parametrize("extra_env", [{"EOFFICE_PUBLIC_URL": f"{APP_ORIGIN}/"}])
def test_the_app_page_may_read_the_redirected_file_by_ranges_across_origins(client, login, people):
    # The tablet's page (the app's origin) follows the 307 to the store, another origin, with its device
    # headers and a range: the browser asks first, then reads Content-Range and ETag only if allowed.
    headers = login("vanthu")
    redirect = client.get(f"/api/v1/files/{_upload(client, headers)}/content", headers=headers)
    assert redirect.status_code == 307
    location = redirect.headers["Location"]
    asked = requests.options(
        location,
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range,x-device-id,x-device-name",
        },
        timeout=10,
    )
    assert asked.status_code == 200
    assert asked.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "GET" in asked.headers["Access-Control-Allow-Methods"]
    part = requests.get(location, headers={"Origin": APP_ORIGIN, "Range": "bytes=0-1023"}, timeout=10)
    assert part.status_code == 206 and part.content == PDF[:1024]
    assert part.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    exposed = {name.strip().lower() for name in part.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"content-range", "etag", "content-length", "accept-ranges"} <= exposed
    # Another site's page is not let in.
    foreign = requests.options(
        location,
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert foreign.status_code == 403
