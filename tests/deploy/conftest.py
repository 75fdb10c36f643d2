"""The chart rendered once per session by tests/deploy/chart_tool.py in .venv-chart (made by `make test`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import redis
import yaml

from tests.conftest import service_missing

# The server processes' tests (metrics, JSON logs, nginx) use the meeting fixtures.
from tests.meetings.conftest import devices, people  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "eoffice"
CHART_PYTHON = ROOT / ".venv-chart" / "bin" / "python"
# The newest Kubernetes whose schemas kubernetes-validate (requirements-chart.txt) carries.
KUBE_VERSION = "1.37.0"
HOSTED_AGENCY_SYSTEMS = "000.00.00.H49=eoffice-h49:" + "s" * 24

CASES = {
    "default": {},
    "production": yaml.safe_load((ROOT / "helm" / "values-production.yaml").read_text()),
    # A test environment: the mock axis and its worker, SMTP with a login, values given instead of generated,
    # the mail intake worker.
    "test-environment": {
        "mockAxis": {"enabled": True},
        "workers": {"mailIntake": {"enabled": True, "pollInterval": 30}},
        "axis": {"systems": HOSTED_AGENCY_SYSTEMS},
        "smtp": {"host": "smtp.test.svc", "username": "eoffice", "password": "smtp-password", "port": 2525},
        "auth": {"jwtKeys": "test-1:" + "j" * 40},
        "api": {"autoscaling": {"enabled": False}, "replicas": 1},
        "server": {"replicas": 1},
        "ingress": {"enabled": True, "host": "eoffice.test.example", "tls": {"enabled": False}},
        "signing": {"tsaUrl": "http://eoffice-server:8000/api/v1/signatures/tsa", "keysSecret": "test-keys"},
    },
    # No metrics listener, and JSON logs.
    "no-metrics": {"metrics": {"enabled": False}, "logFormat": "json"},
    # Settings the server refuses, given through extraSettings: the environment check must catch them.
    "unknown-setting": {"extraSettings": {"EOFFICE_MAX_UPLOAD_SIZ": "1024"}},
    "malformed-setting": {"extraSettings": {"EOFFICE_MAX_UPLOAD_SIZE": "half a gigabyte"}},
    # A misspelt value: values.schema.json refuses it before anything renders.
    "misspelt-value": {"server": {"replica": 3}},
}
SCANNED = ["default", "production", "test-environment", "no-metrics"]
ENV_CHECKED = SCANNED


@pytest.fixture(scope="session")
def chart_report() -> dict:
    if not CHART_PYTHON.exists():
        reason = ".venv-chart is missing: `make .venv-chart/.installed` makes it (requirements-chart.txt)"
        if os.environ.get("EOFFICE_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    request = {
        "chart": str(CHART),
        "kube_version": KUBE_VERSION,
        "cases": CASES,
        "scan": SCANNED,
        "containerfile": str(ROOT / "Containerfile"),
    }
    run = subprocess.run(
        [str(CHART_PYTHON), str(Path(__file__).with_name("chart_tool.py"))],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="session")
def rendered(chart_report) -> dict[str, list[dict]]:
    """Each rendered case's Kubernetes objects."""
    return {
        name: [item["object"] for item in case["objects"]]
        for name, case in chart_report["cases"].items()
        if "objects" in case
    }


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
