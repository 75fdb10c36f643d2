"""Liveness and readiness probes: what /readyz reports when each part is up or down."""

from __future__ import annotations

import os
import shutil
import time

import pytest
import redis

from eoffice import create_app
from eoffice.extensions import db
from eoffice.runtime import settings
from tests.conftest import make_settings, service_missing

# Nothing listens on port 1 of the loopback: connections are refused at once.
CLOSED_PORT = "127.0.0.1:1"
# A probe must answer well within a load balancer's timeout even when a part is down.
PROBE_DEADLINE_SECONDS = 10


def assert_not_ready(response, part: str) -> dict:
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "not_ready"
    assert part in body["error"]["message"]
    assert body["error"]["details"][part] != "ok"
    return body["error"]["details"]


def test_healthz_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_database_and_object_store_ready(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "object_store": "ok"}}


def test_probes_need_no_login(client):
    assert client.get("/healthz", headers={"Authorization": "Bearer not-a-token"}).status_code == 200
    assert client.get("/readyz", headers={"Authorization": "Bearer not-a-token"}).status_code == 200


def test_readyz_reports_a_local_storage_root_that_is_not_a_folder(app, client):
    root = settings().effective_storage_path
    shutil.rmtree(root)
    root.write_text("not a folder")

    details = assert_not_ready(client.get("/readyz"), "object_store")

    assert details["database"] == "ok"


class TestWithRedis:
    @pytest.fixture
    def app_env(self) -> dict[str, str]:
        url = os.environ.get("EOFFICE_TEST_REDIS_URL")
        if not url:
            service_missing("Redis not configured: set EOFFICE_TEST_REDIS_URL")
        connection = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            connection.ping()
        except redis.RedisError as exc:
            service_missing(f"Redis unreachable at {url}: {exc}")
        finally:
            connection.close()
        return {"EOFFICE_REDIS_URL": url}

    def test_readyz_reports_redis_ready(self, client):
        response = client.get("/readyz")

        assert response.status_code == 200
        assert response.get_json()["checks"] == {"database": "ok", "object_store": "ok", "redis": "ok"}


class TestWithRedisDown:
    @pytest.fixture
    def app_env(self) -> dict[str, str]:
        return {"EOFFICE_REDIS_URL": f"redis://{CLOSED_PORT}/0"}

    def test_readyz_is_not_ready_naming_redis(self, client):
        details = assert_not_ready(client.get("/readyz"), "redis")

        assert details["database"] == "ok"
        assert details["object_store"] == "ok"

    def test_healthz_stays_ok_while_redis_is_down(self, client):
        assert client.get("/healthz").status_code == 200


class TestWithObjectStoreDown:
    @pytest.fixture
    def app_env(self) -> dict[str, str]:
        return {
            "EOFFICE_S3_ENDPOINT": CLOSED_PORT,
            "EOFFICE_S3_ACCESS_KEY": "x",
            "EOFFICE_S3_SECRET_KEY": "y",
            "EOFFICE_S3_SECURE": "false",
        }

    def test_readyz_is_not_ready_naming_the_object_store(self, client):
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started

        details = assert_not_ready(response, "object_store")
        assert details["database"] == "ok"
        assert "database" not in response.get_json()["error"]["message"]
        assert elapsed < PROBE_DEADLINE_SECONDS


def test_readyz_is_not_ready_naming_the_database_when_it_is_unreachable(tmp_path):
    app = create_app(
        make_settings(
            tmp_path / "instance",
            EOFFICE_DATABASE_URL=f"postgresql://postgres@{CLOSED_PORT}/none",
            EOFFICE_AUTO_MIGRATE="false",
        )
    )
    try:
        response = app.test_client().get("/readyz")
    finally:
        with app.app_context():
            db.engine.dispose()

    details = assert_not_ready(response, "database")
    assert details["object_store"] == "ok"
    assert "object_store" not in response.get_json()["error"]["message"]
