"""The contract every storage adapter keeps, run against local disk and against a real S3 server."""

from __future__ import annotations

import hashlib
import io
import random
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from eoffice.storage.backend import ObjectNotFound, ObjectTooLarge, StorageBackend, StorageError
from eoffice.storage.local import LocalDiskStorage
from eoffice.storage.s3 import PART_SIZE, S3Storage
from tests.fixtures.s3 import S3Server

KEY = "2026/11/0123456789abcdef0123456789abcdef"
MiB = 1024 * 1024
# Bigger than one S3 part, so the upload goes multipart and the last part is a short one.
LARGE_SIZE = PART_SIZE + 4 * MiB + 123
VIETNAMESE_TEXT = "Công văn số 125/UBND-VP về việc triển khai văn phòng điện tử, Quyết định đã ký.\n"


def pseudo_random_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


class UnsizedStream:
    """A read-only stream fed by a generator: no length, no seek, and short reads."""

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces = iter(pieces)
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            self._pending = next(self._pieces, b"")
        if size < 0:
            size = len(self._pending)
        piece, self._pending = self._pending[:size], self._pending[size:]
        return piece


def split(data: bytes, piece_size: int) -> Iterator[bytes]:
    for offset in range(0, len(data), piece_size):
        yield data[offset : offset + piece_size]


def read_all(storage: StorageBackend, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(storage.open(key, start, end))


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Store:
    backend: StorageBackend
    # Everything the store holds, including half-written uploads the adapter should have cleaned up.
    leftovers: Callable[[], list[str]]


def local_store(root: Path) -> Store:
    def leftovers() -> list[str]:
        return sorted(str(path.relative_to(root)) for path in root.rglob("*") if not path.is_dir())

    return Store(LocalDiskStorage(root), leftovers)


def s3_inspector(server: S3Server):
    """A client of the S3 server apart from the adapter's (boto3, not the minio SDK)."""
    return boto3.client(
        "s3",
        endpoint_url=f"http://{server.endpoint}",
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
    )


def s3_store(server: S3Server) -> Store:
    bucket = server.new_bucket_name()
    backend = S3Storage(
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        bucket=bucket,
        secure=False,
        region=server.region,
    )
    # A second, independent client sees what the adapter left behind, multipart uploads included.
    inspector = s3_inspector(server)

    def leftovers() -> list[str]:
        objects = inspector.list_objects_v2(Bucket=bucket).get("Contents", [])
        uploads = inspector.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return sorted([item["Key"] for item in objects] + [f"upload of {item['Key']}" for item in uploads])

    return Store(backend, leftovers)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> Store:
    if request.param == "local":
        return local_store(tmp_path / "store")
    return s3_store(request.getfixturevalue("s3_server"))


@pytest.fixture
def storage(store) -> StorageBackend:
    return store.backend


@pytest.mark.parametrize("size", [0, 1, 1000, 3 * MiB + 17])
def test_stored_bytes_come_back_unchanged(storage, size):
    data = pseudo_random_bytes(size)
    storage.put(KEY, io.BytesIO(data))

    assert read_all(storage, KEY) == data
    assert storage.stat(KEY) == size


def test_object_larger_than_one_upload_part_comes_back_unchanged(storage):
    data = pseudo_random_bytes(LARGE_SIZE)
    info = storage.put(KEY, io.BytesIO(data))

    assert info.size == LARGE_SIZE
    assert hashlib.sha256(read_all(storage, KEY)).hexdigest() == hashlib.sha256(data).hexdigest()


def test_put_reports_the_sha256_and_size_of_the_bytes(storage):
    data = pseudo_random_bytes(2 * MiB + 5)
    info = storage.put(KEY, io.BytesIO(data))

    assert info.key == KEY
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_stream_of_unknown_length_with_short_reads_is_stored_whole(storage):
    data = pseudo_random_bytes(LARGE_SIZE, seed=1)
    info = storage.put(KEY, UnsizedStream(split(data, 100_000)))

    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert read_all(storage, KEY) == data


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 9),
        (100, 199),
        (MiB - 5, MiB + 5),
        (3 * MiB - 1, 3 * MiB - 1),
        (3 * MiB - 10, None),
        (0, None),
    ],
    ids=["first-bytes", "middle", "across-a-chunk", "last-byte", "tail-to-the-end", "whole"],
)
def test_range_yields_exactly_the_requested_bytes(storage, start, end):
    data = pseudo_random_bytes(3 * MiB)
    storage.put(KEY, io.BytesIO(data))

    assert read_all(storage, KEY, start, end) == data[start : None if end is None else end + 1]


def test_stat_of_missing_object_raises_object_not_found(storage):
    with pytest.raises(ObjectNotFound):
        storage.stat(KEY)


def test_open_of_missing_object_raises_object_not_found_before_streaming(storage):
    with pytest.raises(ObjectNotFound):
        storage.open(KEY)


def test_deleted_object_is_gone(store):
    store.backend.put(KEY, io.BytesIO(b"to be deleted"))
    store.backend.delete(KEY)

    with pytest.raises(ObjectNotFound):
        store.backend.stat(KEY)
    assert store.leftovers() == []


def test_deleting_a_missing_object_is_not_an_error(storage):
    storage.delete(KEY)


@pytest.mark.parametrize("max_size", [1000, PART_SIZE + 1000], ids=["single-part", "multipart"])
def test_object_of_exactly_max_size_is_accepted(storage, max_size):
    data = pseudo_random_bytes(max_size)
    info = storage.put(KEY, UnsizedStream(split(data, MiB)), max_size=max_size)

    assert info.size == max_size
    assert storage.stat(KEY) == max_size


@pytest.mark.parametrize("max_size", [1000, PART_SIZE + 1000], ids=["single-part", "multipart"])
def test_object_over_max_size_is_refused_and_nothing_is_stored(store, max_size):
    data = pseudo_random_bytes(max_size + 1)

    with pytest.raises(ObjectTooLarge):
        store.backend.put(KEY, UnsizedStream(split(data, MiB)), max_size=max_size)

    with pytest.raises(ObjectNotFound):
        store.backend.stat(KEY)
    assert store.leftovers() == []


def test_stream_that_fails_midway_leaves_nothing_stored(store):
    def failing_pieces() -> Iterator[bytes]:
        yield pseudo_random_bytes(PART_SIZE + MiB)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        store.backend.put(KEY, UnsizedStream(failing_pieces()))

    assert store.leftovers() == []


PNG_HEADER = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "application/pdf"),
        (PNG_HEADER + pseudo_random_bytes(200), "image/png"),
        (VIETNAMESE_TEXT.encode(), "text/plain"),
        # Longer than the sniffed head, so a multi-byte character is cut at its end.
        ((VIETNAMESE_TEXT * 200).encode(), "text/plain"),
        (pseudo_random_bytes(4096, seed=7), "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
    ids=["pdf", "png", "vietnamese-text", "long-vietnamese-text", "random-bytes", "empty"],
)
def test_content_type_is_sniffed_from_the_bytes(storage, data, content_type):
    # The key carries no extension and the caller names no type: only the bytes decide.
    info = storage.put(KEY, UnsizedStream(split(data, 1000)))

    assert info.content_type == content_type


@pytest.mark.parametrize(
    "key",
    ["../outside", "2026/../../etc/passwd", "/etc/passwd", "2026//abc", "2026/abc/", "", "a.b", "tệp", "a b"],
)
def test_local_storage_refuses_keys_that_could_escape_or_were_not_generated(tmp_path, key):
    storage = LocalDiskStorage(tmp_path / "store")

    with pytest.raises(ValueError):
        storage.put(key, io.BytesIO(b"x"))
    for operation in (storage.open, storage.stat, storage.delete):
        with pytest.raises(ValueError):
            operation(key)
    assert not any((tmp_path / "store").iterdir())


def test_local_storage_creates_a_missing_root(tmp_path):
    root = tmp_path / "a" / "b" / "store"
    LocalDiskStorage(root).check()

    assert root.is_dir()


def test_check_passes_when_the_store_is_up(storage):
    storage.check()


def test_local_check_fails_when_the_root_became_a_file(tmp_path):
    root = tmp_path / "store"
    storage = LocalDiskStorage(root)
    root.rmdir()
    root.write_bytes(b"not a folder")

    with pytest.raises(StorageError, match="store"):
        storage.check()


def test_local_storage_has_no_presigned_urls(tmp_path):
    storage = LocalDiskStorage(tmp_path / "store")
    storage.put(KEY, io.BytesIO(b"x"))

    assert storage.presigned_url(KEY, 60, "tệp.pdf") is None


def unreachable_s3(port: int, bucket: str = "eoffice") -> S3Storage:
    return S3Storage(
        endpoint=f"127.0.0.1:{port}", access_key="testing", secret_key="testing", bucket=bucket, secure=False
    )


def test_s3_check_fails_fast_naming_the_endpoint_when_the_server_is_down():
    port = closed_port()
    began = time.monotonic()
    storage = unreachable_s3(port)

    with pytest.raises(StorageError, match=f"127.0.0.1:{port}"):
        storage.check()
    # /readyz calls check(): a dead store must be reported in seconds, not after minutes of retries.
    assert time.monotonic() - began < 5


def test_s3_put_to_a_server_that_is_down_raises_storage_error():
    storage = unreachable_s3(closed_port())

    with pytest.raises(StorageError):
        storage.put(KEY, io.BytesIO(b"x"))


def test_s3_storage_creates_its_bucket_once_the_server_comes_up(s3_server):
    port = closed_port()
    bucket = s3_server.new_bucket_name()
    storage = unreachable_s3(port, bucket)
    late_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    late_server.start()
    try:
        info = storage.put(KEY, io.BytesIO(b"arrived late"))
        storage.check()

        assert info.size == len(b"arrived late")
        assert read_all(storage, KEY) == b"arrived late"
    finally:
        late_server.stop()


def test_s3_presigned_url_downloads_the_bytes_under_the_vietnamese_name(s3_server):
    storage = s3_store(s3_server).backend
    data = b"%PDF-1.7\n" + pseudo_random_bytes(5000)
    storage.put(KEY, io.BytesIO(data))
    filename = "Công văn số 125-ĐHQG về việc “họp” (bản chính).pdf"

    response = requests.get(storage.presigned_url(KEY, 300, filename), timeout=10)

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=", 1)[1]
    assert encoded.startswith("UTF-8''")
    assert unquote(encoded.removeprefix("UTF-8''"), encoding="utf-8") == filename
    assert 'filename="Cong van so 125-DHQG ve viec ' in disposition


def test_s3_gives_a_new_bucket_cors_for_reads_and_keeps_an_operators_rule(s3_server):
    inspector = s3_inspector(s3_server)

    def store(bucket: str) -> S3Storage:
        return S3Storage(
            endpoint=s3_server.endpoint,
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
            bucket=bucket,
            secure=False,
            region=s3_server.region,
            cors_origins=("https://vanphong.quangnam.gov.vn",),
        )

    fresh = s3_server.new_bucket_name()
    store(fresh)
    (rule,) = inspector.get_bucket_cors(Bucket=fresh)["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://vanphong.quangnam.gov.vn"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]
    assert {"Content-Range", "ETag", "Content-Length", "Accept-Ranges"} <= set(rule["ExposeHeaders"])

    managed = s3_server.new_bucket_name()
    inspector.create_bucket(Bucket=managed)
    own = {"AllowedOrigins": ["https://cdn.example.vn"], "AllowedMethods": ["GET"]}
    inspector.put_bucket_cors(Bucket=managed, CORSConfiguration={"CORSRules": [own]})
    store(managed)
    (kept,) = inspector.get_bucket_cors(Bucket=managed)["CORSRules"]
    assert kept["AllowedOrigins"] == ["https://cdn.example.vn"]
