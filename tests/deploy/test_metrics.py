"""GET /metrics on EOFFICE_METRICS_PORT of the gunicorn processes: the figures follow what happens."""

from __future__ import annotations

import pytest
import requests

from eoffice.extensions import db
from eoffice.mail.models import MessageStatus, OutboxMessage
from eoffice.mail.operations import notify
from tests.deploy.scrape import Scrape, free_port, wait_until
from tests.meetings.conftest import build_room, start_server_process, stop_server_process

# The production processes, on the database they are made for.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

REQUESTS = "eoffice_http_request_duration_seconds_count"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def server(tmp_path, database_url, app):
    """The Socket.IO server as `make serve` starts it, with its metrics listener: (public, metrics URL)."""
    metrics_port = free_port()
    process, url = start_server_process(
        tmp_path, "server", database_url, server="gunicorn", EOFFICE_METRICS_PORT=str(metrics_port)
    )
    yield url, f"http://127.0.0.1:{metrics_port}"
    stop_server_process(process)


@pytest.fixture
def api_workers(tmp_path, database_url, app):
    """Two API worker processes behind one port, with their one metrics listener."""
    metrics_port = free_port()
    process, url = start_server_process(
        tmp_path,
        "api",
        database_url,
        server="api",
        EOFFICE_API_WORKERS="2",
        EOFFICE_METRICS_PORT=str(metrics_port),
    )
    yield url, f"http://127.0.0.1:{metrics_port}"
    stop_server_process(process)


def test_requests_are_counted_under_their_route_and_status_not_their_path(client, people, server):
    url, metrics_url = server
    room = build_room(client, people)
    bearer = {"Authorization": f"Bearer {room.tokens['chutich']}"}
    before = Scrape(metrics_url)

    for _ in range(3):
        refused = requests.post(f"{url}{LOGIN}", json={"username": "chutich", "password": "sai"}, timeout=10)
        assert refused.status_code == 401
    shown = requests.get(f"{url}/api/v1/meetings/{room.meeting_id}", headers=bearer, timeout=10)
    assert shown.status_code == 200

    after = Scrape(metrics_url)
    refused_count = after.value(REQUESTS, route=LOGIN, method="POST", status="401")
    assert refused_count - before.value(REQUESTS, route=LOGIN, method="POST", status="401") == 3
    meeting_route = "/api/v1/meetings/<int:meeting_id>"
    assert after.value(REQUESTS, route=meeting_route, method="GET", status="200") == 1
    # One series per route, whatever the ids: the meeting's own path is no label.
    assert f"/api/v1/meetings/{room.meeting_id}" not in after.labels_of(REQUESTS, "route")


def test_a_queued_mail_raises_the_mail_backlog_and_its_delivery_lowers_it(people, server):
    _url, metrics_url = server
    before = Scrape(metrics_url).value("eoffice_outbox_backlog", outbox="mail")

    message = notify(people.chair, "meeting.invitation", {"title": "Họp giao ban tháng 12"})
    db.session.commit()
    queued = Scrape(metrics_url)
    assert queued.value("eoffice_outbox_backlog", outbox="mail") == before + 1
    assert queued.value("eoffice_outbox_oldest_age_seconds", outbox="mail") >= 0

    message.status = MessageStatus.SENT
    db.session.commit()
    assert Scrape(metrics_url).value("eoffice_outbox_backlog", outbox="mail") == before
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.SENT


def test_sockets_rooms_and_broadcasts_are_counted_while_tablets_are_connected(
    client, people, devices, server
):
    url, metrics_url = server
    room = build_room(client, people)
    assert Scrape(metrics_url).value("eoffice_socketio_connections") == 0

    chair = devices(url, room.tokens["chutich"])
    delegate = devices(url, room.tokens["daibieu1"])
    connected = Scrape(metrics_url)
    assert connected.value("eoffice_socketio_connections") == 2
    assert connected.value("eoffice_socketio_meeting_rooms") == 0

    for device in (chair, delegate):
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    assert Scrape(metrics_url).value("eoffice_socketio_meeting_rooms") == 1
    broadcasts = Scrape(metrics_url).value("eoffice_socketio_broadcast_seconds_count")
    page_two = {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 2}
    turned = chair.call("present", page_two)
    assert turned["ok"], turned
    assert delegate.wait_for("presentation", 1)[0]["page"] == 2
    assert Scrape(metrics_url).value("eoffice_socketio_broadcast_seconds_count") > broadcasts

    delegate.close()
    chair.close()
    assert wait_until(lambda: Scrape(metrics_url).value("eoffice_socketio_connections"), 0) == 0
    assert Scrape(metrics_url).value("eoffice_socketio_meeting_rooms") == 0


def test_the_listener_reports_the_database_pool_and_the_public_port_does_not_answer_metrics(server):
    url, metrics_url = server
    scrape = Scrape(metrics_url)

    # One worker: fixed pools, no overflow (eoffice._pool_options): the session's of
    # EOFFICE_DATABASE_POOL_SIZE (10) and the autocommit engine's of half as many (eoffice.db.autocommit),
    # each under its own label.
    assert scrape.value("eoffice_db_connections_limit", pool="session") == 10
    assert scrape.value("eoffice_db_connections_limit", pool="autocommit") == 5
    assert scrape.labels_of("eoffice_db_connections_in_use", "pool") == {"session", "autocommit"}
    assert 0 <= scrape.value("eoffice_db_connections_in_use", pool="session") <= 10
    assert 0 <= scrape.value("eoffice_db_connections_in_use", pool="autocommit") <= 5
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 404
    assert requests.get(f"{url}/metrics/", timeout=10).status_code == 404


def test_the_api_workers_metrics_add_up_every_worker(api_workers):
    url, metrics_url = api_workers
    before = Scrape(metrics_url).value(REQUESTS, route="/healthz", method="GET", status="200")

    # Two at a time, so that both workers take some (each worker counts in a file of its own).
    for _ in range(10):
        with requests.Session() as first, requests.Session() as second:
            assert first.get(f"{url}/healthz", timeout=10).status_code == 200
            assert second.get(f"{url}/healthz", timeout=10).status_code == 200

    after = Scrape(metrics_url)
    assert after.value(REQUESTS, route="/healthz", method="GET", status="200") - before == 20
    assert after.value("eoffice_db_connections_limit", pool="session") == 20
    assert after.value("eoffice_db_connections_limit", pool="autocommit") == 10
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 404
