"""Every setting of the server, read from EOFFICE_* environment variables in this one place."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from eoffice.config.environment import (
    PREFIX,
    ConfigError,
    cross_check,
    parse_axis_systems,
    parse_bool,
    parse_choice,
    parse_database_url,
    parse_endpoint_url,
    parse_float,
    parse_int,
    parse_jwt_keys,
    parse_ocr_languages,
    parse_optional_url,
    parse_redis_url,
    parse_str,
    parse_url,
    read_environment,
    setting,
)
from eoffice.config.instance import persisted_secret


@dataclass(frozen=True)
class Settings:
    """Field `foo_bar` is read from EOFFICE_FOO_BAR; the README lists them all with defaults."""

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
    auto_migrate: bool | None = setting(
        None, parse_bool, "Upgrade the schema at start-up; defaults to true on SQLite, false otherwise."
    )
    secret_key: str | None = setting(
        None, parse_str, "Signs download links; unset means generated once into instance/."
    )
    jwt_keys: dict[str, str] | None = setting(
        None, parse_jwt_keys, "Token keys `kid:secret,…`, first signs; unset means generated into instance/."
    )
    jwt_issuer: str = setting("eoffice", parse_str, "`iss` claim of issued tokens.")
    jwt_audience: str = setting("eoffice-api", parse_str, "`aud` claim of issued tokens.")
    access_token_ttl: int = setting(900, parse_int(30, 86400), "Access token lifetime, seconds.")
    refresh_token_ttl: int = setting(
        14 * 86400, parse_int(60, 365 * 86400), "Refresh token lifetime, seconds."
    )
    login_max_failures: int = setting(
        5,
        parse_int(1),
        "Failed logins of one account within the window before its next attempts wait: from the "
        "failing address always, from others only if the account never logged in from them.",
    )
    login_max_failures_per_address: int = setting(
        20,
        parse_int(1),
        "Failed logins from one address within the window before its next attempts wait, except for "
        "accounts that logged in from it before (the colleagues behind a shared proxy).",
    )
    login_max_delay: int = setting(
        60,
        parse_int(1, 3600),
        "Longest wait before the next login attempt, seconds: it starts at 1 and doubles with each failure.",
    )
    login_failure_window: int = setting(
        900, parse_int(1), "Failed logins older than this, seconds, no longer count."
    )
    proxy_count: int = setting(
        0,
        parse_int(0, 5),
        "Reverse proxies in front of the server that append the client's address to X-Forwarded-For "
        "(1 behind the nginx example); logins are throttled per address, so it must be right.",
    )
    max_upload_size: int = setting(
        512 * 1024 * 1024, parse_int(1), "Largest accepted file, bytes (413 beyond)."
    )
    max_json_size: int = setting(1024 * 1024, parse_int(1024), "Largest accepted JSON body, bytes.")
    text_extraction: str | None = setting(
        None,
        parse_choice("inline", "background"),
        "When the text of PDF files reaches search: inline (before the upload is answered) or "
        "background (queued, indexed by `flask document-text-worker`); unset means inline on SQLite, "
        "background otherwise.",
    )
    parser_max_memory: int = setting(
        512 * 1024 * 1024,
        parse_int(64 * 1024 * 1024),
        "Memory (address space, bytes) of the child process that reads an untrusted file (a PDF's text, "
        "pages or signatures); a file that needs more is kept without its text, unsigned and unchecked.",
    )
    parser_timeout: float = setting(
        30.0,
        parse_float(0.5, 3600),
        "Seconds (wall clock, and of CPU) the child reading an untrusted file may take before it is killed.",
    )
    parser_max_pages: int = setting(
        2000,
        parse_int(1),
        "Pages of a PDF whose text is read for search; a meeting document with more is refused.",
    )
    parser_max_output: int = setting(
        1024 * 1024, parse_int(1024), "Text taken from one file for search, bytes of UTF-8 at most."
    )
    parser_concurrency: int = setting(
        2,
        parse_int(1, 64),
        "Children reading untrusted files at once in one server process; a parse waits for a free one "
        "(at most EOFFICE_PARSER_TIMEOUT), so that a burst of hostile uploads cannot multiply the "
        "memory limit.",
    )
    ocr: bool = setting(
        True,
        parse_bool,
        "Recognise the text of scans (incoming PDFs with pages without text, JPEG/PNG/TIFF images) with "
        "OCRmyPDF and Tesseract in the text worker; a searchable PDF is kept beside the original.",
    )
    ocr_languages: str = setting(
        "vie+eng", parse_ocr_languages, "Tesseract languages of the OCR, the main one first (`vie+eng`)."
    )
    ocr_max_pages: int = setting(
        100,
        parse_int(1, 5000),
        "Pages of one scan the OCR reads, the first ones; later pages of a longer scan stay unrecognised.",
    )
    ocr_concurrency: int = setting(
        1, parse_int(1, 64), "Pages one text worker recognises at once (OCRmyPDF's --jobs)."
    )
    ocr_timeout: float = setting(
        900.0, parse_float(5, 86400), "Seconds the OCR of one file may take before it is stopped."
    )
    ocr_max_memory_mb: int = setting(
        2048,
        parse_int(32, 1024 * 1024),
        "Address space (MiB) each process of the OCR may take (OCRmyPDF, and each Tesseract and Ghostscript "
        "it starts: RLIMIT_AS); a scan that needs more is registered without its text, the trace says why.",
    )
    ocr_pdfa: bool = setting(
        True,
        parse_bool,
        "Make the searchable PDF a PDF/A-2b (Ghostscript); false keeps the scan's PDF version.",
    )
    mail_intake: bool = setting(
        False,
        parse_bool,
        "Take documents from the agencies' official mailboxes (IMAP, configured per agency by its admin): "
        "`make run` then does it in its own process, `make serve` starts `flask mail-intake-worker`.",
    )
    mail_intake_poll_interval: float = setting(
        60.0,
        parse_float(1, 86400),
        "Seconds between two looks of the mail intake worker at each mailbox; with IDLE, the longest wait.",
    )
    mail_intake_timeout: float = setting(
        30.0, parse_float(1, 3600), "Seconds an IMAP server may take to answer before the look is given up."
    )
    mail_intake_max_message_size: int = setting(
        100 * 1024 * 1024,
        parse_int(1024),
        "Largest message taken from a mailbox, bytes; a larger one is moved to the refused folder unread.",
    )
    mail_intake_max_attachments: int = setting(
        20, parse_int(1, 200), "Attachments of one message at most; a message with more is refused."
    )
    mail_intake_max_attachment_size: int = setting(
        50 * 1024 * 1024,
        parse_int(1),
        "Largest attachment of a message, bytes; a message with a larger one is refused.",
    )
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
    public_url: str | None = setting(
        None,
        parse_url,
        "Address users reach the server at, for links in e-mails and the S3 bucket's CORS rule; unset means "
        "http://HOST:PORT.",
    )
    smtp_host: str | None = setting(
        None,
        parse_str,
        "SMTP server; unset means mail is kept in the local outbox (admin view, instance/mail).",
    )
    smtp_port: int | None = setting(
        None, parse_int(1, 65535), "SMTP port; unset means 25, 587 with starttls, 465 with ssl."
    )
    smtp_username: str | None = setting(None, parse_str, "SMTP login, if the server wants one.")
    smtp_password: str | None = setting(None, parse_str, "SMTP password.")
    smtp_security: str = setting("none", parse_choice("none", "starttls", "ssl"), "none, starttls or ssl.")
    smtp_from: str = setting(
        "Văn phòng điện tử <noreply@eoffice.local>", parse_str, "Sender of notification e-mails."
    )
    smtp_timeout: int = setting(20, parse_int(1, 600), "Seconds before an SMTP conversation is abandoned.")
    mail_max_attempts: int = setting(
        8,
        parse_int(1, 100),
        "Attempts the SMTP server answers 4xx before a message is given up; an unreachable server "
        "spends none (the message waits for it).",
    )
    mail_lease_seconds: int = setting(
        120,
        parse_int(10, 3600),
        "How long a worker owns a message it is sending before another may retry it.",
    )
    mail_retry_base_seconds: int = setting(
        30,
        parse_int(0, 3600),
        "First retry delay after a temporary failure; doubles each attempt, up to an hour.",
    )
    mail_digest_hour: int = setting(
        7, parse_int(0, 23), "Hour (Vietnam time) the daily digest of non-urgent notices is sent."
    )
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
    signing_key_store: str = setting(
        "pkcs12",
        parse_choice("pkcs12", "pkcs11"),
        "Where signing keys live: pkcs12 (files `person-<username>.p12` and `agency-<agency id>.p12` in "
        "EOFFICE_SIGNING_KEY_DIR) or pkcs11 (a token: keys and certificates labelled the same way).",
    )
    signing_key_dir: str | None = setting(
        None, parse_str, "Folder of the PKCS#12 signing keys; unset means instance/signing/keys."
    )
    signing_pin: str | None = setting(
        None,
        parse_str,
        "Password of the PKCS#12 files or PIN of the token, when not given with each signing act; "
        "with pkcs12, unset means generated into instance/signing/pin. Never logged.",
    )
    signing_trust_roots: str | None = setting(
        None,
        parse_str,
        "PEM files of the certification authorities whose signatures are trusted, separated by commas; "
        "unset means the demo CA of instance/signing/ca when it exists.",
    )
    signing_fetch_revocation: bool = setting(
        True,
        parse_bool,
        "Fetch CRLs and OCSP answers named in certificates; the demo CA's CRL is always read locally.",
    )
    signing_pkcs11_module: str | None = setting(
        None, parse_str, "Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so)."
    )
    signing_pkcs11_token: str | None = setting(
        None, parse_str, "Label of the PKCS#11 token holding the keys; unset means the first token."
    )
    signing_tsa_url: str | None = setting(
        None,
        parse_optional_url,
        "RFC 3161 time-stamp authority: every signature made carries its time-stamp; empty means none. "
        "The demo CA answers at <public URL>/api/v1/signatures/tsa.",
    )
    redis_url: str | None = setting(
        None, parse_redis_url, "Redis URL; when set, Socket.IO processes share rooms through it."
    )
    redis_channel: str = setting(
        "eoffice-socketio",
        parse_str,
        "Redis pub/sub channel of the Socket.IO message queue; deployments sharing one Redis use their own.",
    )
    redis_timeout: float = setting(
        5.0,
        parse_float(0.1, 600),
        "Seconds a Redis call waits to connect and for an answer (publishing, /readyz).",
    )
    room_event_rate: float = setting(
        20.0, parse_float(0.001, 10000), "Live room events a connection may send per second, sustained."
    )
    room_event_burst: int = setting(
        40, parse_int(1, 100000), "Live room events a connection may send at once before the rate applies."
    )
    room_flood_limit: int = setting(
        200,
        parse_int(1, 1000000),
        "Live room events refused (rate_limited) before a connection that does not calm down is cut off.",
    )
    room_user_event_factor: float = setting(
        3.0,
        parse_float(1, 100),
        "All live room connections of one user together may send this many times one connection's "
        "rate, burst and flood limit (a few devices each).",
    )
    offline_retention_days: int = setting(
        7,
        parse_int(0, 3650),
        "Days after a meeting closes that tablets keep its book (documents) for offline reading; then "
        "GET /api/v1/meetings/<id>/offline answers 410 offline_expired and the devices erase it.",
    )
    socketio_async_mode: str | None = setting(
        None,
        parse_choice("threading", "gevent", "eventlet"),
        "Socket.IO async mode; unset means gevent in a process gevent has patched (the gunicorn "
        "servers of `make serve`), threading otherwise (`python wsgi.py`).",
    )
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        values, problems = read_environment(fields(cls), os.environ if environ is None else environ)
        settings = cls(**values) if not problems else None
        if settings is not None:
            problems.extend(cross_check(settings))
        if problems:
            raise ConfigError(problems)
        return settings

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def effective_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def effective_smtp_port(self) -> int:
        return self.smtp_port or {"none": 25, "starttls": 587, "ssl": 465}[self.smtp_security]

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

    @property
    def extracts_text_inline(self) -> bool:
        if self.text_extraction is None:
            return self.is_embedded_database
        return self.text_extraction == "inline"

    @property
    def effective_storage_path(self) -> Path:
        return Path(self.storage_path).resolve() if self.storage_path else self.instance_dir / "storage"

    @property
    def effective_axis_key_dir(self) -> Path:
        return Path(self.axis_key_dir).resolve() if self.axis_key_dir else self.instance_dir / "axis"

    @property
    def signing_dir(self) -> Path:
        return self.instance_dir / "signing"

    @property
    def effective_signing_key_dir(self) -> Path:
        return Path(self.signing_key_dir).resolve() if self.signing_key_dir else self.signing_dir / "keys"

    def resolve_secrets(self) -> Settings:
        """Fill unset keys from instance/, generating and persisting them on first start."""
        changes: dict[str, Any] = {}
        if self.secret_key is None:
            changes["secret_key"] = persisted_secret(self.instance_dir / "secret_key")
        if self.jwt_keys is None:
            changes["jwt_keys"] = {"local-1": persisted_secret(self.instance_dir / "jwt_key")}
        if self.signing_pin is None and self.signing_key_store == "pkcs12":
            changes["signing_pin"] = persisted_secret(self.signing_dir / "pin")
        return self.replace(**changes) if changes else self


def documented_settings() -> list[tuple[str, Any, str]]:
    """(variable, default, description) for every setting, for the README and `flask settings`."""
    return [(PREFIX + f.name.upper(), f.default, f.metadata["doc"]) for f in fields(Settings)]
