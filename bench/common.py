"""What several benchmarks need: a throw-away PostgreSQL database and a free local port."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

import sqlalchemy as sa


def fresh_postgres(server_url: str, prefix: str = "eoffice_bench") -> tuple[str, Callable[[], None]]:
    """A new database on the server at `server_url`: (its URL, a function that drops it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
