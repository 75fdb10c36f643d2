"""Serves the built web client (frontend/dist): its files, and index.html for every client route."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory
from werkzeug.routing import PathConverter

DIST_DIR = Path(__file__).resolve().parent.parent / "frontend" / "dist"
# Vite puts content-hashed bundles here: a new build gets new names, so they may be cached for good.
HASHED_ASSETS = "assets/"

blp = Blueprint("web", __name__)


class ClientPathConverter(PathConverter):
    """Any path outside the API: /api/... never reaches the client, so unknown API paths stay JSON 404."""

    regex = r"(?!api(?:/|$))[^/].*?"


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


@blp.get("/")
def client_root():
    return _index()


@blp.get("/<client_path:path>")
def client_route(path: str):
    file = _dist() / path
    if file.is_file() and file.resolve().is_relative_to(_dist().resolve()):
        hashed = path.startswith(HASHED_ASSETS)
        response = send_from_directory(_dist(), path, max_age=31536000 if hashed else 3600)
        if hashed:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
    # A missing file is a 404, not the page: a stale bundle name must not load HTML as a script.
    if path.startswith(HASHED_ASSETS) or "." in path.rsplit("/", 1)[-1]:
        abort(404, description=f"no file {path}")
    return _index()
