"""Every setting of the mock axis, read from AXIS_* environment variables in this one place."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PREFIX = "AXIS_"


class ConfigError(Exception):
    """Raised when settings are unknown or malformed; start-up stops with its message."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid axis settings:\n  " + "\n  ".join(problems))


def _parse_int(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"expected an integer, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise ValueError(f"must be between {minimum} and {maximum if maximum is not None else '∞'}")
        return value

    return parse


def _parse_share(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"expected a number between 0 and 1, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a number between 0 and 1, got {raw!r}")
    return value


def _parse_seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"expected seconds, got {raw!r}") from None
    if not 0.0 <= value <= 3600.0:
        raise ValueError("must be between 0 and 3600 seconds")
    return value


def _parse_str(raw: str) -> str:
    return raw


def _parse_secret(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("must be at least 16 characters")
    return raw


def _parse_database_url(raw: str) -> str:
    if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", raw):
        raise ValueError("must start with sqlite:// or postgresql:// (driver: psycopg 3)")
    return raw


def _setting(default: Any, parse: Callable[[str], Any], doc: str) -> Any:
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Field `foo_bar` is read from AXIS_FOO_BAR; the README lists them all with defaults."""

    host: str = _setting("127.0.0.1", _parse_str, "Address the mock axis listens on.")
    port: int = _setting(8100, _parse_int(1, 65535), "Port the mock axis listens on.")
    database_url: str | None = _setting(
        None, _parse_database_url, "SQLAlchemy URL; unset means SQLite at instance-axis/axis.db."
    )
    admin_token: str | None = _setting(
        None, _parse_secret, "Bearer token of the admin calls (registering systems); unset disables them."
    )
    secret_key: str | None = _setting(
        None, _parse_secret, "Signs access tokens; unset means generated once and kept in the database."
    )
    token_ttl_seconds: int = _setting(300, _parse_int(5, 86400), "Access token lifetime, seconds.")
    max_package_bytes: int = _setting(
        50 * 1024 * 1024, _parse_int(1024), "Largest accepted package or status notice, bytes (413 beyond)."
    )
    fault_rate: float = _setting(0.0, _parse_share, "Share of API calls answered 503 before doing anything.")
    fault_hang_rate: float = _setting(
        0.0, _parse_share, "Share of API calls that stall AXIS_FAULT_HANG_SECONDS, then answer 503."
    )
    fault_hang_seconds: float = _setting(10.0, _parse_seconds, "How long a stalling call stalls, seconds.")
    fault_seed: int | None = _setting(
        None,
        _parse_int(0),
        "Seed of the fault dice, for a repeatable sequence per route; unset means random.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        known = {PREFIX + f.name.upper(): f for f in fields(cls)}
        problems: list[str] = []
        values: dict[str, Any] = {}
        for name, raw in sorted(environ.items()):
            if not name.startswith(PREFIX):
                continue
            spec = known.get(name)
            if spec is None:
                problems.append(f"{name}: unknown setting")
                continue
            try:
                values[spec.name] = spec.metadata["parse"](raw)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
        if not problems and values.get("fault_rate", 0.0) + values.get("fault_hang_rate", 0.0) > 1.0:
            problems.append("AXIS_FAULT_RATE + AXIS_FAULT_HANG_RATE: together at most 1")
        if problems:
            raise ConfigError(problems)
        return cls(**values)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        folder = Path("instance-axis").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'axis.db'}"


def documented_settings() -> list[tuple[str, Any, str]]:
    """(variable, default, description) of every setting, for the README."""
    return [(PREFIX + f.name.upper(), f.default, f.metadata["doc"]) for f in fields(Settings)]
