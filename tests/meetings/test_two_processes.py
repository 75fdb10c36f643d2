"""Two server processes share one room through the Socket.IO Redis message queue."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from tests.conftest import service_missing
from tests.meetings.conftest import build_room

ROOT = Path(__file__).resolve().parents[2]
PAGES = 30


@pytest.fixture
def redis_url():
    url = os.environ.get("EOFFICE_TEST_REDIS_URL")
    if not url:
        service_missing("Redis not configured: set EOFFICE_TEST_REDIS_URL")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis unreachable at {url}: {exc}")
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(
    tmp_path: Path, name: str, database_url: str, redis_url: str, channel: str
) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")},
        "EOFFICE_HOST": "127.0.0.1",
        "EOFFICE_PORT": str(port),
        "EOFFICE_INSTANCE_PATH": str(tmp_path / name),
        "EOFFICE_DATABASE_URL": database_url,
        "EOFFICE_AUTO_MIGRATE": "false",
        "EOFFICE_SECRET_KEY": "test-secret-" + "x" * 40,
        "EOFFICE_JWT_KEYS": "test-1:" + "k" * 48,
        "EOFFICE_SOCKETIO_ASYNC_MODE": "threading",
        "EOFFICE_REDIS_URL": redis_url,
        # Its own channel: other test runs on this machine share the Redis server.
        "EOFFICE_REDIS_CHANNEL": channel,
        "EOFFICE_LOG_LEVEL": "WARNING",
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code < 500:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"server {name} did not start: {(tmp_path / f'{name}.log').read_text()[-2000:]}")


@pytest.fixture
def two_servers(tmp_path, database_url, redis_url, app):
    channel = f"eoffice-test-{uuid.uuid4().hex}"
    started = [_start_server(tmp_path, name, database_url, redis_url, channel) for name in ("one", "two")]
    yield [url for _, url in started]
    for process, _ in started:
        process.terminate()
    for process, _ in started:
        process.wait(10)


def test_clients_split_across_two_processes_get_every_event_in_order(client, people, devices, two_servers):
    room = build_room(client, people)
    first, second = two_servers
    chair = devices(first, room.tokens["chutich"])
    watchers = [
        devices(first, room.tokens["daibieu1"]),
        devices(second, room.tokens["daibieu1"]),
        devices(second, room.tokens["daibieu2"]),
        devices(second, room.tokens["khachmoi"]),
    ]
    for device in [chair, *watchers]:
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    # A check-in on the second process reaches the chair on the first one.
    assert watchers[2].call("check_in", {"meeting_id": room.meeting_id})["ok"]
    assert chair.wait_for("attendance", 1)[0]["voting_present"] == 1
    pages = [(n % 5) + 1 for n in range(PAGES)]
    for page in pages:
        answer = chair.call(
            "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page}
        )
        assert answer["ok"] is True, answer
    for device in [chair, *watchers]:
        received = device.wait_for("presentation", PAGES)
        assert [(p["seq"], p["page"]) for p in received] == list(zip(range(1, PAGES + 1), pages, strict=True))
    # The state a device gets from the other process is the same.
    state = devices(second, room.tokens["daibieu3"]).call("join", {"meeting_id": room.meeting_id})["state"]
    assert state["presentation"]["seq"] == PAGES
