"""The embedded object store: one file per key under a root folder on local disk."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from eoffice.storage.backend import (
    CHUNK_SIZE,
    MeasuringReader,
    ObjectInfo,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    sniff_content_type,
)

logger = logging.getLogger(__name__)

# Segments of letters, digits, "_" and "-" joined by single slashes: no "..", no absolute
# path, no empty segment, so a key can never point outside the root.
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")
_TEMP_SUFFIX = ".part"


@contextlib.contextmanager
def _disk_errors(action: str) -> Iterator[None]:
    """Failures of the disk itself become StorageError; failures of the caller's stream do not."""
    try:
        yield
    except OSError as exc:
        raise StorageError(f"cannot {action}: {exc}") from exc


class LocalDiskStorage(StorageBackend):
    def __init__(self, root: Path):
        self._root = Path(root)
        try:
            self._root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # Start anyway: check() reports the problem to /readyz instead of the process dying.
            logger.warning("storage root %s cannot be created: %s", self._root, exc)

    def _path(self, key: str) -> Path:
        if not _KEY_PATTERN.fullmatch(key):
            raise ValueError(f"invalid storage key {key!r}")
        return self._root / key

    def put(self, key: str, stream: BinaryIO, *, max_size: int | None = None) -> ObjectInfo:
        path = self._path(key)
        reader = MeasuringReader(stream, max_size)
        with _disk_errors(f"create a file under {path.parent}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
        temp_path = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    with _disk_errors(f"write {temp_path}"):
                        out.write(chunk)
                with _disk_errors(f"write {temp_path}"):
                    out.flush()
                    os.fsync(out.fileno())
            with _disk_errors(f"store {path}"):
                os.replace(temp_path, path)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        try:
            with _disk_errors(f"store {path}"):
                self._fsync_directory(path.parent)
        except StorageError:
            # A put reported as failed must not leave an object behind that nobody knows about.
            path.unlink(missing_ok=True)
            raise
        return ObjectInfo(
            key=key, size=reader.size, sha256=reader.sha256, content_type=sniff_content_type(reader.head)
        )

    @staticmethod
    def _fsync_directory(directory: Path) -> None:
        # The rename is only durable once the directory entry itself reaches the disk.
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid range {start}-{end}")
        path = self._path(key)
        try:
            file = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        # Opened here rather than inside the generator so a missing object fails before a
        # response starts streaming.
        return self._read_range(file, start, end)

    @staticmethod
    def _read_range(file: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with file:
            file.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = file.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def stat(self, key: str) -> int:
        path = self._path(key)
        try:
            info = path.stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot stat {path}: {exc}") from exc
        if not S_ISREG(info.st_mode):
            raise ObjectNotFound(key)
        return info.st_size

    def delete(self, key: str) -> None:
        path = self._path(key)
        with _disk_errors(f"delete {path}"):
            try:
                path.unlink()
            except (FileNotFoundError, NotADirectoryError):
                pass

    def presigned_url(
        self, key: str, expires_in: int, filename: str, *, cache_control: str | None = None
    ) -> str | None:
        return None

    def check(self) -> None:
        if not self._root.is_dir():
            raise StorageError(f"storage root {self._root} is not a directory")
        # Create a probe rather than trust os.access: permission bits say nothing about a
        # read-only mount, and root passes every permission check.
        try:
            with tempfile.TemporaryFile(dir=self._root, prefix=".check-"):
                pass
        except OSError as exc:
            raise StorageError(f"storage root {self._root} is not writable: {exc}") from exc
