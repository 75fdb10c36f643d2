"""Settings of the processes themselves: where they listen, their database, their logs and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eoffice.config.environment import (
    parse_bool,
    parse_choice,
    parse_database_url,
    parse_int,
    parse_str,
    setting,
)


@dataclass(frozen=True)
class ServerSettings:
    """Addresses, processes, the instance folder and the database."""

    host: str = setting("127.0.0.1", parse_str, "Address the server listens on.")
    port: int = setting(8000, parse_int(1, 65535), "Port the server listens on.")
    api_port: int = setting(
        8001,
        parse_int(1, 65535),
        "Port of the API workers `make serve` starts beside the server (gunicorn_api.conf.py).",
    )
    api_workers: int | None = setting(
        None, parse_int(1, 64), "Processes of the API workers; unset means two per CPU."
    )
    instance_path: str = setting(
        "instance", parse_str, "Folder for the embedded database, files and generated keys."
    )
    database_url: str | None = setting(
        None, parse_database_url, "SQLAlchemy URL; unset means SQLite at instance/eoffice.db."
    )
    database_pool_size: int = setting(
        10,
        parse_int(1, 200),
        "Database connections each server process keeps (PostgreSQL); under gevent a request that finds "
        "them all busy waits for one instead of opening more, which under a burst cost more than the wait.",
    )
    auto_migrate: bool | None = setting(
        None, parse_bool, "Upgrade the schema at start-up; defaults to true on SQLite, false otherwise."
    )

    @property
    def instance_dir(self) -> Path:
        return Path(self.instance_path).resolve()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_dir / 'eoffice.db'}"

    @property
    def is_embedded_database(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_embedded_database if self.auto_migrate is None else self.auto_migrate


@dataclass(frozen=True)
class ObservabilitySettings:
    """Logs and metrics."""

    log_level: str = setting("INFO", parse_choice("DEBUG", "INFO", "WARNING", "ERROR"), "Logging level.")
    log_format: str = setting(
        "text",
        parse_choice("text", "json"),
        "text, or json: one JSON object per line carrying the request id (X-Request-Id), which the outbox "
        "rows a request creates keep for the workers' lines about them.",
    )
    metrics_port: int = setting(
        0,
        parse_int(0, 65535),
        "Port of the Prometheus listener (`GET /metrics`) of each server and API worker process, apart "
        "from the public port so that the ingress never reaches it; 0 means none.",
    )
