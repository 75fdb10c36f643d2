"""How EOFFICE_* environment variables become the values of settings, or say why they cannot."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import Field, field
from email.headerregistry import Address
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eoffice.config.settings import Settings

PREFIX = "EOFFICE_"
# Variables of the test harness and of the benchmarks, not of the server; they share the
# prefix so that one `env | grep EOFFICE_` shows everything, and are ignored here.
IGNORED_PREFIXES = ("EOFFICE_TEST_", "EOFFICE_BENCH_")


class ConfigError(Exception):
    """Raised when settings are unknown or malformed; start-up stops with its message."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid settings:\n  " + "\n  ".join(problems))


def parse_int(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"expected an integer, got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}, got {value}")
        return value

    return parse


def parse_float(minimum: float, maximum: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise ValueError(f"must be from {minimum} to {maximum}, got {value}")
        return value

    return parse


def parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def parse_str(raw: str) -> str:
    return raw


def parse_ocr_languages(raw: str) -> str:
    """Tesseract's language codes joined by `+`, the first the page's main language: `vie+eng`."""
    if not re.fullmatch(r"[a-z_]{3,12}(\+[a-z_]{3,12})*", raw.strip()):
        raise ValueError(f"expected Tesseract language codes joined by +, e.g. vie+eng, got {raw!r}")
    return raw.strip()


def parse_database_url(raw: str) -> str:
    if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", raw):
        raise ValueError("must start with sqlite:// or postgresql:// (driver: psycopg 3)")
    return raw


def parse_redis_url(raw: str) -> str:
    if not re.match(r"^rediss?://", raw):
        raise ValueError("must start with redis:// or rediss://")
    return raw


def parse_url(raw: str) -> str:
    if not re.match(r"^https?://[^/\s]+", raw):
        raise ValueError("must be an http:// or https:// address")
    return raw.rstrip("/")


def parse_optional_url(raw: str) -> str | None:
    """An http(s) address, or empty for none."""
    return parse_url(raw) if raw.strip() else None


def parse_endpoint_url(raw: str) -> str:
    """scheme://host[:port] and nothing after it: an S3 endpoint has no path."""
    if not re.fullmatch(r"https?://[^/\s?#]+/?", raw):
        raise ValueError(
            "must be http:// or https:// and host[:port] only, like https://files.example.gov.vn"
        )
    return raw.rstrip("/")


def parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {raw!r}")
        return raw

    return parse


def parse_jwt_keys(raw: str) -> dict[str, str]:
    """`kid:secret[,kid:secret…]`; the first key signs, all of them verify (rotation)."""
    keys: dict[str, str] = {}
    for item in raw.split(","):
        kid, sep, secret = item.strip().partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", kid):
            raise ValueError("expected kid:secret pairs separated by commas, kid of letters/digits/._-")
        if len(secret) < 32:
            raise ValueError(f"the secret of key {kid!r} must be at least 32 characters")
        if kid in keys:
            raise ValueError(f"key id {kid!r} appears twice")
        keys[kid] = secret
    return keys


def parse_axis_systems(raw: str) -> dict[str, tuple[str, str]]:
    """`<agency id>=<system id>:<secret>[,…]`: the axis credentials of each hosted agency."""
    from eoffice.accounts.models import AGENCY_ID_PATTERN

    systems: dict[str, tuple[str, str]] = {}
    for item in raw.split(","):
        agency_id, sep, credentials = item.strip().partition("=")
        system_id, colon, secret = credentials.partition(":")
        if not sep or not colon or not system_id or not secret:
            raise ValueError("expected <agency id>=<system id>:<secret> items separated by commas")
        if not AGENCY_ID_PATTERN.fullmatch(agency_id):
            raise ValueError(f"{agency_id!r} is not a 13-character agency identifier like 000.00.00.H49")
        if agency_id in systems:
            raise ValueError(f"agency {agency_id} appears twice")
        systems[agency_id] = (system_id, secret)
    return systems


def setting(default: Any, parse: Callable[[str], Any], doc: str) -> Any:
    return field(default=default, metadata={"parse": parse, "doc": doc})


def read_environment(
    settings_fields: Iterable[Field[Any]], environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The parsed value of every EOFFICE_* variable set, by field name, and the problems found."""
    known = {PREFIX + f.name.upper(): f for f in settings_fields}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(PREFIX) or name.startswith(IGNORED_PREFIXES):
            continue
        spec = known.get(name)
        if spec is None:
            problems.append(f"{name}: unknown setting")
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    return values, problems


def cross_check(settings: Settings) -> list[str]:
    """What is wrong with settings that are each valid alone but not together."""
    problems = []
    if settings.s3_endpoint and not (settings.s3_access_key and settings.s3_secret_key):
        problems.append(
            "EOFFICE_S3_ENDPOINT is set: EOFFICE_S3_ACCESS_KEY and EOFFICE_S3_SECRET_KEY are needed"
        )
    if settings.axis_url and not settings.axis_systems:
        problems.append("EOFFICE_AXIS_URL is set: EOFFICE_AXIS_SYSTEMS must name the hosted agencies")
    if settings.axis_systems and not settings.axis_url:
        problems.append("EOFFICE_AXIS_SYSTEMS is set: EOFFICE_AXIS_URL is needed")
    if settings.signing_key_store == "pkcs11" and not settings.signing_pkcs11_module:
        problems.append("EOFFICE_SIGNING_KEY_STORE is pkcs11: EOFFICE_SIGNING_PKCS11_MODULE is needed")
    if (settings.smtp_username is None) != (settings.smtp_password is None):
        problems.append("EOFFICE_SMTP_USERNAME and EOFFICE_SMTP_PASSWORD go together")
    try:
        if "@" not in parseaddr(settings.smtp_from)[1]:
            raise ValueError
        Address(addr_spec=parseaddr(settings.smtp_from)[1])
    except (ValueError, IndexError):
        problems.append(f"EOFFICE_SMTP_FROM: not an e-mail address: {settings.smtp_from!r}")
    return problems
