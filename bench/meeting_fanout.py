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

The server, the load generator and the database share this machine's cores; the figures say so.
Users are inserted directly (one argon2 hash reused) and their access tokens are minted with the
server's key, because N logins through argon2 would take minutes; the organiser logs in through
the API. Run with the project's interpreter:

    .venv/bin/python bench/meeting_fanout.py [--clients 100 500 1000 2000] [--events 100]
        [--database-url postgresql://postgres@127.0.0.1/test] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa
from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
NODE_DIR = ROOT / "bench" / "node_reference"
NAMESPACE = "/meetings"
AGENCY_ID = "000.00.00.H49"
ORGANISER = "bench-organiser"
PASSWORD = "Bench-mật-khẩu-2026"
PDF_PAGES = 20
SAMPLE_INTERVAL = 0.05
MiB = 1024 * 1024


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


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


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


class ProcessSampler(threading.Thread):
    """Peak resident memory of a process tree (e.g. gunicorn master and worker) until stopped."""

    def __init__(self, root: psutil.Process):
        super().__init__(daemon=True)
        self.root = root
        self._stop_event = threading.Event()
        self.peak_total = 0
        self.peak_largest = 0

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            sizes = []
            for process in self.processes():
                try:
                    sizes.append(process.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            if sizes:
                self.peak_total = max(self.peak_total, sum(sizes))
                self.peak_largest = max(self.peak_largest, max(sizes))
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Outcome:
    server: str
    clients: int
    result: dict
    peak_rss_total: int
    peak_rss_process: int
    server_cpu_total: float
    server_cpu_present: float
    present_seconds: float
    loadgen_cpu_present: float
    extra: dict = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.result["expected"] - self.result["delivered"]

    def p(self, series: str, q: float) -> float:
        return percentile(self.result[series], q)


def run_load(
    label: str, url: str, tokens: list[str], meeting_id: int, document_id: int, events: int, server_pid: int
) -> Outcome:
    """Runs loadgen.js against a server while sampling the server's memory and CPU."""
    server = psutil.Process(server_pid)
    sampler = ProcessSampler(server)
    cpu_at_start = sampler.cpu_seconds()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump(
            {
                "url": url,
                "namespace": NAMESPACE,
                "tokens": tokens,
                "meeting_id": meeting_id,
                "document_id": document_id,
                "pages": PDF_PAGES,
                "events": events,
                "concurrency": 100,
            },
            config_file,
        )
    result_path = Path(config_file.name).with_suffix(".result.json")
    sampler.start()
    marks: dict[str, tuple[float, float, float]] = {}
    try:
        loadgen = subprocess.Popen(
            ["node", str(NODE_DIR / "loadgen.js"), config_file.name, str(result_path)],
            cwd=NODE_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        loadgen_process = psutil.Process(loadgen.pid)
        for line in loadgen.stdout:
            if line.startswith("phase "):
                loadgen_times = loadgen_process.cpu_times()
                marks[line.split()[1]] = (
                    time.perf_counter(),
                    sampler.cpu_seconds(),
                    loadgen_times.user + loadgen_times.system,
                )
        loadgen.wait()
    finally:
        sampler.stop()
        os.unlink(config_file.name)
    if loadgen.returncode != 0 or not result_path.exists():
        raise SystemExit(f"{label}: the load generator failed (exit {loadgen.returncode})")
    result = json.loads(result_path.read_text())
    result_path.unlink()
    (began, cpu_began, gen_began), (ended, cpu_ended, gen_ended) = marks["present"], marks["drain"]
    return Outcome(
        server=label,
        clients=len(tokens),
        result=result,
        peak_rss_total=sampler.peak_total,
        peak_rss_process=sampler.peak_largest,
        server_cpu_total=sampler.cpu_seconds() - cpu_at_start,
        server_cpu_present=cpu_ended - cpu_began,
        present_seconds=ended - began,
        loadgen_cpu_present=gen_ended - gen_began,
    )


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

    # Set-up in this process: schema, organiser, N users sharing one password hash.

    def create_users(self, count: int) -> None:
        os.environ.update({**self.env, "EOFFICE_PORT": "5000"})
        from eoffice import create_app
        from eoffice.accounts import operations as accounts
        from eoffice.accounts.models import Role, User, UserRole
        from eoffice.extensions import db

        self.app = create_app()
        with self.app.app_context():
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
                    "username": f"daibieu{i:05d}",
                    "password_hash": organiser.password_hash,
                    "full_name": f"Đại biểu {i}",
                    "agency_id": AGENCY_ID,
                }
                for i in range(count)
            ]
            db.session.execute(sa.insert(User), rows)
            self.user_ids = list(
                db.session.scalars(
                    sa.select(User.id).where(User.username.like("daibieu%")).order_by(User.username)
                )
            )
            db.session.execute(
                sa.insert(UserRole),
                [{"user_id": user_id, "role": Role.SPECIALIST.value} for user_id in self.user_ids],
            )
            db.session.commit()
            db.engine.dispose()

    def tokens_for(self, user_ids: list[int]) -> list[str]:
        from eoffice.accounts.models import User
        from eoffice.auth.operations import start_session
        from eoffice.extensions import db

        with self.app.app_context():
            # An access token names a live session: one per delegate, as their logins would open.
            tokens = [start_session(db.session.get(User, user_id)).access_token for user_id in user_ids]
            db.session.commit()
            db.engine.dispose()
            return tokens

    # Our server.

    def start_gunicorn(self, clients: int) -> tuple[subprocess.Popen, str, Path]:
        port = free_port()
        env = self.env | {
            "EOFFICE_PORT": str(port),
            "GUNICORN_WORKER_CONNECTIONS": str(max(1000, clients + 200)),
        }
        log_path = self.workdir / f"gunicorn-{clients}.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                if requests.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    return server, base_url, log_path
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        stop(server)
        raise SystemExit(f"gunicorn not ready after 60 s:\n{log_path.read_text()}")

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
            participant_ids = self.user_ids[:clients]
            meeting_id, document_id = self.create_meeting(base_url, participant_ids)
            tokens = self.tokens_for(participant_ids)
            worker = psutil.Process(server.pid).children()
            outcome = run_load(
                "eoffice", base_url, tokens, meeting_id, document_id, self.args.events, server.pid
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
            tokens = [f"user-{i}" for i in range(clients)]
            return run_load(
                "node socket.io", f"http://127.0.0.1:{port}", tokens, 1, 1, self.args.events, server.pid
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


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def install_node_packages() -> None:
    if (NODE_DIR / "node_modules" / "socket.io-client").is_dir():
        return
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed for the reference server and the load generator (Node 18+)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


def print_outcome(outcome: Outcome) -> None:
    result = outcome.result
    pad = " " * 17
    print(
        f"  {outcome.server:<15} connect {result['connect_seconds']:6.1f} s"
        f"  join {result['join_seconds']:6.1f} s  present phase {outcome.present_seconds:6.1f} s"
    )
    delivery = f"{outcome.p('delivery_ms', 50):7.1f} ms  p99 {outcome.p('delivery_ms', 99):7.1f} ms"
    everyone = f"{outcome.p('all_clients_ms', 50):7.1f} ms  p99 {outcome.p('all_clients_ms', 99):7.1f} ms"
    print(
        f"{pad}per-delivery p50 {delivery} | all-clients p50 {everyone}"
        f" | ack p50 {outcome.p('ack_ms', 50):6.1f} ms"
    )
    print(
        f"{pad}delivered {result['delivered']}/{result['expected']}, lost {outcome.lost},"
        f" duplicates {result['duplicates']}, out of order {result['out_of_order']},"
        f" refused {result['events'] - result['sent']}"
    )
    print(
        f"{pad}server peak RSS {outcome.peak_rss_total / MiB:6.1f} MiB"
        f" (largest process {outcome.peak_rss_process / MiB:6.1f} MiB);"
        f" server CPU {outcome.server_cpu_total:5.1f} s in all,"
        f" {outcome.server_cpu_present:5.1f} s during the page turns"
        f" ({outcome.server_cpu_present / outcome.present_seconds:4.0%} of a core);"
        f" load generator {outcome.loadgen_cpu_present:5.1f} s"
    )


def print_summary(rows: list[tuple[int, Outcome, Outcome | None]], events: int) -> None:
    print()
    print(
        f"Summary (K={events} page turns; join: seconds until all N joined; latencies in ms;"
        " ratio = ours / reference, all-clients p99)"
    )
    header = (
        f"{'N':>5}  {'server':<15} {'join s':>6} {'deliv p50':>9} {'deliv p99':>9}"
        f" {'all p50':>8} {'all p99':>8} {'lost':>6} {'peak RSS':>9} {'CPU s':>6}  {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for clients, ours, reference in rows:
        for outcome in (ours, reference):
            if outcome is None:
                continue
            ratio = ""
            if outcome is ours and reference is not None:
                ratio = f"{ours.p('all_clients_ms', 99) / reference.p('all_clients_ms', 99):5.2f}x"
            print(
                f"{clients:>5}  {outcome.server:<15} {outcome.result['join_seconds']:6.1f}"
                f" {outcome.p('delivery_ms', 50):9.1f}"
                f" {outcome.p('delivery_ms', 99):9.1f} {outcome.p('all_clients_ms', 50):8.1f}"
                f" {outcome.p('all_clients_ms', 99):8.1f} {outcome.lost:>6}"
                f" {outcome.peak_rss_total / MiB:7.1f}Mi {outcome.server_cpu_present:6.1f}  {ratio:>6}"
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
    args = parser.parse_args()

    install_node_packages()
    bench = Bench(args)
    rows: list[tuple[int, Outcome, Outcome | None]] = []
    try:
        bench.create_users(max(args.clients))
        print(
            f"Meeting fan-out: one gunicorn gevent-websocket worker, {bench.database_label},"
            f" {'Redis message queue' if args.redis_url else 'no message queue'}; K={args.events}."
        )
        print(
            f"The load generator (one Node process, socket.io-client) shares this machine's"
            f" {psutil.cpu_count()} cores with the server and the database."
        )
        for clients in args.clients:
            print(f"\nN = {clients}")
            ours = bench.measure_ours(clients)
            print_outcome(ours)
            reference = None
            if not args.skip_reference:
                reference = bench.measure_reference(clients)
                print_outcome(reference)
                ratio = ours.p("all_clients_ms", 99) / reference.p("all_clients_ms", 99)
                print(f"  all-clients p99 ours / reference: {ratio:.2f}x")
            rows.append((clients, ours, reference))
    finally:
        bench.close()
    print_summary(rows, args.events)


if __name__ == "__main__":
    main()
