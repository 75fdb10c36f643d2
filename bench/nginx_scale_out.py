"""Benchmark: the live meeting room behind nginx (the README's scale-out block) on two servers.

Starts two production servers (gunicorn.conf.py) sharing rooms through Redis and two API worker
pools (gunicorn_api.conf.py, one process each) on a fresh PostgreSQL database, and Debian's nginx in
front of them (tests/deploy/nginx.py: the README's block with local addresses). The organiser
creates and starts a meeting through nginx; N tablets (python-socketio clients, long polling then
WebSocket, as a browser) connect through nginx, the chair turns the page K times (each turn waits
for every tablet), then the server without the chair stops and the benchmark waits until every
tablet of it has reconnected through nginx and joined again, and the chair turns K pages more.
It prints how the tablets split over the servers, the all-tablets latency of a turn (send -> last
tablet's receive, p50/p99) before and after, the time until the last tablet had joined again, and
duplicated or lost turns (both must be 0).

The servers, nginx, the clients, PostgreSQL and Redis share this machine's cores; the figures say so.

    .venv/bin/python bench/nginx_scale_out.py [--clients 100] [--events 30]
        [--database-url postgresql://postgres@127.0.0.1/test] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import socketio
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port  # noqa: E402
from bench.fanout.load import percentile  # noqa: E402
from bench.fanout.measure import Bench  # noqa: E402
from bench.fanout.servers import BIN, stop  # noqa: E402
from tests.deploy.nginx import NGINX, Nginx  # noqa: E402

NAMESPACE = "/meetings"


class Tablet:
    """Joins on every connection; records each turn's seq and when it arrived."""

    def __init__(self, url: str, token: str, meeting_id: int):
        self.meeting_id = meeting_id
        self.arrivals: dict[int, float] = {}
        self.duplicates = 0
        self.joined_seq: list[int] = []
        self.joined = threading.Event()
        self.disconnects = 0
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
        self.sio.on("connect", lambda: threading.Thread(target=self._join, daemon=True).start(), NAMESPACE)
        self.sio.on("presentation", self._presented, NAMESPACE)
        self.sio.on("disconnect", self._disconnected, NAMESPACE)
        self.sio.connect(url, namespaces=[NAMESPACE], auth={"token": token}, wait_timeout=60)

    def _join(self) -> None:
        answer = self.sio.call("join", {"meeting_id": self.meeting_id}, namespace=NAMESPACE, timeout=60)
        presentation = (answer.get("state") or {}).get("presentation") or {}
        self.joined_seq.append(presentation.get("seq", 0))
        self.joined.set()

    def _disconnected(self, *_reason) -> None:
        self.disconnects += 1

    def _presented(self, data) -> None:
        if data["seq"] in self.arrivals:
            self.duplicates += 1
        self.arrivals.setdefault(data["seq"], time.perf_counter())


def sockets(metrics_url: str) -> float:
    text = requests.get(f"{metrics_url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "eoffice_socketio_connections":
                return sample.value
    return 0.0


def start_process(bench: Bench, name: str, configuration: str, env: dict[str, str]) -> subprocess.Popen:
    log = (bench.workdir / f"{name}.log").open("wb")
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", configuration, "wsgi:app"],
        cwd=ROOT,
        env=bench.env | env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading on a busy machine
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start (exit {process.poll()})")


def turns(chair: Tablet, tablets: list[Tablet], document_id: int, count: int, first_page: int) -> list[float]:
    latencies = []
    for n in range(count):
        sent = time.perf_counter()
        answer = chair.sio.call(
            "present",
            {"meeting_id": chair.meeting_id, "document_id": document_id, "page": (first_page + n) % 20 + 1},
            namespace=NAMESPACE,
            timeout=60,
        )
        seq = answer["seq"]
        deadline = time.monotonic() + 60
        while any(seq not in t.arrivals for t in tablets) and time.monotonic() < deadline:
            time.sleep(0.001)
        latencies.append(max(t.arrivals.get(seq, float("nan")) for t in tablets) - sent)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if NGINX is None:
        raise SystemExit("nginx is not installed: apt-get install nginx")

    bench = Bench(args)
    bench.env["EOFFICE_REDIS_CHANNEL"] = f"eoffice-bench-{uuid.uuid4().hex}"
    bench.env["EOFFICE_PROXY_COUNT"] = "1"
    processes: dict[str, subprocess.Popen] = {}
    nginx = None
    tablets: list[Tablet] = []
    try:
        bench.create_users(args.clients + 1)
        ports = {name: free_port() for name in ("server-a", "server-b", "api-a", "api-b")}
        metrics = {name: free_port() for name in ("server-a", "server-b")}
        for name, port in ports.items():
            if name.startswith("server"):
                env = {"EOFFICE_PORT": str(port), "EOFFICE_METRICS_PORT": str(metrics[name])}
                processes[name] = start_process(bench, name, "gunicorn.conf.py", env)
            else:
                env = {"EOFFICE_API_PORT": str(port), "EOFFICE_API_WORKERS": "1"}
                processes[name] = start_process(bench, name, "gunicorn_api.conf.py", env)
        for name, port in ports.items():
            wait_ready(f"http://127.0.0.1:{port}", processes[name])
        address = {name: f"127.0.0.1:{port}" for name, port in ports.items()}
        nginx = Nginx([address["server-a"], address["server-b"]], [address["api-a"], address["api-b"]])
        nginx.start()

        meeting_id, document_id = bench.create_meeting(nginx.url, bench.user_ids[: args.clients + 1])
        logins = bench.log_in_devices([nginx.url], bench.user_ids[: args.clients + 1], 1)
        chair_token, *tokens = [login.token for login in logins]
        chair = Tablet(nginx.url, chair_token, meeting_id)
        chair.joined.wait(60)
        chair_server = max(metrics, key=lambda name: sockets(f"http://127.0.0.1:{metrics[name]}"))
        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            tablets = list(pool.map(lambda token: Tablet(nginx.url, token, meeting_id), tokens))
        for tablet in tablets:
            tablet.joined.wait(60)
        connect_seconds = time.perf_counter() - started
        split = {name: sockets(f"http://127.0.0.1:{port}") for name, port in metrics.items()}
        print(
            f"{args.clients} tablets through nginx in {connect_seconds:.1f} s: {split}, "
            f"chair on {chair_server}"
        )

        before = turns(chair, tablets, document_id, args.events, 0)
        stopped = "server-b" if chair_server == "server-a" else "server-a"
        survivor = f"http://127.0.0.1:{metrics[chair_server]}"
        # gunicorn's quick shutdown (SIGINT): the process is gone at once, as when a pod is killed.
        stopped_at = time.perf_counter()
        processes[stopped].send_signal(signal.SIGINT)
        processes[stopped].wait(60)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sockets(survivor) < len(tablets) + 1:
            time.sleep(0.05)
        moved = [t for t in tablets if t.disconnects]
        while time.monotonic() < deadline and any(len(t.joined_seq) < 2 for t in moved):
            time.sleep(0.01)
        failover_seconds = time.perf_counter() - stopped_at
        rejoined = sum(1 for t in moved if len(t.joined_seq) >= 2)
        print(
            f"{stopped} stopped: {rejoined} of its {len(moved)} tablets reconnected through nginx and "
            f"joined again {failover_seconds:.2f} s after it was told to stop"
        )
        after = turns(chair, tablets, document_id, args.events, args.events)

        for label, latencies in (("before", before), ("after", after)):
            print(
                f"turn to every tablet {label}: p50 {percentile(latencies, 50) * 1000:.1f} ms, "
                f"p99 {percentile(latencies, 99) * 1000:.1f} ms"
            )
        expected = set(range(1, 2 * args.events + 1))
        lost = sum(len(expected - set(t.arrivals) - set(range(1, max(t.joined_seq) + 1))) for t in tablets)
        duplicates = sum(t.duplicates for t in tablets)
        print(f"turns received twice: {duplicates}; turns lost: {lost}")
    finally:
        for tablet in tablets:
            tablet.sio.disconnect()
        if nginx is not None:
            nginx.stop()
        for process in processes.values():
            stop(process)
        bench.close()


if __name__ == "__main__":
    main()
