"""Two server processes share one room through the Socket.IO Redis message queue."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.conftest import service_missing
from tests.meetings.conftest import build_room, start_server_process, stop_server_process

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


@pytest.fixture(params=["wsgi", "gunicorn"])
def two_servers(request, tmp_path, database_url, redis_url, app):
    """Two processes sharing one Redis channel: `python wsgi.py` (threading) or the production gunicorn."""
    channel = f"eoffice-test-{uuid.uuid4().hex}"
    started = [
        start_server_process(
            tmp_path,
            name,
            database_url,
            server=request.param,
            EOFFICE_REDIS_URL=redis_url,
            # Its own channel: other test runs on this machine share the Redis server.
            EOFFICE_REDIS_CHANNEL=channel,
        )
        for name in ("one", "two")
    ]
    yield [url for _, url in started]
    for process, _ in started:
        stop_server_process(process)


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
    joined = [device.call("join", {"meeting_id": room.meeting_id}) for device in [chair, *watchers]]
    assert all(answer["ok"] for answer in joined)
    # A check-in on the second process reaches the chair on the first one.
    assert watchers[2].call("check_in", {"meeting_id": room.meeting_id})["ok"]
    assert chair.wait_for("attendance", 1)[0]["voting_present"] == 1
    # Each process tells its own check-ins: every device, on either, ends with both.
    assert chair.call("check_in", {"meeting_id": room.meeting_id})["ok"]
    for device, answer in zip([chair, *watchers], joined, strict=True):
        shown = device.attendance_shown(answer["state"]["attendance"], 2)
        assert [entry["user_id"] for entry in shown["present"]] == sorted(
            [people.chair.id, people.delegates[1].id]
        )
        assert shown["voting_present"] == 2
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
