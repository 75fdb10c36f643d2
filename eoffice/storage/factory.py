"""Chooses the storage adapter from the settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from eoffice.config import Settings
from eoffice.storage.backend import StorageBackend


def build_storage(settings: Settings) -> StorageBackend:
    if settings.s3_endpoint:
        from eoffice.storage.s3 import S3Storage

        return S3Storage(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key or "",
            secret_key=settings.s3_secret_key or "",
            bucket=settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            public_endpoint=settings.s3_public_endpoint,
            timeout=settings.s3_timeout,
            cors_origins=(_origin(settings.public_url),) if settings.public_url else ("*",),
        )
    from eoffice.storage.local import LocalDiskStorage

    return LocalDiskStorage(settings.effective_storage_path)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
