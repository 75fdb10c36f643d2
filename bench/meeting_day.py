"""Benchmark: the live room on a province's meeting day: a reconnect storm, many rooms at once over one
or two server processes, a check-in storm.

Every scenario runs the production server (gunicorn with gunicorn.conf.py) on a database seeded as
bench/meeting_fanout.py seeds it; each tablet logs in through POST /api/v1/auth/login with its own
device id (`--devices-per-delegate D` tablets per delegate, a pool of a few threads, before anything
is timed) and arrives as tablets arrive in a hall: it connects and joins at once, 100 in flight. The
load comes from bench/node_reference/loadgen.js (its scenarios.js), one Node process.

`--scenario reconnect`: H tablets (`--hall`, 1,000) joined in a started meeting whose chair has
  turned three pages. The server is stopped (SIGTERM, as a deployment restarts it; the benchmark
  waits until the process is gone) and started again on the same port. The tablets reconnect
  (socket.io-client's reconnection with the web client's delays) and join again. Prints how long the
  old process took to stop, the time from the new one answering /readyz until every tablet has joined
  again and shows the last page (target: within 5 s), joins that showed another page, and page turns
  applied twice or going backwards (a seq a tablet had seen, or an older one, by event or join state);
  three more page turns must then reach everyone.
`--scenario day`: R rooms of T tablets (`--rooms` 100, `--tablets` 20) and one hall of H tablets,
  every chair turning pages (each room's every 2 s, the hall's every 1 s, the rooms' starts spread over
  their interval) for S seconds (`--seconds`, 60), over P server processes (`--processes 1 2`: two are
  two gunicorn instances on two ports sharing rooms through EOFFICE_REDIS_URL, each room's tablets
  split between them, the chairs on either). Prints each room's all-clients p99 (send -> the last
  tablet of the room has it) and the overall one, deliveries lost (must be 0), events a tablet received
  from a room it is not in (must be 0), each process's CPU seconds during the page turns, and the Redis
  traffic of the two-process run (INFO stats total_net_input_bytes and total_commands_processed,
  after minus before).
`--scenario checkin`: H tablets joined; every tablet checks in (event `check_in`), the check-ins
  spread evenly over 10 s (`--checkin-seconds`). Prints whether every check-in is recorded once
  (participants checked in, in the database, against the participants, none twice), the time from
  the last check-in sent until every tablet shows the true count (its join state's attendance with
  every `attendance` event applied as the web client applies them: every participant present and
  voting_present all the voting members; target: within 1 s), and the `attendance` events each tablet
  received (the broadcasts sent) with their JSON payload bytes.

The server, the load generator, PostgreSQL and Redis share this machine's cores. Smoke-run tiny sizes
first (`--hall 10 --rooms 2 --tablets 3 --seconds 5`). Run with the project's interpreter:

    .venv/bin/python bench/meeting_day.py [--scenario reconnect day checkin] [--hall 1000] [--rooms 100]
        [--tablets 20] [--seconds 60] [--processes 1 2] [--checkin-seconds 10] [--devices-per-delegate 1]
        [--database-url postgresql://postgres@127.0.0.1/test] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout.cli import add_device_arguments  # noqa: E402
from bench.fanout.load import PDF_PAGES, percentile, run_loadgen  # noqa: E402
from bench.fanout.measure import Bench  # noqa: E402
from bench.fanout.seeding import DeviceLogin, delegates_for  # noqa: E402
from bench.fanout.servers import install_node_packages, stop  # noqa: E402

SCENARIOS = ("reconnect", "day", "checkin")
TURNS_AROUND_RESTART = 3
ROOM_INTERVAL_MS = 2000
HALL_INTERVAL_MS = 1000
# A stopping gunicorn waits for its sockets up to graceful_timeout (30 s) before it ends them.
STOP_TIMEOUT = 90


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q):8.1f}"


class MeetingDay:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.d = args.devices_per_delegate
        # The message queue only where two processes share rooms: one process runs without it.
        self.bench = Bench(argparse.Namespace(database_url=args.database_url, redis_url=None))
        self.hall_users: list[int] = []
        self.room_users: list[list[int]] = []

    def seed(self) -> None:
        hall = delegates_for(self.args.hall, self.d)
        per_room = delegates_for(self.args.tablets, self.d)
        rooms = self.args.rooms if "day" in self.args.scenario else 0
        self.bench.create_users(hall + rooms * per_room)
        ids = self.bench.user_ids
        self.hall_users = ids[:hall]
        self.room_users = [ids[hall + r * per_room : hall + (r + 1) * per_room] for r in range(rooms)]

    def devices(self, urls: list[str], users: list[int]) -> list[DeviceLogin]:
        return self.bench.log_in_devices(urls, users, self.d)

    def loadgen_devices(self, logins: list[DeviceLogin], urls: list[str], first: int = 0) -> list[dict]:
        """Each device on a server in turn, starting with urls[first] (where the chair is)."""
        return [
            {**login.for_loadgen(), "url": urls[(first + i) % len(urls)]} for i, login in enumerate(logins)
        ]

    # Reconnect storm

    def reconnect(self) -> None:
        hall = self.args.hall
        print(f"\nReconnect storm: {hall} tablets, the server restarted (SIGTERM, then started again)")
        server, url, _ = self.bench.start_gunicorn(hall)
        servers = [server]
        stopped: list[float] = []
        try:
            meeting_id, document_id = self.bench.create_meeting(url, self.hall_users)
            logins = self.devices([url], self.hall_users)

            def restart(phase: str, loadgen: subprocess.Popen) -> None:
                if phase != "joined":
                    return
                began = time.perf_counter()
                stop(servers[0], STOP_TIMEOUT)
                stopped.append(time.perf_counter() - began)
                loadgen.stdin.write("restarting\n")
                loadgen.stdin.flush()
                servers[0], _, _ = self.bench.start_gunicorn(hall, int(url.rsplit(":", 1)[1]))

            run = run_loadgen(
                "reconnect",
                {
                    "scenario": "reconnect",
                    "reconnect": True,
                    "url": url,
                    "devices": self.loadgen_devices(logins, [url]),
                    "meeting_id": meeting_id,
                    "document_id": document_id,
                    "pages": PDF_PAGES,
                    "turns_before": TURNS_AROUND_RESTART,
                    "turns_after": TURNS_AROUND_RESTART,
                },
                [],
                restart,
            )
        finally:
            stop(servers[0], STOP_TIMEOUT)
        result = run.result
        back = result["ready_to_all_back_seconds"]
        print(f"  connect + join of {result['devices']} tablets: {result['arrival_seconds']:.1f} s")
        print(
            f"  the old server stopped {stopped[0]:.1f} s after SIGTERM;"
            f" {result['disconnects']} disconnections"
        )
        print(
            f"  /readyz answering -> every tablet joined again showing the last page:"
            f" {'not within the timeout' if not result['all_back'] else f'{back:.2f} s'}"
            f" ({result['rejoined']} of {result['devices']} back)"
        )
        print(
            f"  joins showing another page {result['stale_joins']}, joins refused {result['refused_joins']};"
            f" page turns applied twice {result['duplicates']}, going backwards {result['backwards']}"
        )
        for label in ("turns_before", "turns_after"):
            turns = result[label]
            print(
                f"  {label.replace('_', ' ')} the restart:"
                f" all-clients p50 {ms(turns['all_clients_ms'], 50)} ms,"
                f" max {max(turns['all_clients_ms'], default=float('nan')):8.1f} ms, lost {turns['lost']}"
            )

    # A province's day

    def day(self, processes: int) -> None:
        args = self.args
        tablets = args.hall + args.rooms * args.tablets
        extra_env: dict[str, str] = {}
        if processes > 1:
            if not args.redis_url:
                raise SystemExit("two processes share rooms through Redis: give --redis-url")
            extra_env = {
                "EOFFICE_REDIS_URL": args.redis_url,
                "EOFFICE_REDIS_CHANNEL": f"eoffice-bench-{uuid.uuid4().hex}",
            }
        print(
            f"\nMeeting day on {processes} process(es): {args.rooms} rooms of {args.tablets} tablets"
            f" (a page every {ROOM_INTERVAL_MS / 1000:g} s) and a hall of {args.hall}"
            f" (every {HALL_INTERVAL_MS / 1000:g} s) for {args.seconds} s"
        )
        servers = []
        try:
            for _ in range(processes):
                server, url, _ = self.bench.start_gunicorn(tablets, extra_env=extra_env)
                servers.append((server, url))
            urls = [url for _, url in servers]
            self.devices(urls, self.hall_users + [user for users in self.room_users for user in users])
            rooms = []
            for r, (users, interval) in enumerate(
                [(self.hall_users, HALL_INTERVAL_MS)]
                + [(users, ROOM_INTERVAL_MS) for users in self.room_users]
            ):
                meeting_id, document_id = self.bench.create_meeting(urls[r % processes], users)
                rooms.append(
                    {
                        "meeting_id": meeting_id,
                        "document_id": document_id,
                        "pages": PDF_PAGES,
                        "interval_ms": interval,
                        "devices": self.loadgen_devices(self.devices(urls, users), urls, r),
                    }
                )
            queue = redis.Redis.from_url(args.redis_url) if processes > 1 else None
            redis_stats: dict[str, dict] = {}

            def read_redis(phase: str, _loadgen: subprocess.Popen) -> None:
                if queue is not None and phase in ("present", "drain"):
                    redis_stats[phase] = queue.info("stats")

            run = run_loadgen(
                f"day on {processes}",
                {"scenario": "day", "seconds": args.seconds, "rooms": rooms},
                [server.pid for server, _ in servers],
                read_redis,
            )
        finally:
            for server, _ in servers:
                stop(server)
        self.print_day(run, urls, redis_stats)

    def print_day(self, run, urls: list[str], redis_stats: dict[str, dict]) -> None:
        result = run.result
        print(f"  connect + join of {result['devices']} tablets: {result['arrival_seconds']:.1f} s")
        print(
            f"  {'room':>8} {'id':>6} {'tablets':>7} {'every':>5} {'turns':>5} {'all p50':>8} {'all p99':>8}"
            f" {'lost':>6} {'foreign':>7} {'twice':>5} {'late':>4} {'refused':>7}"
        )
        everyone: list[float] = []
        for r, room in enumerate(result["rooms"]):
            everyone += room["all_clients_ms"]
            name = "hall" if r == 0 else f"room {r}"
            print(
                f"  {name:>8} {room['meeting_id']:>6} {room['devices']:>7}"
                f" {room['interval_ms'] / 1000:>4g}s"
                f" {room['sent']:>5} {ms(room['all_clients_ms'], 50)} {ms(room['all_clients_ms'], 99)}"
                f" {room['expected'] - room['delivered']:>6} {room['foreign']:>7} {room['duplicates']:>5}"
                f" {room['late']:>4} {room['refused']:>7}"
            )
        lost = sum(room["expected"] - room["delivered"] for room in result["rooms"])
        foreign = sum(room["foreign"] for room in result["rooms"])
        unexpected = sum(room["unexpected"] for room in result["rooms"])
        print(
            f"  overall: all-clients p50 {ms(everyone, 50)} ms, p99 {ms(everyone, 99)} ms over"
            f" {len(everyone)} complete turns; lost {lost} (must be 0); received outside their room"
            f" {foreign} (must be 0); turns no chair sent {unexpected}"
        )
        (began, cpu_began, _), (ended, cpu_ended, _) = run.marks["present"], run.marks["drain"]
        for url, start, end in zip(urls, cpu_began, cpu_ended, strict=True):
            print(
                f"  {url}: CPU {end - start:.2f} s during the {ended - began:.0f} s of page turns"
                f" ({(end - start) / (ended - began):.0%} of a core)"
            )
        if redis_stats:
            before, after = redis_stats["present"], redis_stats["drain"]
            received = after["total_net_input_bytes"] - before["total_net_input_bytes"]
            commands = after["total_commands_processed"] - before["total_commands_processed"]
            print(f"  Redis during the page turns: {received / 1e6:.2f} MB in, {commands} commands")

    # Check-in storm

    def checkin(self) -> None:
        hall = self.args.hall
        print(f"\nCheck-in storm: {hall} tablets checking in within {self.args.checkin_seconds:g} s")
        server, url, _ = self.bench.start_gunicorn(hall)
        try:
            meeting_id, _document_id = self.bench.create_meeting(url, self.hall_users)
            logins = self.devices([url], self.hall_users)
            run = run_loadgen(
                "checkin",
                {
                    "scenario": "checkin",
                    "url": url,
                    "devices": self.loadgen_devices(logins, [url]),
                    "meeting_id": meeting_id,
                    "spread_seconds": self.args.checkin_seconds,
                    "expected_present": len(self.hall_users),
                    # The chair and delegates vote: every hall user.
                    "expected_voting": len(self.hall_users),
                },
                [server.pid],
            )
        finally:
            stop(server)
        checked_in, participants, twice = self.attendance_rows(meeting_id)
        result = run.result
        print(f"  connect + join of {result['devices']} tablets: {result['arrival_seconds']:.1f} s")
        print(
            f"  {result['checked_in']} check-ins accepted over {result['spread_seconds']:.1f} s,"
            f" {result['refused']} refused; ack p50 {ms(result['ack_ms'], 50)} ms,"
            f" p99 {ms(result['ack_ms'], 99)} ms"
        )
        if result["refusals"]:
            print(f"  first refusals: {result['refusals']}")
        recorded_once = checked_in == participants == len(self.hall_users) and twice == 0
        print(
            f"  database: {checked_in} of {participants} participants checked in, {twice} recorded twice:"
            f" {'every check-in recorded once' if recorded_once else 'NOT every check-in recorded once'}"
        )
        settled = result["last_checkin_to_all_seconds"]
        print(
            f"  last check-in adding someone -> every tablet shows {result['expected_present']} present:"
            f" {f'{settled:.2f} s' if result['converged'] else 'never (within 30 s)'};"
            f" {result['attendance_events']} attendance events received;"
            f" {result['unsettled']} tablets showing another count"
            + (
                f" (from {result['unsettled_shown'][0]} to {result['unsettled_shown'][1]})"
                if result["unsettled"]
                else ""
            )
        )
        fewest, most = result["attendance_events_per_tablet"]
        payload, events = result["attendance_payload_bytes"], max(result["attendance_events"], 1)
        print(
            f"  attendance broadcasts: {fewest}-{most} received by each tablet; payloads"
            f" {payload / 1e6:.2f} MB to all tablets ({payload / events:.0f} B an event,"
            f" {payload / result['devices'] / 1e3:.1f} kB a tablet)"
        )

    def attendance_rows(self, meeting_id: int) -> tuple[int, int, int]:
        """(participants checked in, participants, users with more than one participant row)."""
        from meetings.models import MeetingParticipant as P

        with self.bench.app.app_context():
            from eoffice.extensions import db

            of_meeting = P.meeting_id == meeting_id
            checked_in = db.session.scalar(
                sa.select(sa.func.count()).where(of_meeting, P.checked_in_at.is_not(None))
            )
            participants = db.session.scalar(sa.select(sa.func.count()).where(of_meeting))
            twice = db.session.scalar(
                sa.select(sa.func.count()).select_from(
                    sa.select(P.user_id)
                    .where(of_meeting)
                    .group_by(P.user_id)
                    .having(sa.func.count() > 1)
                    .subquery()
                )
            )
            db.session.rollback()
            return checked_in, participants, twice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--hall", type=int, default=1000, help="tablets in the hall (H)")
    parser.add_argument("--rooms", type=int, default=100, help="rooms besides the hall (R)")
    parser.add_argument("--tablets", type=int, default=20, help="tablets in each room (T)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the page turns of the day (S)")
    parser.add_argument("--processes", type=int, nargs="+", choices=(1, 2), default=[1, 2])
    parser.add_argument("--checkin-seconds", type=float, default=10, help="the check-ins spread over this")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server URL (a fresh database is created and dropped)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("EOFFICE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the message queue of two processes",
    )
    add_device_arguments(parser, arrival=False)
    args = parser.parse_args()

    install_node_packages()
    day = MeetingDay(args)
    try:
        day.seed()
        print(
            f"Meeting day: gunicorn gevent-websocket worker(s) on PostgreSQL, {day.d} tablet(s) per delegate;"
            f" the load generator (one Node process) shares this machine's {os.cpu_count()} cores."
        )
        for scenario in args.scenario:
            if scenario == "day":
                for processes in args.processes:
                    day.day(processes)
            else:
                getattr(day, scenario)()
    finally:
        day.bench.close()


if __name__ == "__main__":
    main()
