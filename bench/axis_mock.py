"""Benchmark: signed packages with 1 MB attachments through the mock national axis, sent and collected.

Starts `python -m national_axis` (tests/fixtures/axis.py), registers two systems, signs N packages
beforehand, then sends them from C client threads, and collects them (pending, fetch, ack) from C
threads on the receiving side. Prints packages/s, MB/s and latencies for each side, and whether every
package arrived exactly once, byte for byte. Client and server share the machine's cores.

    python bench/axis_mock.py --packages 200 --size-mb 1 --clients 4 [--database-url postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_postgres  # noqa: E402
from tests.fixtures.axis import AxisServer, unique_organ_id  # noqa: E402
from tests.fixtures.edxml import make_identity, signed_package  # noqa: E402


def _figures(label: str, latencies: list[float], seconds: float, megabytes: float) -> None:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{label}: {len(latencies)} in {seconds:.2f} s = {len(latencies) / seconds:.1f}/s, "
        f"{megabytes / seconds:.1f} MB/s; latency p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", help="PostgreSQL server URL; a fresh database is made on it")
    args = parser.parse_args()

    database_url, drop = (None, None)
    if args.database_url:
        database_url, drop = fresh_postgres(args.database_url, prefix="axis_bench")
    workdir = Path(tempfile.mkdtemp(prefix="axis-bench-"))
    server = AxisServer(workdir, {"AXIS_DATABASE_URL": database_url} if database_url else {})
    server.start()
    try:
        run(server, args)
    finally:
        server.stop()
        if drop:
            drop()


def run(server: AxisServer, args) -> None:
    api = server.api()
    sender_key, receiver_key = make_identity(), make_identity()
    sender_id, receiver_id = unique_organ_id("H97"), unique_organ_id("H49")
    sender = api.connect(api.register_system("A", [(sender_id, "UBND tỉnh A")], sender_key.certificate_pem))
    receiver = api.connect(
        api.register_system("B", [(receiver_id, "UBND tỉnh B")], receiver_key.certificate_pem)
    )
    size = int(args.size_mb * 1024 * 1024)
    noise = os.urandom(size)
    started = time.perf_counter()
    bodies = [
        signed_package(
            sender_key,
            from_id=sender_id,
            to_ids=[receiver_id],
            number=str(n),
            attachments=[("ban-chinh.pdf", n.to_bytes(4, "big") + noise[4:])],
        )
        for n in range(1, args.packages + 1)
    ]
    megabytes = sum(len(body) for body in bodies) / 1e6
    database = "PostgreSQL" if "AXIS_DATABASE_URL" in server.settings else "SQLite"
    signing = time.perf_counter() - started
    print(f"{args.packages} packages of {len(bodies[0]) / 1e6:.2f} MB signed in {signing:.1f} s")
    print(f"database: {database}, {args.clients} client threads on each side")
    sender.fetch_token()
    receiver.fetch_token()

    def send(body: bytes) -> tuple[float, int]:
        begun = time.perf_counter()
        reply = sender.send_edoc(body)
        return time.perf_counter() - begun, reply.status

    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        sent = list(pool.map(send, bodies))
    _figures("send   ", [latency for latency, _ in sent], time.perf_counter() - started, megabytes)
    refused = [status for _, status in sent if status != 202]
    if refused:
        print(f"  NOT ACCEPTED: {len(refused)} ({sorted(set(refused))})")

    expected = {hashlib.sha256(body).hexdigest() for body in bodies}
    received: list[str] = []

    def collect(message_id: str) -> float:
        begun = time.perf_counter()
        content = receiver.get_message(message_id).content
        receiver.ack(message_id)
        received.append(hashlib.sha256(content).hexdigest())
        return time.perf_counter() - begun

    started = time.perf_counter()
    latencies: list[float] = []
    while True:
        pending = receiver.pending_ids()
        if not pending:
            break
        with ThreadPoolExecutor(args.clients) as pool:
            latencies += list(pool.map(collect, pending))
    _figures("collect", latencies, time.perf_counter() - started, megabytes)
    exact = sorted(received) == sorted(expected)
    print(f"every package arrived exactly once, byte for byte: {'yes' if exact else 'NO'}")


if __name__ == "__main__":
    main()
