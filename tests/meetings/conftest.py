"""Meeting fixtures: the people of a meeting, PDFs, a meeting in each state, a live Socket.IO server."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio
from pypdf import PdfWriter
from werkzeug.serving import make_server

from tests.factories import create_agency, create_user

NAMESPACE = "/meetings"
ROOT = Path(__file__).resolve().parents[2]
STARTS = "2026-12-01T08:00:00+07:00"
ENDS = "2026-12-01T11:30:00+07:00"


def make_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class People:
    organiser: object
    chair: object
    secretary: object
    delegates: list
    guest: object
    outsider: object


@pytest.fixture
def people(agency):
    create_agency("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam")
    return People(
        organiser=create_user("vanthu", roles=["clerk"]),
        chair=create_user("chutich", roles=["leader"], full_name="Trần Văn Minh"),
        secretary=create_user("thuky", roles=["specialist"]),
        delegates=[
            create_user("daibieu1", roles=["specialist"]),
            create_user("daibieu2", roles=["leader"], agency_id="000.00.01.H49"),
            create_user("daibieu3", roles=["specialist"]),
        ],
        guest=create_user("khachmoi", roles=["specialist"]),
        outsider=create_user("nguoingoai", roles=["specialist"]),
    )


def meeting_body(people: People, **changes) -> dict:
    body = {
        "title": "Họp UBND tỉnh thường kỳ tháng 12",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "location": "Phòng họp số 1",
        "chair_id": people.chair.id,
        "secretary_id": people.secretary.id,
        "participants": [{"user_id": d.id, "role": "delegate"} for d in people.delegates]
        + [{"user_id": people.guest.id, "role": "guest"}],
    }
    return {**body, **changes}


def create_meeting(client, login, people: People, **changes):
    """The clerk creates the meeting of meeting_body (with these changes): the response."""
    return client.post("/api/v1/meetings", json=meeting_body(people, **changes), headers=login("vanthu"))


@dataclass
class Room:
    """A meeting ready for the live room: created, a 5-page agenda PDF uploaded, invited, started."""

    meeting_id: int
    document_id: int
    item_id: int
    tokens: dict[str, str]


def token_of(client, username: str) -> str:
    from tests.conftest import TEST_PASSWORD

    response = client.post("/api/v1/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def upload(client, headers, meeting_id: int, content: bytes, name="tailieu.pdf", agenda_item_id=None):
    data = {"file": (io.BytesIO(content), name, "application/pdf")}
    if agenda_item_id is not None:
        data["agenda_item_id"] = str(agenda_item_id)
    return client.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def build_room(client, people: People, *, start: bool = True) -> Room:
    tokens = {
        u.username: token_of(client, u.username)
        for u in [
            people.organiser,
            people.chair,
            people.secretary,
            *people.delegates,
            people.guest,
            people.outsider,
        ]
    }
    organiser = {"Authorization": f"Bearer {tokens['vanthu']}"}
    created = client.post("/api/v1/meetings", json=meeting_body(people), headers=organiser)
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    item = client.post(
        f"/api/v1/meetings/{meeting_id}/agenda",
        json={"title": "Báo cáo kinh tế - xã hội", "presenter_id": people.delegates[0].id},
        headers=organiser,
    )
    assert item.status_code == 201, item.get_json()
    document = upload(client, organiser, meeting_id, make_pdf(5), agenda_item_id=item.get_json()["id"])
    assert document.status_code == 201, document.get_json()
    assert client.post(f"/api/v1/meetings/{meeting_id}/invite", headers=organiser).status_code == 200
    if start:
        assert client.post(f"/api/v1/meetings/{meeting_id}/start", headers=organiser).status_code == 200
    return Room(meeting_id, document.get_json()["id"], item.get_json()["id"], tokens)


def apply_attendance(held: dict, event: dict) -> dict:
    """What a device does with an `attendance` event (applyAttendance of the client's state/room.ts): every
    entry merged by user id, the counts only from a newer room version than the one held (a present list
    shorter than `present_count` afterwards: an event was missed, see heal_attendance)."""
    present = {entry["user_id"]: entry for entry in held["present"]}
    present.update((entry["user_id"], entry) for entry in event["changed"])
    merged = {**held, "present": [present[user_id] for user_id in sorted(present)]}
    if event["version"] > held["version"]:
        counts = (
            "version",
            "present_count",
            "voting_present",
            "voting_total",
            "quorum_percent",
            "quorum_met",
        )
        merged.update({key: event[key] for key in counts})
    return merged


def add_confidential_item(client, room: Room, named_user_ids: list[int]) -> int:
    """A confidential agenda item of the room's meeting, named to those people: its id."""
    item = client.post(
        f"/api/v1/meetings/{room.meeting_id}/agenda",
        json={"title": "Công tác cán bộ", "is_confidential": True, "named_user_ids": named_user_ids},
        headers={"Authorization": f"Bearer {room.tokens['vanthu']}"},
    )
    assert item.status_code == 201, item.get_json()
    return item.get_json()["id"]


def open_vote(chair, meeting_id, *, secret: bool):
    """The chair opens a vote on a resolution in the room: its id."""
    answer = chair.call(
        "vote_open",
        {
            "meeting_id": meeting_id,
            "question": "Thông qua Nghị quyết?",
            "options": ["Tán thành", "Không", "Phiếu trắng"],
            "is_secret": secret,
        },
    )
    assert answer["ok"] is True, answer
    return answer["vote_opened"]["vote_id"]


@pytest.fixture
def room(client, people) -> Room:
    return build_room(client, people)


@pytest.fixture
def live_server(app):
    """The app (with its Socket.IO server) on a real threaded HTTP server on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Device:
    """One real Socket.IO client over WebSocket, recording every event it receives in order."""

    def __init__(self, url: str, token: str | None, **auth):
        self.events: list[tuple[str, dict]] = []
        self.received = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.disconnected = threading.Event()
        self.sio.on("disconnect", lambda *reason: self.disconnected.set(), namespace=NAMESPACE)
        auth = {"token": token, **auth} if token is not None else auth
        self.sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], auth=auth, wait_timeout=10)

    def _record(self, event, data):
        with self.received:
            self.events.append((event, data))
            self.received.notify_all()

    def call(self, event: str, data) -> dict:
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=15)

    def of(self, event: str) -> list[dict]:
        with self.received:
            return [data for name, data in self.events if name == event]

    def wait_for(self, event: str, count: int, timeout: float = 15) -> list[dict]:
        with self.received:
            self.received.wait_for(lambda: len([1 for n, _ in self.events if n == event]) >= count, timeout)
        return self.of(event)

    def attendance_shown(self, joined: dict, present: int, timeout: float = 15) -> dict:
        """The attendance this device shows (its join state's, `joined`, with every `attendance` event it
        received applied) once `present` people are in it, or when the timeout passes."""

        def shown() -> dict:
            held = joined
            for event in self.of("attendance"):
                held = apply_attendance(held, event)
            return held

        with self.received:
            self.received.wait_for(lambda: len(shown()["present"]) >= present, timeout)
            return shown()

    def close(self):
        self.sio.disconnect()


@pytest.fixture
def devices():
    opened: list[Device] = []

    def open_device(url: str, token: str | None, **auth) -> Device:
        device = Device(url, token, **auth)
        opened.append(device)
        return device

    yield open_device
    # Closing one by one waits on each close handshake; close them all at once.
    closers = [threading.Thread(target=d.close) for d in opened if d.sio.connected]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join(10)


def live_server_for(app):
    """A generator: the first next() starts the server and gives its URL, the second stops it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server_process(
    tmp_path: Path, name: str, database_url: str, *, server: str, start_timeout: float = 60, **settings: str
) -> tuple[subprocess.Popen, str]:
    """The e-office server as its own process on the test's database: (process, URL).

    server="gunicorn" is the production server (gunicorn.conf.py: one gevent WebSocket worker);
    server="api" the production API workers (gunicorn_api.conf.py, EOFFICE_API_WORKERS processes);
    server="wsgi" is `python wsgi.py` as `make run` starts it (its Socket.IO server: threading).
    """
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")},
        "EOFFICE_HOST": "127.0.0.1",
        "EOFFICE_API_PORT" if server == "api" else "EOFFICE_PORT": str(port),
        "EOFFICE_INSTANCE_PATH": str(tmp_path / name),
        "EOFFICE_DATABASE_URL": database_url,
        "EOFFICE_AUTO_MIGRATE": "false",
        "EOFFICE_SECRET_KEY": "test-secret-" + "x" * 40,
        "EOFFICE_JWT_KEYS": "test-1:" + "k" * 48,
        "EOFFICE_LOG_LEVEL": "WARNING",
        **settings,
    }
    if server in ("gunicorn", "api"):
        configuration = "gunicorn.conf.py" if server == "gunicorn" else "gunicorn_api.conf.py"
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", configuration, "wsgi:app"]
    else:
        command = [sys.executable, "wsgi.py"]
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code < 500:
                return process, url
        except requests.RequestException:  # not listening yet, or still starting on a busy machine
            time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"server {name} did not start: {log_path.read_text()[-2000:]}")


def stop_server_process(process: subprocess.Popen) -> None:
    # gunicorn's quick shutdown (SIGINT) does not wait 30 s for the clients still connected.
    process.send_signal(signal.SIGINT if "gunicorn" in str(process.args[0]) else signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
