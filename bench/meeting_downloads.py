"""Benchmark: N tablets download the same large meeting document at once, through the API workers of
`make serve` (gunicorn_api.conf.py) from the local store, then with S3 (moto's server standing in for
MinIO), where the book names the store's own signed URL of each document and the tablet takes the bytes
there (as the web client does), asking the server for the book alone.

Each run starts from nothing: a database with N delegates (inserted, one password hash), the server,
a meeting whose organiser uploads a PDF of --size-mb (stored linearised by qpdf) and invites them. Every
client (a thread of this process with its own requests session and device id) logs in for real
(POST /api/v1/auth/login, argon2 in the server), then, all together: reads the offline book
(GET /api/v1/meetings/<id>/offline), fetches page 1 (the range up to the linearisation's /E: what a
viewer needs to show it) and then the rest of the file, from the book's `direct_url` when it names one
(S3), else from its `url` (through the server). It prints the aggregate throughput, the
server's CPU seconds per GB served (user + system of the gunicorn master and workers, from /proc),
their peak RSS (summed), and when every client had page 1 and the whole file (p50 and max).

The load generator, the server, moto and the database share this machine's cores: the figures say
how many. Run with the project's interpreter:

    .venv/bin/python bench/meeting_downloads.py [--clients 500] [--size-mb 30] [--workers 2]
        [--stores local s3] [--database-url postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
from pypdf import PdfWriter
from pypdf.generic import ContentStream

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, fresh_postgres  # noqa: E402
from bench.fanout.seeding import ORGANISER, PASSWORD, insert_organiser_and_delegates  # noqa: E402
from bench.fanout.servers import BIN, start_gunicorn, stop  # noqa: E402

PAGE_BYTES = 100 * 1024


def make_book(size_mb: int) -> bytes:
    """A PDF of about size_mb MB: pages whose content streams carry incompressible comments."""
    writer = PdfWriter()
    for _ in range(max(1, size_mb * 1024 * 1024 // PAGE_BYTES)):
        page = writer.add_blank_page(width=595, height=842)
        content = ContentStream(None, writer)
        content.set_data(b"%" + os.urandom(PAGE_BYTES // 2).hex().encode() + b"\n")
        page.replace_contents(content)
    path = Path(tempfile.mkstemp(suffix=".pdf")[1])
    try:
        writer.write(path)
        return path.read_bytes()
    finally:
        path.unlink()


@dataclass
class Client:
    username: str
    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    session: requests.Session = field(default_factory=requests.Session)
    page_one_at: float | None = None
    whole_at: float | None = None
    received: int = 0
    # Downloads taken from the store's signed URL (the S3 path) instead of the server.
    direct: int = 0
    # Requests the server answered.
    requests: int = 0
    error: str | None = None


class ServerWatch:
    """CPU time and peak summed RSS of a gunicorn master and its workers, sampled from /proc."""

    def __init__(self, pid: int):
        self.master = psutil.Process(pid)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def processes(self) -> list[psutil.Process]:
        return [self.master, *self.master.children(recursive=True)]

    def cpu_seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.processes())

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in self.processes()))

    def __enter__(self) -> ServerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def start_server(workdir: Path, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = env | {"EOFFICE_API_PORT": str(port), "EOFFICE_API_WORKERS": str(workers)}
    return start_gunicorn("gunicorn_api.conf.py", env, port, workdir / "gunicorn.log", ready_within=90)


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    moto = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://{endpoint}/", timeout=10)
            return moto, endpoint
        except requests.RequestException:
            time.sleep(0.2)
    stop(moto)
    raise SystemExit("moto's S3 server did not start")


def set_up(env: dict[str, str], clients: int) -> list[int]:
    """The schema, the agency, the organiser and N delegates sharing one password hash: their ids."""
    # This run's settings only: an earlier run's (its S3 store) must not linger in this process.
    for name in [name for name in os.environ if name.startswith("EOFFICE_")]:
        del os.environ[name]
    os.environ.update(env)
    from eoffice import create_app

    with create_app().app_context():
        return insert_organiser_and_delegates(clients)


def create_meeting(url: str, book: bytes, delegate_ids: list[int]) -> tuple[int, str]:
    """An invited meeting with the book uploaded: (meeting id, the book's download path)."""
    session = requests.Session()
    credentials = {"username": ORGANISER, "password": PASSWORD}
    login = session.post(f"{url}/api/v1/auth/login", json=credentials, timeout=60)
    login.raise_for_status()
    session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    created = session.post(
        f"{url}/api/v1/meetings",
        json={
            "title": "Kỳ họp Hội đồng nhân dân tỉnh",
            "starts_at": "2026-12-01T08:00:00+07:00",
            "ends_at": "2026-12-01T11:30:00+07:00",
            "chair_id": delegate_ids[0],
            "participants": [{"user_id": i, "role": "delegate"} for i in delegate_ids[1:]],
            "offline_download": "on_invitation",
        },
        timeout=300,
    )
    created.raise_for_status()
    meeting_id = created.json()["id"]
    uploaded = session.post(
        f"{url}/api/v1/meetings/{meeting_id}/documents",
        files={"file": ("tai-lieu-ky-hop.pdf", book, "application/pdf")},
        timeout=600,
    )
    if uploaded.status_code != 201:
        raise SystemExit(f"upload refused: {uploaded.status_code} {uploaded.text[:500]}")
    session.post(f"{url}/api/v1/meetings/{meeting_id}/invite", timeout=300).raise_for_status()
    return meeting_id, f"/api/v1/files/{uploaded.json()['file_id']}/content"


def log_in(url: str, client: Client) -> None:
    client.session.headers["X-Device-Id"] = client.device_id
    answer = client.session.post(
        f"{url}/api/v1/auth/login", json={"username": client.username, "password": PASSWORD}, timeout=300
    )
    answer.raise_for_status()
    client.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"


def first_page_end(url: str, client: Client, path: str) -> tuple[int, int]:
    """The offset just past page 1 (/E of the linearisation dictionary at the start of the file) and the
    stored size (qpdf compresses what was uploaded uncompressed)."""
    head = client.session.get(f"{url}{path}", headers={"Range": "bytes=0-1023"}, timeout=60)
    found = re.search(rb"/Linearized\s+1.*?/E\s+(\d+)", head.content, re.S)
    if found is None:
        raise SystemExit("the stored book is not linearised (is qpdf installed?)")
    return int(found.group(1)), int(head.headers["Content-Range"].rpartition("/")[2])


def download(url: str, client: Client, meeting_id: int, end: int, start: float) -> None:
    try:
        book = client.session.get(f"{url}/api/v1/meetings/{meeting_id}/offline", timeout=600)
        client.requests += 1
        book.raise_for_status()
        document = book.json()["documents"][0]
        # The store's URL is taken without the token (the web client's download queue does the same).
        direct = document.get("direct_url")
        get = requests.get if direct else client.session.get
        target = direct or f"{url}{document['url']}"
        first = get(target, headers={"Range": f"bytes=0-{end - 1}"}, timeout=600)
        if first.status_code != 206 or len(first.content) != end:
            raise RuntimeError(f"page 1: {first.status_code}, {len(first.content)} bytes")
        client.received += len(first.content)
        client.direct += bool(direct)
        client.requests += not direct
        client.page_one_at = time.monotonic() - start
        with get(target, headers={"Range": f"bytes={end}-"}, timeout=600, stream=True) as rest:
            if rest.status_code != 206:
                raise RuntimeError(f"the rest: {rest.status_code}")
            client.direct += bool(direct)
            client.requests += not direct
            for chunk in rest.iter_content(1024 * 1024):
                client.received += len(chunk)
        client.whole_at = time.monotonic() - start
    except Exception as exc:  # noqa: BLE001 - a failed client is counted and named, the others go on
        client.error = str(exc)[:200]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run(store: str, args: argparse.Namespace, book: bytes) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"eoffice-downloads-{store}-"))
    drop, moto = None, None
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    if args.database_url:
        database_url, drop = fresh_postgres(args.database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")} | {
        "EOFFICE_INSTANCE_PATH": str(workdir),
        "EOFFICE_DATABASE_URL": database_url,
        "EOFFICE_AUTO_MIGRATE": "true",
        "EOFFICE_HOST": "127.0.0.1",
        "EOFFICE_LOG_LEVEL": "WARNING",
        "EOFFICE_ACCESS_TOKEN_TTL": "3600",
        "EOFFICE_SECRET_KEY": "bench-" + "s" * 40,
        "EOFFICE_JWT_KEYS": "bench:" + "k" * 48,
    }
    server = None
    try:
        if store == "s3":
            moto, endpoint = start_moto()
            env |= {
                "EOFFICE_S3_ENDPOINT": endpoint,
                "EOFFICE_S3_ACCESS_KEY": "bench",
                "EOFFICE_S3_SECRET_KEY": "bench-secret",
                "EOFFICE_S3_BUCKET": "eoffice-bench",
                "EOFFICE_S3_SECURE": "false",
            }
        delegate_ids = set_up(env, args.clients)
        server, url = start_server(workdir, env, args.workers)
        clients = [Client(f"daibieu{i:05d}") for i in range(args.clients)]
        meeting_id, path = create_meeting(url, book, delegate_ids)
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda c: log_in(url, c), clients))
        end, size = first_page_end(url, clients[0], path)
        watch = ServerWatch(server.pid)
        cpu_before = watch.cpu_seconds()
        start = time.monotonic()
        threads = [threading.Thread(target=download, args=(url, c, meeting_id, end, start)) for c in clients]
        with watch:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - start
            cpu = watch.cpu_seconds() - cpu_before
        report(store, args, clients, elapsed, cpu, watch.peak_rss, end, size)
    finally:
        if server is not None:
            stop(server)
        if moto is not None:
            stop(moto)
        if drop is not None:
            drop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(store, args, clients, elapsed, cpu, peak_rss, end, size) -> None:
    done = [c for c in clients if c.error is None]
    served = sum(c.received for c in clients)
    gigabytes = served / 1e9
    page_one = [c.page_one_at for c in done]
    whole = [c.whole_at for c in done]
    path = "from S3's signed URLs in the book (moto)" if store == "s3" else "through the server (local store)"
    failed = [c.error for c in clients if c.error]
    print(f"\n{store}: {len(clients)} clients, a {size / 1e6:.1f} MB book as stored, {path}")
    print(
        f"  completed             {len(done)}/{len(clients)}"
        + (f"; first error: {failed[0]}" if failed else "")
    )
    print(
        f"  aggregate throughput  {served / elapsed / 1e6:8.1f} MB/s ({gigabytes:.2f} GB in {elapsed:.1f} s)"
    )
    per_gb = cpu / gigabytes if gigabytes else float("nan")
    # The book, and page 1 and the rest unless the store served them: what each costs apart from the bytes.
    server_requests = sum(c.requests for c in clients)
    per_request = cpu / max(1, server_requests) * 1000
    direct = sum(c.direct for c in clients)
    print(f"  downloads from store  {direct}/{2 * len(clients)}; requests to the server {server_requests}")
    print(f"  server CPU            {cpu:8.2f} s: {per_gb:.3f} s a GB served, {per_request:.1f} ms a request")
    print(f"  server peak RSS       {peak_rss / 2**20:8.0f} MiB (master + {args.workers} workers)")
    for label, times in ((f"page 1 ({end} bytes)", page_one), ("the whole file", whole)):
        worst = max(times, default=float("nan"))
        print(f"  {label:<21} on every client: p50 {percentile(times, 0.5):.2f} s, max {worst:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--size-mb", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes (EOFFICE_API_WORKERS)")
    parser.add_argument("--stores", nargs="+", choices=["local", "s3"], default=["local", "s3"])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (a fresh database per run); default SQLite",
    )
    args = parser.parse_args()
    book = make_book(args.size_mb)
    print(
        f"Meeting book downloads: {args.clients} clients (threads of one Python process) on this machine's "
        f"{psutil.cpu_count()} cores, shared with the server, the database and moto."
    )
    for store in args.stores:
        run(store, args, book)


if __name__ == "__main__":
    main()
