"""The production object store: an S3-compatible server (MinIO, Ceph, AWS S3) through the minio SDK."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import md5sum_hash
from urllib3.response import BaseHTTPResponse

from eoffice.storage.backend import (
    CHUNK_SIZE,
    SNIFF_BYTES,
    MeasuringReader,
    ObjectInfo,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    attachment_disposition,
    sniff_content_type,
)

logger = logging.getLogger(__name__)

# An upload holds about four parts in memory (the SDK copies each part), whatever the object
# size; 16 MiB parts let the 10,000 parts S3 allows hold 156 GiB.
PART_SIZE = 16 * 1024 * 1024
# The SDK's parallel part uploads leave their worker threads blocked forever when the input
# stream raises (ObjectTooLarge, a client that hangs up), and hold more parts in memory.
_PARALLEL_UPLOADS = 1
# What a browser needs to read a presigned download from the app's page (another origin): GET and HEAD,
# by ranges, and the headers pdf.js and the download queue read. Any request header is allowed: the
# signature in the URL is the only credential, and the browser carries the app's own headers (X-Device-Id,
# X-Device-Name, If-None-Match) along the redirect, which makes it ask first (preflight).
_CORS_METHODS = ("GET", "HEAD")
_CORS_EXPOSED = ("Content-Range", "Content-Length", "ETag", "Accept-Ranges", "Content-Disposition")
_CORS_MAX_AGE = 3600


def cors_configuration(origins: tuple[str, ...]) -> bytes:
    """The bucket's CORS rule (PutBucketCors body) letting pages of `origins` read its objects."""

    def elements(tag: str, values: tuple[str, ...]) -> str:
        return "".join(f"<{tag}>{escape(value)}</{tag}>" for value in values)

    rule = (
        elements("AllowedOrigin", origins)
        + elements("AllowedMethod", _CORS_METHODS)
        + "<AllowedHeader>*</AllowedHeader>"
        + elements("ExposeHeader", _CORS_EXPOSED)
        + f"<MaxAgeSeconds>{_CORS_MAX_AGE}</MaxAgeSeconds>"
    )
    return f"<CORSConfiguration><CORSRule>{rule}</CORSRule></CORSConfiguration>".encode()


class _RetryUnlessTimedOut(urllib3.Retry):
    """urllib3's retries, except after a time-out: a store that did not answer in time is not asked
    again, or a frozen store would hold the request for several time-outs."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, urllib3.exceptions.TimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


_DATA_RETRIES = _RetryUnlessTimedOut(total=3, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504))
# /readyz and start-up must answer quickly when the store is down, not after the SDK's
# default five retries with five-minute timeouts.
_PROBE_TIMEOUT = urllib3.Timeout(connect=1.0, read=2.0)
_PROBE_RETRIES = _RetryUnlessTimedOut(total=1, backoff_factor=0)


def _read_full(stream: MeasuringReader, size: int) -> bytes:
    """Up to size bytes, fewer only at the end of the stream."""
    # Chunk-sized reads, as on local disk, enforce max_size within a chunk of the limit and never
    # ask the request stream to buffer a whole part. The pieces are glued here because the SDK
    # would glue short reads by repeated bytes concatenation, quadratic in the part size.
    buffer = bytearray()
    while len(buffer) < size:
        chunk = stream.read(min(CHUNK_SIZE, size - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer)


class _ReplayingReader:
    """The bytes already read to sniff the content type, then the rest of the stream."""

    def __init__(self, head: bytes, rest: MeasuringReader):
        self._head = head
        self._rest = rest

    def read(self, size: int) -> bytes:
        if not self._head:
            return _read_full(self._rest, size)
        head, self._head = self._head[:size], self._head[size:]
        if len(head) == size:
            return head
        return head + _read_full(self._rest, size - len(head))


class _ObjectChunks:
    """Chunks of a GET response; closing hands the connection back however iteration ended."""

    def __init__(self, response: BaseHTTPResponse, endpoint: str):
        self._response = response
        self._chunks = response.stream(CHUNK_SIZE)
        self._endpoint = endpoint

    def __iter__(self) -> _ObjectChunks:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise
        except urllib3.exceptions.HTTPError as exc:
            self.close()
            raise StorageError(f"S3 endpoint {self._endpoint} broke off a download: {exc}") from exc

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()


class S3Storage(StorageBackend):
    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = True,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        timeout: float = 30.0,
        cors_origins: tuple[str, ...] = ("*",),
    ):
        self._endpoint = endpoint
        self._bucket = bucket
        self._cors_origins = cors_origins

        def client(timeout: urllib3.Timeout, retries: urllib3.Retry) -> Minio:
            # TLS is verified against the system trust store (urllib3's default), where an
            # agency's internal CA gets installed, rather than the SDK's bundled certifi.
            return Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=region,
                http_client=urllib3.PoolManager(timeout=timeout, retries=retries, maxsize=10),
            )

        self._client = client(urllib3.Timeout(connect=timeout, read=timeout), _DATA_RETRIES)
        self._probe = client(_PROBE_TIMEOUT, _PROBE_RETRIES)
        # Browsers cannot reach the store under its internal name (minio:9000). The signature covers
        # the Host header, so links are signed by a client of the public name; it never connects,
        # since with the region given presigning needs no request.
        self._signer = self._client
        if public_endpoint:
            public = urlsplit(public_endpoint)
            self._signer = Minio(
                public.netloc,
                access_key=access_key,
                secret_key=secret_key,
                secure=public.scheme == "https",
                region=region,
            )
        self._bucket_ready = False
        try:
            self._ensure_bucket(self._probe)
        except StorageError as exc:
            # The app must start while the store is down; put() and check() try again.
            logger.warning("bucket %s not ready yet: %s", bucket, exc)

    @contextlib.contextmanager
    def _store_errors(self, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except S3Error as exc:
            if key is not None and exc.code == "NoSuchKey":
                raise ObjectNotFound(key) from exc
            raise StorageError(f"S3 endpoint {self._endpoint} refused: {exc.code}: {exc.message}") from exc
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise StorageError(f"S3 endpoint {self._endpoint} unreachable: {exc}") from exc

    def _ensure_bucket(self, client: Minio) -> None:
        with self._store_errors():
            if not client.bucket_exists(self._bucket):
                try:
                    client.make_bucket(self._bucket)
                except S3Error as exc:
                    # Another worker created it between our two requests.
                    if exc.code != "BucketAlreadyOwnedByYou":
                        raise
        if not self._bucket_ready:
            self._allow_cross_origin_reads(client)
        self._bucket_ready = True

    def _allow_cross_origin_reads(self, client: Minio) -> None:
        """Gives the bucket the CORS rule presigned downloads need, unless it has one (an operator's, kept).

        The minio SDK has no call for bucket CORS, hence its generic signed request (pinned SDK). MinIO's
        community server does not keep bucket CORS (NotImplemented): it answers every origin by its
        global setting (MINIO_API_CORS_ALLOW_ORIGIN, `*` unless set), and a store refusing the call only
        costs cross-origin reads, so neither stops the start."""
        try:
            client._execute("GET", self._bucket, query_params={"cors": ""})
            return
        except S3Error as exc:
            if exc.code != "NoSuchCORSConfiguration":
                self._cors_not_set(exc)
                return
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            self._cors_not_set(exc)
            return
        body = cors_configuration(self._cors_origins)
        try:
            client._execute(
                "PUT",
                self._bucket,
                body=body,
                headers={"Content-MD5": md5sum_hash(body) or ""},
                query_params={"cors": ""},
            )
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            self._cors_not_set(exc)

    def _cors_not_set(self, exc: Exception) -> None:
        if isinstance(exc, S3Error) and exc.code == "NotImplemented":
            logger.info("bucket %s: the store answers CORS by its own global setting", self._bucket)
            return
        logger.warning(
            "bucket %s has no CORS rule (%s): browsers cannot follow download redirects to it",
            self._bucket,
            exc,
        )

    def put(self, key: str, stream: BinaryIO, *, max_size: int | None = None) -> ObjectInfo:
        if not self._bucket_ready:
            self._ensure_bucket(self._client)
        reader = MeasuringReader(stream, max_size)
        # The content type travels with the upload's first request, so sniff before sending.
        head = _read_full(reader, SNIFF_BYTES)
        content_type = sniff_content_type(reader.head)
        try:
            with self._store_errors():
                self._client.put_object(
                    self._bucket,
                    key,
                    _ReplayingReader(head, reader),
                    length=-1,
                    content_type=content_type,
                    part_size=PART_SIZE,
                    num_parallel_uploads=_PARALLEL_UPLOADS,
                )
        except BaseException:
            # The SDK aborts a failed multipart upload; this also covers a failure reported
            # after the server had already stored the object.
            self._remove_quietly(key)
            raise
        return ObjectInfo(key=key, size=reader.size, sha256=reader.sha256, content_type=content_type)

    def _remove_quietly(self, key: str) -> None:
        try:
            self._probe.remove_object(self._bucket, key)
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            logger.warning("could not remove %s after a failed upload: %s", key, exc)

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid range {start}-{end}")
        length = 0 if end is None else end - start + 1
        with self._store_errors(key):
            response = self._client.get_object(self._bucket, key, offset=start, length=length)
        return _ObjectChunks(response, self._endpoint)

    def stat(self, key: str) -> int:
        with self._store_errors(key):
            size = self._client.stat_object(self._bucket, key).size
        if size is None:
            raise StorageError(f"S3 endpoint {self._endpoint} gave no size for {key}")
        return size

    def delete(self, key: str) -> None:
        with self._store_errors():
            self._client.remove_object(self._bucket, key)

    def presigned_url(
        self, key: str, expires_in: int, filename: str, *, cache_control: str | None = None
    ) -> str | None:
        headers = {"response-content-disposition": attachment_disposition(filename)}
        if cache_control is not None:
            headers["response-cache-control"] = cache_control
        with self._store_errors():
            return self._signer.presigned_get_object(
                self._bucket, key, expires=timedelta(seconds=expires_in), response_headers=headers
            )

    def check(self) -> None:
        self._ensure_bucket(self._probe)
