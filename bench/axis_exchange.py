"""Benchmark: documents with a 1 MB attachment from agency A to agency B through the mock national axis.

Starts the mock axis (`python -m national_axis`) and two e-office servers (`python wsgi.py`, one
database each, the axis worker inside each process as `make run` has it), prepares N approved
drafts at A, then issues them all and waits until every one waits for registration at B. Prints
documents/s from the first issuance at A to the last arrival at B, the latency of each document
(issued at A → waiting at B), and how long until A heard "01 arrived" for all. Everything shares
the machine's cores.

    python bench/axis_exchange.py --documents 50 --size-mb 1 [--database-url postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_postgres  # noqa: E402
from tests.fixtures.agency_server import AgencyServer  # noqa: E402
from tests.fixtures.axis import AxisServer  # noqa: E402

A_ID, A_NAME = "000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Nam"
B_ID, B_NAME = "000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam"


def pdf_of_size(index: int, size: int) -> bytes:
    """A real PDF (a page of Vietnamese text) carrying an attachment that brings it to `size` bytes."""
    from pypdf import PdfReader, PdfWriter

    from eoffice.pdfgen import text_pdf

    page = text_pdf(f"Công văn số {index} về việc trao đổi số liệu", ["Kính gửi: Sở Nội vụ tỉnh Quảng Nam"])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(page)))
    writer.add_attachment("phu-luc.bin", os.urandom(max(0, size - len(page))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def database(server_url: str | None, workdir: Path, name: str) -> tuple[str, Callable[[], None]]:
    if not server_url:
        return f"sqlite:///{workdir / name / 'eoffice.db'}", lambda: None
    return fresh_postgres(server_url, prefix=f"axis_exchange_{name}")


def approved_draft(a: AgencyServer, sessions: dict, index: int, pdf: bytes) -> int:
    metadata = {
        "document_type": "CV",
        "subject": f"V/v trao đổi số liệu thống kê đợt {index}",
        "recipients": [{"agency_id": B_ID, "agency_name": B_NAME}],
    }
    created = sessions["chuyenvien"].post(
        f"{a.url}/api/v1/documents/outgoing",
        data={"metadata": json.dumps(metadata)},
        files=[("files", (f"cong-van-{index}.pdf", pdf, "application/pdf"))],
        timeout=120,
    )
    created.raise_for_status()
    document_id = created.json()["id"]
    for who, action, body in [
        (
            "chuyenvien",
            "submit",
            {"reviewer_ids": [a.user_ids["truongphong"]], "signer_id": a.user_ids["lanhdao"]},
        ),
        ("truongphong", "approve", {}),
        ("lanhdao", "approve", {}),
    ]:
        sessions[who].post(
            f"{a.url}/api/v1/documents/{document_id}/actions/{action}", json=body, timeout=60
        ).raise_for_status()
    return document_id


def span(database_url: str, query: str) -> str:
    """The rate of one worker's stage from its own database: count over first → last."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            first, last, count = connection.execute(sa.text(query)).one()
    finally:
        engine.dispose()
    if isinstance(first, str):
        first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
    seconds = (last - first).total_seconds()
    return f"{count} in {seconds:.2f} s ({(count - 1) / seconds:.2f}/s)" if seconds > 0 else f"{count}"


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def run(args, workdir: Path, axis: AxisServer) -> None:
    urls = {}
    drops = []
    servers = []
    for name, agency_id, agency_name, abbreviation in [
        ("a", A_ID, A_NAME, "UBND"),
        ("b", B_ID, B_NAME, "SNV"),
    ]:
        url, drop = database(args.database_url, workdir, name)
        drops.append(drop)
        urls[name] = url
        server = AgencyServer(
            workdir / name,
            agency_id,
            agency_name,
            abbreviation,
            settings={
                "EOFFICE_AXIS_POLL_INTERVAL": str(args.poll_interval),
                "EOFFICE_AXIS_RETRY_BASE_SECONDS": "0.5",
            },
        )
        server.seed(url)
        servers.append(server)
    a, b = servers
    a.trust(b)
    b.trust(a)
    try:
        for server in servers:
            system = axis.api().register_system(
                server.agency_name, [(server.agency_id, server.agency_name)], server.certificate_pem
            )
            server.start(axis.url, system)
        sessions = {name: a.client(name) for name in ("chuyenvien", "truongphong", "lanhdao", "vanthu")}
        size = int(args.size_mb * 1024 * 1024)
        print(f"preparing {args.documents} approved drafts at A with a {size / 1e6:.1f} MB PDF each …")
        drafts = [approved_draft(a, sessions, n, pdf_of_size(n, size)) for n in range(args.documents)]

        b_clerk = b.client("vanthu")
        started = time.time()
        issued_at: dict[int, float] = {}

        def issue(document_id: int) -> None:
            response = a.client("vanthu").post(
                f"{a.url}/api/v1/documents/{document_id}/actions/issue", json={}, timeout=60
            )
            response.raise_for_status()
            issued_at[document_id] = parse_time(response.json()["issued_at"])

        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(issue, drafts))
        issuing = time.time() - started
        arrivals: dict[str, float] = {}
        deadline = time.time() + args.timeout
        while len(arrivals) < args.documents and time.time() < deadline:
            cursor = None
            while True:
                params = {"direction": "incoming", "status": "pending_registration", "limit": 100}
                if cursor:
                    params["cursor"] = cursor
                page = b_clerk.get(f"{b.url}/api/v1/documents", params=params, timeout=60).json()
                for item in page["items"]:
                    arrivals.setdefault(item["subject"], parse_time(item["created_at"]))
                cursor = page["next_cursor"]
                if not cursor:
                    break
            time.sleep(0.2)
        if len(arrivals) < args.documents:
            raise SystemExit(f"only {len(arrivals)} of {args.documents} arrived within {args.timeout} s")
        last_arrival = max(arrivals.values())
        elapsed = last_arrival - min(issued_at.values())
        while True:
            heard = [
                sessions["vanthu"].get(f"{a.url}/api/v1/documents/{d}", timeout=60).json()["recipients"][0]
                for d in drafts
            ]
            if all(r["status_code"] == "01" for r in heard) or time.time() > deadline:
                break
            time.sleep(0.2)
        acknowledged = max(parse_time(r["status_at"]) for r in heard if r["status_at"]) - min(
            issued_at.values()
        )

        latencies = sorted(
            arrivals[f"V/v trao đổi số liệu thống kê đợt {n}"] - issued_at[d] for n, d in enumerate(drafts)
        )
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        megabytes = args.documents * size / 1e6
        print(f"issued {args.documents} documents at A in {issuing:.2f} s ({args.clients} clients)")
        print(
            f"exchange A → axis → B (waiting for registration): {args.documents} in {elapsed:.2f} s "
            f"= {args.documents / elapsed:.2f} documents/s, {megabytes / elapsed:.1f} MB/s"
        )
        print(
            f"latency issued at A → waiting at B: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
            f"max {latencies[-1]:.2f} s"
        )
        print(f"all '01 arrived' back at A {acknowledged:.2f} s after the first issuance")
        sent = span(
            urls["a"], "SELECT min(sent_at), max(sent_at), count(*) FROM axis_sends WHERE kind = 'edoc'"
        )
        taken = span(urls["b"], "SELECT min(received_at), max(received_at), count(*) FROM axis_receipts")
        print(f"stages: A's worker posted {sent}; B's worker took {taken}")
        print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}, one per agency")
    finally:
        for server in servers:
            server.stop()
        for drop in drops:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=4, help="Threads issuing at A")
    parser.add_argument("--poll-interval", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL; a fresh database per agency is made on it"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="axis-exchange-"))
    axis = AxisServer(workdir / "axis")
    axis.start()
    try:
        run(args, workdir, axis)
    finally:
        axis.stop()


if __name__ == "__main__":
    main()
