"""EOFFICE_LOG_FORMAT=json: a request's id follows it into the mails it queues and the mail worker's lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from tests.meetings.conftest import ROOT, build_room, start_server_process, stop_server_process

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

JSON_LOGS = {"EOFFICE_LOG_FORMAT": "json", "EOFFICE_LOG_LEVEL": "INFO"}


def json_lines(text: str) -> list[dict]:
    """Every line of the output as a JSON object; a line that is not one fails the test."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines
    return [json.loads(line) for line in lines]


@pytest.fixture
def server(tmp_path, database_url, app):
    process, url = start_server_process(tmp_path, "server", database_url, server="gunicorn", **JSON_LOGS)
    yield url, tmp_path / "server.log"
    stop_server_process(process)


def run_mail_worker(tmp_path: Path, database_url: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("EOFFICE_")}
    env.update(
        EOFFICE_INSTANCE_PATH=str(tmp_path / "worker"),
        EOFFICE_DATABASE_URL=database_url,
        EOFFICE_SECRET_KEY="test-secret-" + "x" * 40,
        EOFFICE_JWT_KEYS="test-1:" + "k" * 48,
        **JSON_LOGS,
    )
    finished = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail-worker", "--exit-when-idle"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    return finished.stdout + finished.stderr


def test_the_request_id_follows_a_cancellation_into_its_mails_and_the_mail_worker_lines(
    client, people, server, tmp_path, database_url
):
    url, server_log = server
    room = build_room(client, people, start=False)
    invitations = set(db.session.scalars(select(OutboxMessage.id)))

    cancelled = requests.post(
        f"{url}/api/v1/meetings/{room.meeting_id}/cancel",
        headers={"Authorization": f"Bearer {room.tokens['vanthu']}", "X-Request-Id": "huy-hop-2026-12-01"},
        timeout=10,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.headers["X-Request-Id"] == "huy-hop-2026-12-01"

    db.session.rollback()
    notices = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.not_in(invitations))).all()
    assert {m.kind for m in notices} == {"meeting.cancelled"}
    assert len(notices) == 6  # chair, secretary, three delegates, the guest
    assert {m.request_id for m in notices} == {"huy-hop-2026-12-01"}
    invitation_ids = {
        m.request_id
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(invitations)))
    }
    assert "huy-hop-2026-12-01" not in invitation_ids

    worker_lines = json_lines(run_mail_worker(tmp_path, database_url))
    about_cancellation = [line for line in worker_lines if "(meeting.cancelled)" in line["message"]]
    assert len(about_cancellation) == len(notices)
    assert {line["request_id"] for line in about_cancellation} == {"huy-hop-2026-12-01"}
    assert all(
        line.get("request_id") != "huy-hop-2026-12-01"
        for line in worker_lines
        if line not in about_cancellation
    )

    request_lines = [
        line for line in json_lines(server_log.read_text()) if line.get("request_id") == "huy-hop-2026-12-01"
    ]
    assert [(line["message"], line["route"], line["status"]) for line in request_lines] == [
        ("request", "/api/v1/meetings/<int:meeting_id>/cancel", 200)
    ]


def test_a_request_without_an_acceptable_id_gets_a_new_one(server):
    url, server_log = server

    plain = requests.get(f"{url}/healthz", timeout=10)
    unusable = requests.get(f"{url}/healthz", headers={"X-Request-Id": "two words"}, timeout=10)
    other = requests.get(f"{url}/healthz", timeout=10)

    given = [plain.headers["X-Request-Id"], unusable.headers["X-Request-Id"], other.headers["X-Request-Id"]]
    assert len(set(given)) == 3
    assert all(len(request_id) == 32 and int(request_id, 16) >= 0 for request_id in given)
    logged = {
        line.get("request_id") for line in json_lines(server_log.read_text()) if line["message"] == "request"
    }
    assert set(given) <= logged
