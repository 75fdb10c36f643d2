"""Serves the built web client (frontend/dist): its files, and index.html for every client route."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, request, send_from_directory
from werkzeug.routing import PathConverter

DIST_DIR = Path(__file__).resolve().parent.parent / "frontend" / "dist"
# Vite puts content-hashed bundles here: a new build gets new names, so they may be cached for good.
HASHED_ASSETS = "assets/"
# The service worker names the build it keeps offline: a browser must see a new build's worker at once.
SERVICE_WORKER = "sw.js"
MANIFEST = "manifest.webmanifest"

blp = Blueprint("web", __name__)


class ClientPathConverter(PathConverter):
    """Any path outside the API: /api/... never reaches the client, so unknown API paths stay JSON 404.

    Nor does /metrics: the public port answers it 404, whatever listens on EOFFICE_METRICS_PORT.
    """

    regex = r"(?!api(?:/|$)|metrics/?$)[^/].*?"


def init_app(app: Flask, dist_dir: Path = DIST_DIR) -> None:
    app.url_map.converters["client_path"] = ClientPathConverter
    app.extensions["eoffice"]["web_dist"] = dist_dir
    app.register_blueprint(blp)


def _dist() -> Path:
    return current_app.extensions["eoffice"]["web_dist"]


def _index():
    index = _dist() / "index.html"
    if not index.is_file():
        abort(
            503, description="the web client is not built: run `make run` (or `npm run build` in frontend/)"
        )
    response = send_from_directory(_dist(), "index.html", max_age=0)
    # Always revalidate: the page names the current hashed bundles.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _send_compressed(path: str):
    """The build's gzip twin of a bundle (vite.config.ts writes them) to a browser that takes gzip.

    Without a proxy in front, pdf.js and its worker would otherwise travel at three to four times the
    size: on a tablet's mobile link that is most of the meeting room's load time.
    """
    twin = _dist() / f"{path}.gz"
    if "gzip" not in request.accept_encodings or not twin.is_file():
        return None
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith((".js", ".mjs")):
        mimetype = "text/javascript"
    response = send_from_directory(_dist(), f"{path}.gz", max_age=31536000, mimetype=mimetype)
    response.headers["Content-Encoding"] = "gzip"
    return response


@blp.get("/")
def client_root():
    return _index()


def _service_worker():
    """The worker for the whole site (scope /), revalidated at every check so that a new build takes over."""
    response = send_from_directory(_dist(), SERVICE_WORKER, max_age=0, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@blp.get("/<client_path:path>")
def client_route(path: str):
    file = _dist() / path
    if path == SERVICE_WORKER and file.is_file():
        return _service_worker()
    if path == MANIFEST and file.is_file():
        response = send_from_directory(_dist(), MANIFEST, max_age=0, mimetype="application/manifest+json")
        response.headers["Cache-Control"] = "no-cache"
        return response
    if file.is_file() and file.resolve().is_relative_to(_dist().resolve()):
        hashed = path.startswith(HASHED_ASSETS)
        response = _send_compressed(path) if hashed else None
        if response is None:
            response = send_from_directory(_dist(), path, max_age=31536000 if hashed else 3600)
        if hashed:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.vary.add("Accept-Encoding")
        return response
    # A missing file is a 404, not the page: a stale bundle name must not load HTML as a script.
    if path.startswith(HASHED_ASSETS) or "." in path.rsplit("/", 1)[-1]:
        abort(404, description=f"no file {path}")
    return _index()
