"""Flask serves the built web client: its files, index.html for client routes, JSON 404 under /api."""

from __future__ import annotations

import gzip

import pytest


@pytest.fixture
def dist(app, tmp_path):
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>e-office</title>", encoding="utf-8")
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    (folder / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    app.extensions["eoffice"]["web_dist"] = folder
    return folder


@pytest.mark.parametrize("path", ["/", "/login", "/documents/12", "/documents/incoming/new", "/apiary"])
def test_client_routes_get_the_page_revalidated(client, dist, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"<title>e-office</title>" in response.data
    assert response.headers["Cache-Control"] == "no-cache"


def test_hashed_bundles_are_served_and_cached_for_good(client, dist):
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.data == b"console.log(1)"
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/favicon.svg").data == b"<svg/>"


def test_a_bundle_goes_gzipped_to_browsers_that_take_it(client, dist):
    source = b"export const pages = 5;" * 200
    (dist / "assets" / "room-abc123.mjs").write_bytes(source)
    (dist / "assets" / "room-abc123.mjs.gz").write_bytes(gzip.compress(source))

    zipped = client.get("/assets/room-abc123.mjs", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.mimetype == "text/javascript"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "immutable" in zipped.headers["Cache-Control"]
    assert gzip.decompress(zipped.data) == source

    plain = client.get("/assets/room-abc123.mjs", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == source
    # A bundle without a twin is sent as it is, also to a browser that takes gzip.
    alone = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in alone.headers and alone.data == b"console.log(1)"


@pytest.mark.parametrize("path", ["/assets/index-old999.js", "/missing.css"])
def test_missing_files_are_404_not_the_page(client, dist, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"<title>" not in response.data


@pytest.mark.parametrize(
    "method, path", [("get", "/api/v1/no-such-thing"), ("get", "/api/x"), ("post", "/api/v1/nope")]
)
def test_unknown_api_paths_stay_json_404(client, dist, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_method_errors_are_unchanged(client, dist):
    assert client.delete("/api/v1/auth/login").status_code == 405


def test_path_outside_the_build_is_not_served(client, dist, tmp_path):
    (tmp_path / "secret.txt").write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    response = client.get("/..%2Fsecret.txt")
    assert response.status_code == 404
    assert b"TOP-SECRET-CONTENT" not in response.data


def test_unbuilt_client_says_how_to_build_it(client, app, tmp_path):
    app.extensions["eoffice"]["web_dist"] = tmp_path / "nothing"
    response = client.get("/documents")
    assert response.status_code == 503
    assert "npm run build" in response.get_json()["error"]["message"]
    assert client.get("/healthz").status_code == 200


def test_the_service_worker_covers_the_site_and_is_never_kept_stale(client, dist):
    (dist / "sw.js").write_text('const BUILD = {"version": "abc", "files": []};', encoding="utf-8")
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    # A browser checks the worker at every navigation: a new build's worker replaces the old one at once.
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert b'"version": "abc"' in response.data


def test_the_web_app_manifest_is_served_as_one(client, dist):
    (dist / "manifest.webmanifest").write_text('{"name": "Văn phòng điện tử"}', encoding="utf-8")
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.get_json(force=True)["name"] == "Văn phòng điện tử"


def test_without_a_built_worker_sw_js_is_404_not_the_page(client, dist):
    response = client.get("/sw.js")
    assert response.status_code == 404
    assert b"<title>" not in response.data
