"""Benchmark: server memory and throughput of one large streamed upload through gunicorn into S3.

Starts a loopback S3 server (moto) in this process and the production server (gunicorn with
gunicorn.conf.py) as a subprocess, uploads a generated file with chunked transfer encoding,
samples the server's resident memory meanwhile, then uploads the same amount straight through
the minio SDK for comparison. Run with the project's interpreter:

    .venv/bin/python bench/storage_upload.py --size-mb 200
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import requests
from minio import Minio
from moto.server import ThreadedMotoServer

REPO = Path(__file__).resolve().parent.parent
# The executables installed next to the interpreter running the benchmark (the project venv).
BIN = Path(sys.executable).parent
MiB = 1024 * 1024
PART_SIZE = 16 * MiB
ACCESS_KEY = "bench-access"
SECRET_KEY = "bench-secret"
BUCKET = "eoffice-bench"
USERNAME = "bench"
PASSWORD = "Bench-mật-khẩu-2026"
SAMPLE_INTERVAL = 0.05


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GeneratedFile:
    """size bytes of seeded pseudo-random data made 1 MiB at a time, hashed as they go out."""

    def __init__(self, size: int, seed: int):
        self.size = size
        self._random = random.Random(seed)
        self._hash = hashlib.sha256()

    def chunks(self) -> Iterator[bytes]:
        remaining = self.size
        while remaining:
            chunk = self._random.randbytes(min(MiB, remaining))
            self._hash.update(chunk)
            remaining -= len(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class ChunkReader:
    """A file-like view of a chunk generator for the SDK, returning full reads as a file would."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._pending = b""

    def read(self, size: int) -> bytes:
        buffer = bytearray(self._pending)
        while len(buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            buffer += chunk
        data, self._pending = bytes(buffer[:size]), bytes(buffer[size:])
        return data


class RssSampler(threading.Thread):
    """Samples the resident memory of a process tree (master and workers) until stopped."""

    def __init__(self, root: psutil.Process):
        super().__init__(daemon=True)
        self._root = root
        self._stop_event = threading.Event()
        self.peak_total = 0
        self.peak_worker = 0

    @staticmethod
    def measure(root: psutil.Process) -> tuple[int, int]:
        """(RSS of the whole tree, RSS of its largest child) in bytes."""
        total = root.memory_info().rss
        largest_child = 0
        for child in root.children(recursive=True):
            try:
                rss = child.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            total += rss
            largest_child = max(largest_child, rss)
        return total, largest_child

    def run(self) -> None:
        while not self._stop_event.is_set():
            total, worker = self.measure(self._root)
            self.peak_total = max(self.peak_total, total)
            self.peak_worker = max(self.peak_worker, worker)
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def server_environment(s3_endpoint: str, instance: Path, port: int) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("EOFFICE_")}
    env.update(
        EOFFICE_S3_ENDPOINT=s3_endpoint,
        EOFFICE_S3_ACCESS_KEY=ACCESS_KEY,
        EOFFICE_S3_SECRET_KEY=SECRET_KEY,
        EOFFICE_S3_BUCKET=BUCKET,
        EOFFICE_S3_SECURE="false",
        EOFFICE_DATABASE_URL=f"sqlite:///{instance / 'bench.db'}",
        EOFFICE_AUTO_MIGRATE="true",
        EOFFICE_INSTANCE_PATH=str(instance),
        EOFFICE_HOST="127.0.0.1",
        EOFFICE_PORT=str(port),
        EOFFICE_LOG_LEVEL="WARNING",
    )
    return env


def create_user(env: dict[str, str]) -> None:
    command = [
        str(BIN / "flask"),
        "--app",
        "wsgi",
        "create-admin",
        "--agency-id",
        "000.00.00.H49",
        "--agency-name",
        "Bench",
        "--username",
        USERNAME,
        "--password-stdin",
    ]
    result = subprocess.run(command, cwd=REPO, env=env, input=PASSWORD + "\n", capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"create-admin failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def wait_until_ready(base_url: str, server: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            if requests.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn not ready after {timeout} s:\n{log_path.read_text()}")


def log_in(base_url: str) -> str:
    response = requests.post(
        f"{base_url}/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD}, timeout=30
    )
    if response.status_code != 200:
        raise SystemExit(f"login failed: {response.status_code} {response.text}")
    return response.json()["access_token"]


def upload(base_url: str, token: str, generated: GeneratedFile) -> dict:
    response = requests.post(
        f"{base_url}/api/v1/files",
        params={"name": "bench.bin"},
        headers={"Content-Type": "application/octet-stream", "Authorization": f"Bearer {token}"},
        data=generated.chunks(),
        timeout=600,
    )
    if response.status_code != 201:
        raise SystemExit(f"upload failed: {response.status_code} {response.text[:2000]}")
    stored = response.json()
    if stored["size"] != generated.size or stored["sha256"] != generated.sha256:
        raise SystemExit(
            f"stored file differs: size {stored['size']} (sent {generated.size}), "
            f"sha256 {stored['sha256']} (sent {generated.sha256})"
        )
    return stored


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def mib(size: int) -> str:
    return f"{size / MiB:8.1f} MiB"


def worker_count(master: psutil.Process) -> int:
    return len(master.children())


def measure_server_upload(base_url: str, master: psutil.Process, size: int) -> None:
    token = log_in(base_url)
    # A small upload first, so one-off imports and allocations are not counted below.
    upload(base_url, token, GeneratedFile(MiB, seed=1))

    baseline_total, baseline_worker = RssSampler.measure(master)
    sampler = RssSampler(master)
    sampler.start()
    generated = GeneratedFile(size, seed=2)
    began = time.perf_counter()
    try:
        stored = upload(base_url, token, generated)
    finally:
        sampler.stop()
    elapsed = time.perf_counter() - began

    print(f"upload through gunicorn ({worker_count(master)} worker(s)), {mib(size).strip()}, chunked:")
    print(f"  stored as file {stored['id']}, {stored['content_type']}, size and sha256 verified")
    print(
        f"  RSS master+workers  baseline {mib(baseline_total)}  peak {mib(sampler.peak_total)}"
        f"  delta {mib(sampler.peak_total - baseline_total)}"
    )
    print(
        f"  RSS largest worker  baseline {mib(baseline_worker)}  peak {mib(sampler.peak_worker)}"
        f"  delta {mib(sampler.peak_worker - baseline_worker)}"
    )
    print(f"  elapsed {elapsed:.2f} s, throughput {size / MiB / elapsed:.1f} MiB/s")


def measure_direct_upload(s3_endpoint: str, size: int) -> None:
    client = Minio(s3_endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)
    generated = GeneratedFile(size, seed=3)
    began = time.perf_counter()
    client.put_object(
        BUCKET, "bench/direct.bin", ChunkReader(generated.chunks()), length=-1, part_size=PART_SIZE
    )
    elapsed = time.perf_counter() - began
    print(
        f"direct minio SDK put_object from this process (part size {PART_SIZE // MiB} MiB, "
        "SDK default parallelism):"
    )
    print(f"  elapsed {elapsed:.2f} s, throughput {size / MiB / elapsed:.1f} MiB/s")


def run(size_mb: int) -> None:
    size = size_mb * MiB
    # moto serves through werkzeug, which would log every S3 request between the figures.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        s3_host, s3_port = moto.get_host_and_port()
        s3_endpoint = f"{s3_host}:{s3_port}"
        with tempfile.TemporaryDirectory(prefix="eoffice-bench-") as temp:
            instance = Path(temp)
            port = free_port()
            env = server_environment(s3_endpoint, instance, port)
            # Before gunicorn starts, so the two processes do not migrate the database at once.
            create_user(env)
            log_path = instance / "gunicorn.log"
            with log_path.open("wb") as log:
                server = subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            try:
                base_url = f"http://127.0.0.1:{port}"
                wait_until_ready(base_url, server, log_path)
                measure_server_upload(base_url, psutil.Process(server.pid), size)
            finally:
                stop_server(server)
        measure_direct_upload(s3_endpoint, size)
    finally:
        moto.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200, help="size of the uploaded file in MiB")
    run(parser.parse_args().size_mb)


if __name__ == "__main__":
    main()
