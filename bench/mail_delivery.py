"""Benchmark: e-mail notices delivered per second by two mail workers to a loopback SMTP server.

Queues N notices through eoffice.mail.operations.notify, starts two `flask --app wsgi mail-worker
--exit-when-idle` processes, and prints the delivery rate and whether every message arrived
exactly once. The SMTP server (aiosmtpd) runs in this process and shares the machine's cores
with the workers and the database.

    python bench/mail_delivery.py --messages 2000 [--database-url postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, fresh_postgres  # noqa: E402


class CountingHandler:
    def __init__(self) -> None:
        self.message_ids: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.message_ids[line.split(b":", 1)[1].strip().decode()] += 1
                break
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (a fresh database is created); default SQLite",
    )
    args = parser.parse_args()

    handler = CountingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    workdir = Path(tempfile.mkdtemp(prefix="eoffice-mail-bench-"))
    drop = None
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    if args.database_url:
        database_url, drop = fresh_postgres(args.database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")}
    env |= {
        "EOFFICE_INSTANCE_PATH": str(workdir),
        "EOFFICE_DATABASE_URL": database_url,
        "EOFFICE_AUTO_MIGRATE": "true",
        "EOFFICE_SMTP_HOST": "127.0.0.1",
        "EOFFICE_SMTP_PORT": str(smtp.port),
        "EOFFICE_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    try:
        from eoffice import create_app
        from eoffice.accounts import operations as accounts
        from eoffice.extensions import db
        from eoffice.mail.operations import notify

        app = create_app()
        with app.app_context():
            accounts.create_agency("000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Nam")
            users = [
                accounts.create_user(
                    username=f"user{i}",
                    password="bench-password",
                    full_name=f"Người dùng {i}",
                    email=f"user{i}@quangnam.gov.vn",
                    agency_id="000.00.00.H49",
                )
                for i in range(20)
            ]
            for index in range(args.messages):
                notify(
                    users[index % len(users)],
                    "document.issued",
                    {"title": f"Công văn số {index}/UBND-VX về việc triển khai văn phòng điện tử"},
                    link=f"/documents/{index}",
                )
            db.session.commit()
            db.engine.dispose()

        bin_dir = Path(sys.executable).parent
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [
                    str(bin_dir / "flask"),
                    "--app",
                    "wsgi",
                    "mail-worker",
                    "--exit-when-idle",
                    "--poll-interval",
                    "0.2",
                ],
                cwd=ROOT,
                env=env,
            )
            for _ in range(args.workers)
        ]
        for worker in workers:
            worker.wait(timeout=1800)
        elapsed = time.perf_counter() - started
    finally:
        smtp.stop()
        if drop:
            drop()

    received = sum(handler.message_ids.values())
    duplicates = sum(count - 1 for count in handler.message_ids.values() if count > 1)
    print(f"database            {database_url.split('://')[0]}")
    print(f"workers             {args.workers} processes")
    print(f"messages queued     {args.messages}")
    print(f"messages received   {received} ({len(handler.message_ids)} distinct, {duplicates} duplicates)")
    print(f"elapsed             {elapsed:.2f} s (includes worker start-up)")
    print(f"throughput          {received / elapsed:.0f} messages/s")


if __name__ == "__main__":
    main()
