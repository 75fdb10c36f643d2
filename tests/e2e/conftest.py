"""End-to-end fixtures: a real `python wsgi.py` with the demo data, and the system Chromium via Playwright."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from eoffice.pdfgen import text_pdf
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
DEMO_PASSWORD = "Demo@2026"
# Playwright's own browser downloads are not used: the system Chromium, with no network chatter.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A 10-inch tablet, the smallest screen the client is designed for, in landscape and portrait.
TABLET = {"width": 1280, "height": 800}
TABLET_PORTRAIT = {"width": 800, "height": 1280}


def awaiting_direction(server: Server, subject: str, **metadata) -> int:
    """An incoming letter registered by the clerk and submitted to Trần Văn Minh for direction: its id."""
    metadata = {
        "issuer_id": "000.00.20.H49",
        "issuer_name": "Sở Y tế tỉnh Quảng Nam",
        "document_type": "CV",
        "number": 415,
        "notation": "SYT-NVY",
        "issued_date": datetime.now(UTC).date().isoformat(),
        "subject": subject,
        **metadata,
    }
    document = server.post(
        "/api/v1/documents/incoming",
        "vanthu",
        data={"metadata": json.dumps(metadata)},
        files={"files": ("cv.pdf", text_pdf("Công văn", ["Nội dung."]), "application/pdf")},
    )
    server.post(
        f"/api/v1/documents/{document['id']}/actions/submit_for_direction",
        "vanthu",
        json={"leader_id": server.person_id("Trần Văn Minh")},
    )
    return document["id"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, url: str, instance: Path):
        self.url = url
        self.instance = instance

    def token(self, username: str) -> dict[str, str]:
        response = requests.post(
            f"{self.url}/api/v1/auth/login",
            json={"username": username, "password": DEMO_PASSWORD},
            timeout=10,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def get(self, path: str, username: str, **params) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=self.token(username), params=params, timeout=10)

    def post(self, path: str, username: str, **kwargs) -> dict:
        response = requests.post(f"{self.url}{path}", headers=self.token(username), timeout=30, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def person_id(self, full_name: str, agency_id: str | None = None) -> int:
        filters = {"q": full_name} | ({"agency_id": agency_id} if agency_id else {})
        people = self.get("/api/v1/people", "vanthu", **filters).json()
        return next(person["id"] for person in people if person["full_name"] == full_name)


class ServerProcess(Server):
    """`python wsgi.py` on one instance folder and port; stop() and start() again keep both (restart())."""

    def __init__(self, instance: Path, port: int):
        super().__init__(f"http://127.0.0.1:{port}", instance)
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("EOFFICE_")}
        self.env.update(
            EOFFICE_INSTANCE_PATH=str(instance),
            EOFFICE_HOST="127.0.0.1",
            EOFFICE_PORT=str(port),
            EOFFICE_LOG_LEVEL="WARNING",
            EOFFICE_SOCKETIO_ASYNC_MODE="threading",
        )
        self.process: subprocess.Popen | None = None

    def load_demo(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "load-demo"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )

    def start(self) -> None:
        with (self.instance / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "wsgi.py"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(
                    "the server did not start: "
                    f"{(self.instance / 'server.log').read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _server_with_demo(tmp_path_factory, name: str) -> ServerProcess:
    if not (DIST / "index.html").is_file():
        service_missing("the web client is not built: run `make test` (or `npm run build` in frontend/)")
    process = ServerProcess(tmp_path_factory.mktemp(name), _free_port())
    process.load_demo()
    process.start()
    return process


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """The server as `make run` starts it, on a free port, with its own instance folder and the demo data."""
    process = _server_with_demo(tmp_path_factory, "e2e-instance")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def restartable_server(tmp_path_factory) -> Iterator[ServerProcess]:
    """A server of its own for one test module, which may stop and start it (same folder, same port)."""
    process = _server_with_demo(tmp_path_factory, "e2e-restartable")
    yield process
    process.stop()


def device_opener(browser, base_url: str):
    """(open_device, close_all): open_device(viewport, touch) -> a page in its own browser context (its own
    storage and session), a touch device or not; close_all() closes every context opened."""
    contexts = []

    def open_device(viewport: dict[str, int], touch: bool):
        context = browser.new_context(
            base_url=base_url,
            viewport=viewport,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            has_touch=touch,
            is_mobile=touch,
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    def close_all() -> None:
        for context in contexts:
            context.close()

    return open_device, close_all


@pytest.fixture
def devices(browser, server):
    """devices(viewport, touch) -> a page in its own browser context, on the module's server."""
    open_device, close_all = device_opener(browser, server.url)
    yield open_device
    close_all()


def _chromium() -> str:
    path = os.environ.get("EOFFICE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        service_missing("Chromium not installed: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, server):
    """new_page() -> a page in a fresh tablet-sized context (its own storage), Vietnamese, Vietnam time."""
    contexts = []

    def open_page(viewport: dict[str, int] = TABLET):
        context = browser.new_context(
            base_url=server.url, viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, name): saves test-artifacts/e2e/<name>.png for review."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_test_id("current-user").wait_for()


def wait_shows(page, number: int, timeout: float = 15.0) -> None:
    """Wait until the room's stage has page `number` drawn on its canvas and its indicator says so."""
    page.wait_for_function(
        """(n) => {
            const canvas = document.querySelector('[data-testid=room-stage] canvas[data-page]');
            const indicator = document.querySelector('[data-testid=page-indicator]');
            return !!canvas && canvas.dataset.page === String(n)
                && !!indicator && indicator.textContent.trim().startsWith(`Trang ${n}/`);
        }""",
        arg=number,
        timeout=timeout * 1000,
    )


def hold_back(page, url: str) -> list:
    """Hold the page's requests to `url` (a glob): the routes come in the list returned, each answered
    by the server once the test calls route.continue_()."""
    held: list = []
    page.route(url, lambda route: held.append(route))
    return held


def first_held(page, held: list, timeout: float = 15.0):
    """The first request hold_back() caught, once the page has made it (the page waits meanwhile)."""
    deadline = time.monotonic() + timeout
    while not held:  # route handlers run while the page is being waited on
        assert time.monotonic() < deadline, "the page made no such request"
        page.wait_for_timeout(50)
    return held[0]


def open_menu(page, name: str) -> None:
    """Follow an entry of the main menu (the home page repeats some as shortcuts)."""
    page.get_by_role("navigation", name="Trình đơn").get_by_role("link", name=name, exact=True).click()
