"""Settings of the object store (local disk or S3) and of download links."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_bool,
    parse_endpoint_url,
    parse_float,
    parse_int,
    parse_str,
    setting,
)


@dataclass(frozen=True)
class StorageSettings:
    """Where files are kept and how downloads reach them."""

    download_link_ttl: int = setting(300, parse_int(10, 7 * 86400), "Validity of download links, seconds.")
    download_redirect_ttl: int = setting(
        300,
        parse_int(0, 7 * 86400),
        "With S3, a download answers 307 to a URL the store signs, valid this many seconds, so that the "
        "bytes never pass through the server; 0 serves them through the server.",
    )
    storage_path: str | None = setting(
        None, parse_str, "Folder of the local-disk object store; unset means instance/storage."
    )
    s3_endpoint: str | None = setting(
        None, parse_str, "host:port of MinIO/S3; when set, files go there instead of local disk."
    )
    s3_access_key: str | None = setting(None, parse_str, "S3 access key.")
    s3_secret_key: str | None = setting(None, parse_str, "S3 secret key.")
    s3_bucket: str = setting(
        "eoffice",
        parse_str,
        "S3 bucket, created at start-up if missing; given a CORS rule for reads from EOFFICE_PUBLIC_URL's "
        "origin (any origin when unset) when it has none.",
    )
    s3_secure: bool = setting(True, parse_bool, "Use HTTPS to reach S3.")
    s3_region: str = setting("us-east-1", parse_str, "S3 region.")
    s3_timeout: float = setting(
        30.0,
        parse_float(0.1, 600),
        "Seconds an object-store request waits to connect, and then for each piece of the answer; a "
        "store that does not answer in time is not asked again (503 storage_unavailable).",
    )
    s3_public_endpoint: str | None = setting(
        None,
        parse_endpoint_url,
        "`https://host[:port]` users' browsers reach the store at, used only in download links the store "
        "signs; unset means the links name EOFFICE_S3_ENDPOINT.",
    )
