"""Benchmark: page-turn fan-out of the live meeting room to N clients, against a bare Node Socket.IO server.

For each N, starts the production server (gunicorn with gunicorn.conf.py, one gevent WebSocket
worker) as a subprocess, creates a meeting with N participants through the REST API (chair,
delegates), uploads a PDF, invites and starts it, then runs the load generator: N socket.io-client
connections to /meetings in one Node process (bench/node_reference/loadgen.js), each joining the
room, and the chair turning the page K times (each `present` waits for its ack and for every client
to receive the `presentation` before the next). It prints per-delivery latency (send -> each
client's receive) and all-clients latency (send -> last client's receive) p50/p99, lost events,
the server's peak RSS and CPU time. The same load generator then measures
bench/node_reference/server.js, a bare Node `socket.io` broadcast server with the same events,
and the benchmark prints our p99 divided by its p99.

The devices arrive as an outside client measured a hall: each connects and joins at once, 100 in
flight (`--arrival together`; `phased`: all connect, then all join), and "connect + join" is printed
for both servers of the same run. N = delegates x D (`--devices-per-delegate D`, default 1): every
device logs in through POST /api/v1/auth/login with its own device id (a pool of a few threads, before
anything is timed) and names that device at connect, as the web client does. `--pairs P` runs ours and
the reference P times alternately for each N and prints the median of the all-clients p99 ratios.

The server, the load generator and the database share this machine's cores; the figures say so.
Users are inserted directly (one argon2 hash reused: N account creations through argon2 would take
minutes). Run with the project's interpreter:

    .venv/bin/python bench/meeting_fanout.py [--clients 100 500 1000 2000] [--events 100]
        [--devices-per-delegate 1] [--arrival together|phased] [--pairs 1]
        [--database-url postgresql://postgres@127.0.0.1/test] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa
from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.meeting_fanout_load import (  # noqa: E402
    NODE_DIR,
    PDF_PAGES,
    Outcome,
    arrival_seconds,
    print_outcome,
    print_summary,
    run_load,
)

BIN = Path(sys.executable).parent
AGENCY_ID = "000.00.00.H49"
ORGANISER = "bench-organiser"
PASSWORD = "Bench-mật-khẩu-2026"
LOGIN_THREADS = 4


def delegate_username(index: int) -> str:
    return f"daibieu{index:05d}"


@dataclass(frozen=True)
class DeviceLogin:
    """One tablet of a delegate: the device id it logged in with and the access token it got."""

    user_id: int
    device_id: str
    token: str

    def for_loadgen(self) -> dict[str, str | int]:
        return {"token": self.token, "device_id": self.device_id, "user_id": self.user_id}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def fresh_postgres(server_url: str) -> tuple[str, Callable[[], None]]:
    name = f"eoffice_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def insert_organiser_and_delegates(count: int) -> list[int]:
    """In an app context: the agency, its organiser (a clerk) and `count` delegates; the delegates' ids.

    The delegates are inserted directly and share the organiser's password hash: N argon2 hashes
    would take minutes.
    """
    from eoffice.accounts import operations as accounts
    from eoffice.accounts.models import Role, User, UserRole
    from eoffice.extensions import db

    accounts.create_agency(AGENCY_ID, "Ủy ban nhân dân tỉnh Quảng Nam")
    organiser = accounts.create_user(
        username=ORGANISER,
        password=PASSWORD,
        full_name="Văn thư",
        agency_id=AGENCY_ID,
        roles=[Role.CLERK.value],
    )
    rows = [
        {
            "username": delegate_username(i),
            "password_hash": organiser.password_hash,
            "full_name": f"Đại biểu {i}",
            "agency_id": AGENCY_ID,
        }
        for i in range(count)
    ]
    db.session.execute(sa.insert(User), rows)
    user_ids = list(
        db.session.scalars(sa.select(User.id).where(User.username.like("daibieu%")).order_by(User.username))
    )
    db.session.execute(
        sa.insert(UserRole), [{"user_id": user_id, "role": Role.SPECIALIST.value} for user_id in user_ids]
    )
    db.session.commit()
    db.engine.dispose()
    return user_ids


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


def delegates_for(devices: int, devices_per_delegate: int) -> int:
    if devices % devices_per_delegate:
        raise SystemExit(f"{devices} devices are not {devices_per_delegate} devices for each delegate")
    return devices // devices_per_delegate


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_gunicorn(
    config: str, env: dict[str, str], port: int, log_path: Path, ready_within: float
) -> tuple[subprocess.Popen, str]:
    """gunicorn with `config` serving wsgi:app on port, once its /readyz answers 200: (process, URL)."""
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", config, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/readyz", timeout=10).status_code == 200:
                return server, url
        except requests.RequestException:  # not listening yet, or busy starting
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn not ready after {ready_within:.0f} s:\n{log_path.read_text()[-3000:]}")


def install_node_packages() -> None:
    if (NODE_DIR / "node_modules" / "socket.io-client").is_dir():
        return
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed for the reference server and the load generator (Node 18+)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


def add_device_arguments(parser: argparse.ArgumentParser, arrival: bool = True) -> None:
    parser.add_argument(
        "--devices-per-delegate", type=int, default=1, help="tablets of each delegate, each its own login (D)"
    )
    if not arrival:
        return
    parser.add_argument(
        "--arrival",
        choices=("together", "phased"),
        default="together",
        help="each device connects and joins at once (100 in flight), or all connect and then all join",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000, 2000], help="values of N")
    parser.add_argument("--events", type=int, default=100, help="page turns per run (K)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (a fresh database is created and dropped); default SQLite",
    )
    parser.add_argument(
        "--redis-url", default=None, help="run our server with the Socket.IO Redis message queue"
    )
    parser.add_argument("--skip-reference", action="store_true", help="measure only our server")
    add_device_arguments(parser)
    parser.add_argument(
        "--pairs", type=int, default=1, help="alternating runs ours / reference for each N (median of ratios)"
    )
    args = parser.parse_args()

    install_node_packages()
    bench = Bench(args)
    rows: list[tuple[int, Outcome, Outcome | None]] = []
    try:
        bench.create_users(max(delegates_for(clients, args.devices_per_delegate) for clients in args.clients))
        print(
            f"Meeting fan-out: one gunicorn gevent-websocket worker, {bench.database_label},"
            f" {'Redis message queue' if args.redis_url else 'no message queue'}; K={args.events};"
            f" {args.devices_per_delegate} device(s) per delegate, arrival {args.arrival}."
        )
        print(
            f"The load generator (one Node process, socket.io-client) shares this machine's"
            f" {psutil.cpu_count()} cores with the server and the database."
        )
        for clients in args.clients:
            print(f"\nN = {clients}")
            ratios = []
            for pair in range(1, args.pairs + 1):
                if args.pairs > 1:
                    print(f" pair {pair} of {args.pairs}")
                ours = bench.measure_ours(clients)
                print_outcome(ours)
                reference = None
                if not args.skip_reference:
                    reference = bench.measure_reference(clients)
                    print_outcome(reference)
                    ratios.append(ours.p("all_clients_ms", 99) / reference.p("all_clients_ms", 99))
                    print(
                        f"  all-clients p99 ours / reference: {ratios[-1]:.2f}x; connect + join"
                        f" {arrival_seconds(ours.result):.1f} s / {arrival_seconds(reference.result):.1f} s"
                    )
                rows.append((clients, ours, reference))
            if len(ratios) > 1:
                print(
                    f"  median all-clients p99 ratio of {len(ratios)} pairs: {statistics.median(ratios):.2f}x"
                    f" ({', '.join(f'{ratio:.2f}' for ratio in ratios)})"
                )
    finally:
        bench.close()
    print_summary(rows, args.events)


if __name__ == "__main__":
    main()
