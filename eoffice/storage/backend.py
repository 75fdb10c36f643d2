"""The object-store interface that every storage adapter implements."""

from __future__ import annotations

import abc
import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

import filetype

SNIFF_BYTES = 8192
CHUNK_SIZE = 1024 * 1024


class StorageError(Exception):
    """The store could not be reached or refused the operation."""


class ObjectNotFound(StorageError):
    pass


class ObjectTooLarge(StorageError):
    def __init__(self, max_size: int):
        super().__init__(f"object larger than {max_size} bytes")
        self.max_size = max_size


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str
    content_type: str


def sniff_content_type(head: bytes) -> str:
    """The type the bytes say they are; the client's claim is never trusted."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if not head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniff boundary is still text.
        if exc.start < len(head) - 4:
            return "application/octet-stream"
    if b"\x00" in head:
        return "application/octet-stream"
    return "text/plain"


def attachment_disposition(filename: str) -> str:
    """Content-Disposition for a download; filename* carries the exact UTF-8 name (RFC 5987, 6266)."""
    # Clients that predate RFC 6266 read only filename=, which must be plain printable ASCII;
    # NFKD strips Vietnamese diacritics but leaves đ whole.
    folded = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    fallback = "".join(c for c in folded if " " <= c <= "~" and c not in '"\\') or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class MeasuringReader:
    """Wraps a stream: hashes and counts what passes through, refuses more than max_size."""

    def __init__(self, stream: BinaryIO, max_size: int | None):
        self._stream = stream
        self._max_size = max_size
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size if size is not None and size >= 0 else CHUNK_SIZE)
        if chunk:
            self.size += len(chunk)
            if self._max_size is not None and self.size > self._max_size:
                raise ObjectTooLarge(self._max_size)
            self._hash.update(chunk)
            if len(self.head) < SNIFF_BYTES:
                self.head += chunk[: SNIFF_BYTES - len(self.head)]
        return chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class StorageBackend(abc.ABC):
    """Objects are addressed by keys the server generates, never by client file names."""

    @abc.abstractmethod
    def put(self, key: str, stream: BinaryIO, *, max_size: int | None = None) -> ObjectInfo:
        """Store a stream of unknown length; raises ObjectTooLarge (and stores nothing) past max_size."""

    @abc.abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Chunks of the object, or of bytes start..end inclusive."""

    @abc.abstractmethod
    def stat(self, key: str) -> int:
        """Size of the object in bytes; raises ObjectNotFound."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def presigned_url(
        self, key: str, expires_in: int, filename: str, *, cache_control: str | None = None
    ) -> str | None:
        """A direct download URL from the store (answering with this Cache-Control when given), or None
        when the app serves downloads itself."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageError when the store is unreachable (used by /readyz)."""
