"""One fan-out run: the database seeded in this process, our server and the reference measured under the
same load."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

from bench.common import free_port, fresh_postgres
from bench.fanout.load import NODE_DIR, PDF_PAGES, Outcome, run_load
from bench.fanout.seeding import (
    ORGANISER,
    PASSWORD,
    DeviceLogin,
    delegate_username,
    delegates_for,
    insert_organiser_and_delegates,
    make_pdf,
)
from bench.fanout.servers import start_gunicorn, stop

LOGIN_THREADS = 4


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="eoffice-fanout-bench-"))
        self.drop_database: Callable[[], None] | None = None
        database_url = f"sqlite:///{self.workdir / 'bench.db'}"
        if args.database_url:
            database_url, self.drop_database = fresh_postgres(args.database_url)
        self.database_label = "PostgreSQL" if args.database_url else "SQLite"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")}
        self.env |= {
            "EOFFICE_INSTANCE_PATH": str(self.workdir),
            "EOFFICE_DATABASE_URL": database_url,
            "EOFFICE_AUTO_MIGRATE": "true",
            "EOFFICE_HOST": "127.0.0.1",
            "EOFFICE_LOG_LEVEL": "WARNING",
            "EOFFICE_ACCESS_TOKEN_TTL": "86400",
            # The presenter turns pages as fast as every tablet receives them, far past a person's
            # pace that the room's flood limiter is set for (20 events a second): not what is measured.
            "EOFFICE_ROOM_EVENT_RATE": "10000",
            "EOFFICE_ROOM_EVENT_BURST": "100000",
        }
        if args.redis_url:
            self.env["EOFFICE_REDIS_URL"] = args.redis_url
        self.app = None
        self.user_ids: list[int] = []
        self.logins: dict[tuple[int, int], DeviceLogin] = {}

    # Set-up in this process: schema, organiser, N users sharing one password hash.

    def create_users(self, count: int) -> None:
        os.environ.update({**self.env, "EOFFICE_PORT": "5000"})
        from eoffice import create_app

        self.app = create_app()
        with self.app.app_context():
            self.user_ids = insert_organiser_and_delegates(count)

    def log_in_devices(
        self, base_urls: list[str], user_ids: list[int], devices_per_user: int
    ) -> list[DeviceLogin]:
        """Each user's devices, logged in through the API (one login per device, spread over the servers
        given); a device logged in by an earlier run keeps its session. Ordered user by user."""
        username = {user_id: delegate_username(i) for i, user_id in enumerate(self.user_ids)}
        wanted = [(user_id, device) for user_id in user_ids for device in range(devices_per_user)]
        missing = [key for key in wanted if key not in self.logins]

        def log_in(numbered: tuple[int, tuple[int, int]]) -> DeviceLogin:
            index, (user_id, _device) = numbered
            device_id = str(uuid.uuid4())
            answer = requests.post(
                f"{base_urls[index % len(base_urls)]}/api/v1/auth/login",
                json={"username": username[user_id], "password": PASSWORD},
                headers={"X-Device-Id": device_id, "X-Device-Name": f"tablet-{index}"},
                timeout=120,
            )
            if answer.status_code != 200:
                raise SystemExit(f"login failed: {answer.status_code} {answer.text[:500]}")
            return DeviceLogin(user_id, device_id, answer.json()["access_token"])

        started = time.perf_counter()
        with ThreadPoolExecutor(LOGIN_THREADS) as pool:
            for key, login in zip(missing, pool.map(log_in, enumerate(missing)), strict=True):
                self.logins[key] = login
        if missing:
            print(f"  {len(missing)} device logins in {time.perf_counter() - started:.1f} s")
        return [self.logins[key] for key in wanted]

    # Our server.

    def start_gunicorn(
        self, clients: int, port: int | None = None, extra_env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen, str, Path]:
        port = port or free_port()
        env = self.env | (extra_env or {})
        env |= {"EOFFICE_PORT": str(port), "GUNICORN_WORKER_CONNECTIONS": str(max(1000, clients + 200))}
        log_path = self.workdir / f"gunicorn-{clients}-{port}.log"
        server, base_url = start_gunicorn("gunicorn.conf.py", env, port, log_path, ready_within=60)
        return server, base_url, log_path

    def create_meeting(self, base_url: str, participant_ids: list[int]) -> tuple[int, int]:
        """A started meeting chaired by the first participant, with a PDF: (meeting id, document id)."""
        session = requests.Session()
        login = session.post(
            f"{base_url}/api/v1/auth/login", json={"username": ORGANISER, "password": PASSWORD}, timeout=30
        )
        login.raise_for_status()
        session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        chair_id, *delegate_ids = participant_ids
        created = session.post(
            f"{base_url}/api/v1/meetings",
            json={
                "title": f"Hội nghị trực tuyến {len(participant_ids)} đại biểu",
                "starts_at": "2026-12-01T08:00:00+07:00",
                "ends_at": "2026-12-01T11:30:00+07:00",
                "location": "Hội trường tỉnh",
                "chair_id": chair_id,
                "participants": [{"user_id": user_id, "role": "delegate"} for user_id in delegate_ids],
            },
            timeout=120,
        )
        if created.status_code != 201:
            raise SystemExit(f"meeting not created: {created.status_code} {created.text[:2000]}")
        meeting_id = created.json()["id"]
        document = session.post(
            f"{base_url}/api/v1/meetings/{meeting_id}/documents",
            files={"file": ("baocao.pdf", make_pdf(PDF_PAGES), "application/pdf")},
            timeout=60,
        )
        if document.status_code != 201 or document.json()["page_count"] != PDF_PAGES:
            raise SystemExit(f"document not uploaded: {document.status_code} {document.text[:2000]}")
        for step in ("invite", "start"):
            answer = session.post(f"{base_url}/api/v1/meetings/{meeting_id}/{step}", timeout=120)
            if answer.status_code != 200:
                raise SystemExit(f"{step} failed: {answer.status_code} {answer.text[:2000]}")
        return meeting_id, document.json()["id"]

    def measure_ours(self, clients: int) -> Outcome:
        server, base_url, log_path = self.start_gunicorn(clients)
        try:
            participant_ids = self.user_ids[: delegates_for(clients, self.args.devices_per_delegate)]
            meeting_id, document_id = self.create_meeting(base_url, participant_ids)
            devices = self.log_in_devices([base_url], participant_ids, self.args.devices_per_delegate)
            worker = psutil.Process(server.pid).children()
            outcome = run_load(
                "eoffice",
                base_url,
                [device.for_loadgen() for device in devices],
                meeting_id,
                document_id,
                self.args.events,
                server.pid,
                self.args.arrival,
            )
            outcome.extra["workers"] = len(worker)
            return outcome
        finally:
            stop(server)

    # The reference.

    def measure_reference(self, clients: int) -> Outcome:
        port = free_port()
        server = subprocess.Popen(
            ["node", str(NODE_DIR / "server.js"), str(port)],
            cwd=NODE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            line = server.stdout.readline()
            if not line.startswith("listening"):
                raise SystemExit(f"reference server did not start: {line}{server.stdout.read()}")
            devices = [{"token": f"user-{i}"} for i in range(clients)]
            return run_load(
                "node socket.io",
                f"http://127.0.0.1:{port}",
                devices,
                1,
                1,
                self.args.events,
                server.pid,
                self.args.arrival,
            )
        finally:
            stop(server)

    def close(self) -> None:
        if self.app is not None:
            from eoffice.extensions import db

            with self.app.app_context():
                db.engine.dispose()
        if self.drop_database:
            self.drop_database()
        shutil.rmtree(self.workdir, ignore_errors=True)
