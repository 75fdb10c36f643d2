"""Benchmark: the document flow at provincial scale, measured through the production server.

1. Seeds PostgreSQL with N documents (default 1,000,000) spread over 256 agencies and 8,192 users,
   with assignments, participants and searchable text, straight in SQL.
2. Starts the server that answers /api/ in production on that database: the API workers of
   `make serve` (`gunicorn -c gunicorn_api.conf.py wsgi:app`), or with `--server live` the single
   Socket.IO process (`gunicorn -c gunicorn.conf.py wsgi:app`). Measures over HTTP: the first page of
   a specialist's default incoming list, of a clerk's list of everything, and full-text queries of
   common and of rare words, by a clerk and by a platform admin (p50/p95 of sequential requests).
3. Registers incoming documents with a 1 MB PDF through the API from concurrent clients and prints
   documents/s, with the CPU each document cost the server, PostgreSQL and the load generator.

The load generator shares the machine's cores with the server and PostgreSQL: it sends prebuilt
request bodies over kept-alive connections (http.client) so that it takes little of them.

    python bench/documents_scale.py --documents 1000000 --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.documents_data import PASSWORD, remove_registered, search_queries, seed  # noqa: E402
from bench.documents_registration import measure_registration  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def timed_gets(session: requests.Session, url: str, params_list: list[dict]) -> list[float]:
    samples = []
    for params in params_list:
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=60)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return samples


def measure_reads(url, documents_url, specialist, clerk, admin_session, count: int) -> None:
    timed_gets(specialist, documents_url, [{"direction": "incoming"}] * 5)
    mine = [{"direction": "incoming"}] * count
    everything = [{"direction": "incoming", "status": "all"}] * count
    engine = sa.create_engine(url)
    common, rare = search_queries(engine, "000.00.17.H49", count)
    engine.dispose()
    common_params = [{"q": q, "status": "all"} for q in common]
    rare_params = [{"q": q, "status": "all"} for q in rare]
    for label, session, params in [
        ("specialist, default incoming list, first page", specialist, mine),
        ("clerk, all incoming documents, first page", clerk, everything),
        ("clerk, full-text, 2 common words", clerk, common_params),
        ("clerk, full-text, a rare word and another", clerk, rare_params),
        ("platform admin (all agencies), 2 common words", admin_session, common_params),
        ("platform admin (all agencies), a rare word", admin_session, rare_params),
    ]:
        print(f"{label:48} {percentiles(timed_gets(session, documents_url, params))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--uploads", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--only",
        choices=["lists", "registration"],
        nargs="+",
        default=["lists", "registration"],
        help="measure only the lists and searches, or only registration",
    )
    parser.add_argument(
        "--server",
        choices=["api", "live"],
        default="api",
        help="api: the API workers (gunicorn_api.conf.py); live: the Socket.IO process (gunicorn.conf.py)",
    )
    parser.add_argument("--api-workers", type=int, help="EOFFICE_API_WORKERS for --server api")
    parser.add_argument(
        "--text-extraction",
        choices=["background", "inline"],
        default="background",
        help="EOFFICE_TEXT_EXTRACTION: background (the default on PostgreSQL) runs "
        "`flask document-text-worker` beside the server at nice 19, as `make serve` does",
    )
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="seed database NAME once and keep it; later runs with the same NAME measure it again",
    )
    args = parser.parse_args()

    name = args.keep or f"eoffice_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="eoffice-docs-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")}
    env |= {
        "EOFFICE_INSTANCE_PATH": str(workdir),
        "EOFFICE_DATABASE_URL": url,
        "EOFFICE_PORT": str(port),
        "EOFFICE_API_PORT": str(port),
        "EOFFICE_HOST": "127.0.0.1",
        "EOFFICE_LOG_LEVEL": "WARNING",
        "EOFFICE_LOGIN_MAX_FAILURES": "1000",
        "EOFFICE_TEXT_EXTRACTION": args.text_extraction,
    }
    bin_dir = Path(sys.executable).parent
    server = text_worker = None
    try:
        subprocess.run(
            [str(bin_dir / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        if exists:
            print(f"database {name} kept from an earlier run")
        else:
            started = time.perf_counter()
            seed(url, args.documents)
            print(f"seeded {args.documents} documents in {time.perf_counter() - started:.0f} s")
        config = "gunicorn_api.conf.py" if args.server == "api" else "gunicorn.conf.py"
        if args.api_workers:
            env["EOFFICE_API_WORKERS"] = str(args.api_workers)
        print(f"server: gunicorn -c {config} (load average {os.getloadavg()[0]:.1f})")
        server = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-c", config, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes = {"server": server.pid}
        if args.text_extraction == "background":
            text_worker = subprocess.Popen(
                ["nice", "-n", "19", str(bin_dir / "flask"), "--app", "wsgi", "document-text-worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes["text worker"] = text_worker.pid
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)

        def session_for(username: str) -> requests.Session:
            session = requests.Session()
            token = session.post(
                f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30
            ).json()["access_token"]
            session.headers["Authorization"] = f"Bearer {token}"
            return session

        specialist, clerk, admin_session = session_for("u17.3"), session_for("u17.0"), session_for("u0.2")
        documents_url = f"{base}/api/v1/documents"
        if "lists" in args.only:
            measure_reads(url, documents_url, specialist, clerk, admin_session, args.requests)
        if "registration" in args.only:
            load = os.getloadavg()[0]
            print(f"registration (load average {load:.1f}; the load generator shares the machine's cores)")
            authorization = clerk.headers["Authorization"]
            measure_registration(url, port, authorization, args.uploads, args.clients, processes)
    finally:
        for process in (server, text_worker):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if args.keep:
            remove_registered(url)
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
