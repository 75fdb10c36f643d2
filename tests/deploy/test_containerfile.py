"""The Containerfile, checked without building it (no image builder runs here): its stages, its user, that
what it copies exists and that its entry point and the roles the chart runs are in the image."""

from __future__ import annotations

import json
import re

from tests.deploy.conftest import ROOT

CONTAINERFILE = ROOT / "Containerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for line in CONTAINERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        logical.append((keyword.upper(), arguments.strip()))
        pending = ""
    return logical


def _stages() -> list[dict]:
    stages: list[dict] = []
    for keyword, arguments in _instructions():
        if keyword == "FROM":
            image, _, name = arguments.partition(" AS ")
            stages.append({"image": image.strip(), "name": name.strip(), "steps": []})
        else:
            stages[-1]["steps"].append((keyword, arguments))
    return stages


def test_the_client_is_built_with_node_and_the_runtime_is_slim_python():
    stages = _stages()
    assert re.fullmatch(r".*node:2\d[-\w.]*", stages[0]["image"])
    assert ("RUN", "npm run build") in stages[0]["steps"]
    runtime = stages[-1]
    assert re.fullmatch(r".*python:3\.1[1-9]-slim[-\w]*", runtime["image"])
    copies_from = [args for keyword, args in runtime["steps"] if keyword == "COPY" and "--from=" in args]
    assert f"--from={stages[0]['name']} /src/frontend/dist ./frontend/dist" in copies_from
    # The compiler stays in the build stage.
    assert not [args for keyword, args in runtime["steps"] if keyword == "RUN" and "build-essential" in args]


def test_the_image_runs_as_a_numeric_non_root_user():
    users = [args for keyword, args in _stages()[-1]["steps"] if keyword == "USER"]
    assert users, "no USER in the runtime stage"
    uid = users[-1].split(":")[0]
    # Numeric, so that Kubernetes' runAsNonRoot can verify it; the chart's runAsUser is the same.
    assert uid.isdigit() and int(uid) != 0
    chart_helpers = (ROOT / "helm" / "eoffice" / "templates" / "_helpers.tpl").read_text()
    assert f"runAsUser: {uid}" in chart_helpers


def test_everything_it_copies_exists_and_every_package_of_the_server_is_copied():
    copied = set()
    for stage in _stages():
        for keyword, arguments in stage["steps"]:
            if keyword != "COPY" or "--from=" in arguments:
                continue
            *sources, _destination = arguments.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                copied.add(source.rstrip("/"))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages | {"migrations", "wsgi.py", "gunicorn.conf.py", "gunicorn_api.conf.py"} <= copied
    assert "requirements.txt" in copied


def test_the_default_command_serves_the_socket_io_server():
    commands = [args for keyword, args in _stages()[-1]["steps"] if keyword == "CMD"]
    command = json.loads(commands[-1])
    assert command[:3] == ["gunicorn", "-c", "gunicorn.conf.py"] and command[3] == "wsgi:app"
    assert (ROOT / command[2]).is_file()
