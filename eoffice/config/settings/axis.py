"""Settings of the national document axis: its address, credentials, package limits and retries."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_axis_systems,
    parse_bool,
    parse_float,
    parse_int,
    parse_str,
    parse_url,
    setting,
)


@dataclass(frozen=True)
class AxisSettings:
    """The national document axis client and its outbox."""

    axis_url: str | None = setting(
        None,
        parse_url,
        "Address of the national document axis; unset means axis sends wait in the outbox.",
    )
    axis_systems: dict[str, tuple[str, str]] | None = setting(
        None,
        parse_axis_systems,
        "Axis credentials of each hosted agency: `<agency id>=<system id>:<secret>,…`.",
    )
    axis_key_dir: str | None = setting(
        None,
        parse_str,
        "Folder of the agencies' signing keys `<agency id>.key.pem` and certificates `<agency id>.crt.pem` "
        "(a certificate alone: another agency's, trusted to verify its packages); unset means instance/axis.",
    )
    axis_timeout: float = setting(
        30.0, parse_float(0.1, 600), "Seconds before a call to the axis is abandoned."
    )
    axis_poll_interval: float = setting(
        5.0,
        parse_float(0.05, 3600),
        "Seconds between looks at the axis for arriving documents and statuses.",
    )
    axis_directory_interval: float = setting(
        3600.0,
        parse_float(1, 7 * 24 * 3600),
        "Seconds between refreshes of the directory of agencies from the axis's list (also at start).",
    )
    axis_max_package_bytes: int = setting(
        50 * 1024 * 1024, parse_int(1024), "Largest edXML package sent or accepted, bytes."
    )
    axis_zip_max_files: int = setting(
        200, parse_int(1, 100_000), "Most files the zip attachments of one arriving axis package may hold."
    )
    axis_zip_max_bytes: int = setting(
        200 * 1024 * 1024,
        parse_int(1024),
        "Most bytes the zip attachments of one arriving axis package may inflate to, all members together.",
    )
    axis_zip_max_ratio: int = setting(
        200,
        parse_int(2, 100_000),
        "Most times a zip member past 1 MiB may inflate its compressed size (a zip bomb's is thousands).",
    )
    axis_accept_sha1: bool = setting(
        True,
        parse_bool,
        "Accept arriving axis packages and notices signed with RSA-SHA1 or a SHA-1 digest, as real systems "
        "still send them (the document's trace says so); false refuses them with status 02.",
    )
    axis_max_attempts: int = setting(
        20, parse_int(1, 1000), "Send attempts before a temporarily failing axis send is given up."
    )
    axis_lease_seconds: int = setting(
        300, parse_int(10, 3600), "How long a worker owns an axis send before another may retry it."
    )
    axis_retry_base_seconds: float = setting(
        10.0, parse_float(0, 3600), "First retry delay of an axis send; doubles each attempt (with jitter)."
    )
    axis_retry_max_seconds: float = setting(
        3600.0, parse_float(0, 86400), "Longest delay between two attempts of an axis send."
    )
