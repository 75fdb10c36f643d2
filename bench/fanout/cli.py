"""The fan-out benchmark's command line: its arguments, the runs for each N, what they measured."""

from __future__ import annotations

import argparse
import os
import statistics

import psutil

from bench import fanout
from bench.fanout.load import Outcome, arrival_seconds
from bench.fanout.measure import Bench
from bench.fanout.report import print_outcome, print_summary
from bench.fanout.seeding import delegates_for
from bench.fanout.servers import install_node_packages


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


def measure_pair(
    bench: Bench, args: argparse.Namespace, clients: int, reference_first: bool
) -> tuple[Outcome, Outcome | None]:
    """Ours and the reference, one after the other; every second pair the reference goes first, so that
    neither server always meets the machine as the run before left it. With --reference-twice, "ours"
    is the reference again: the ratios then show the measurement's own scatter."""
    runs = {"ours": bench.measure_reference if args.reference_twice else bench.measure_ours}
    if not args.skip_reference:
        runs["reference"] = bench.measure_reference
    measured = {}
    for name in sorted(runs, reverse=reference_first):  # "ours" < "reference"
        measured[name] = runs[name](clients)
        print_outcome(measured[name])
    return measured["ours"], measured.get("reference")


def main() -> None:
    parser = argparse.ArgumentParser(description=fanout.__doc__.splitlines()[0])
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
    parser.add_argument(
        "--reference-twice",
        action="store_true",
        help="measure the reference in our server's place too (the ratios a 1.00x server would get)",
    )
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
        if args.reference_twice:
            print("--reference-twice: the reference server measured in our server's place as well.")
        for clients in args.clients:
            print(f"\nN = {clients}")
            ratios = []
            for pair in range(1, args.pairs + 1):
                if args.pairs > 1:
                    print(f" pair {pair} of {args.pairs}")
                ours, reference = measure_pair(bench, args, clients, reference_first=pair % 2 == 0)
                if reference is not None:
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
