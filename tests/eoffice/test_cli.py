"""Operator commands: create-admin, load-demo and settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from eoffice import demo
from eoffice.accounts.models import Agency, Unit, User
from eoffice.config import documented_settings
from eoffice.extensions import db

ROOT = Path(__file__).resolve().parents[2]
AGENCY_ID = "000.00.00.H49"
ADMIN_PASSWORD = "Quản-trị-2026"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, password: str | None = None):
        return runner.invoke(args=list(args), input=None if password is None else password + "\n")

    return invoke


def create_admin_args(username: str = "quantri", agency_id: str = AGENCY_ID, *extra: str) -> list[str]:
    return [
        "create-admin",
        "--agency-id",
        agency_id,
        "--agency-name",
        "Ủy ban nhân dân tỉnh Quảng Nam",
        "--username",
        username,
        "--password-stdin",
        *extra,
    ]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def login_status(client, username: str, password: str) -> int:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_create_admin_creates_the_missing_agency_and_an_admin_who_can_log_in(cli, client):
    result = cli(*create_admin_args(), "--full-name", "Quản trị hệ thống", password=ADMIN_PASSWORD)

    assert result.exit_code == 0, result.output
    assert "created admin quantri" in result.output
    agency = db.session.get(Agency, AGENCY_ID)
    assert agency.name == "Ủy ban nhân dân tỉnh Quảng Nam"
    user = db.session.scalar(select(User).where(User.username == "quantri"))
    assert user.roles == ["admin"]
    assert user.agency_id == AGENCY_ID
    assert user.full_name == "Quản trị hệ thống"
    assert user.is_platform_admin is False
    assert login_status(client, "quantri", ADMIN_PASSWORD) == 200
    assert login_status(client, "quantri", ADMIN_PASSWORD + "x") == 401


def test_create_admin_uses_an_existing_agency(cli, agency):
    result = cli(*create_admin_args(), password=ADMIN_PASSWORD)

    assert result.exit_code == 0, result.output
    assert count(Agency) == 1
    assert db.session.get(Agency, AGENCY_ID).units[0].name == "Văn phòng"
    assert db.session.scalar(select(User.agency_id).where(User.username == "quantri")) == AGENCY_ID


def test_create_admin_refuses_a_username_that_is_taken(cli, client):
    assert cli(*create_admin_args(), password=ADMIN_PASSWORD).exit_code == 0

    again = cli(*create_admin_args(), password="Mật-khẩu-khác-2026")
    differently_cased = cli(*create_admin_args("QuanTri"), password="Mật-khẩu-khác-2026")

    for result in (again, differently_cased):
        assert result.exit_code != 0
        assert "quantri" in result.output and "taken" in result.output
    assert count(User) == 1
    assert login_status(client, "quantri", ADMIN_PASSWORD) == 200


def test_create_admin_refuses_a_malformed_agency_id_and_creates_nothing(cli):
    result = cli(*create_admin_args(agency_id="H49"), password=ADMIN_PASSWORD)

    assert result.exit_code != 0
    assert "agency identifier" in result.output
    assert count(Agency) == 0
    assert count(User) == 0


def test_create_admin_refuses_a_short_password_and_creates_nothing(cli):
    result = cli(*create_admin_args(), password="short")

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert count(Agency) == 0
    assert count(User) == 0


def test_create_admin_refuses_an_empty_standard_input(cli):
    result = cli(*create_admin_args())

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert count(User) == 0


def test_create_admin_with_platform_admin_flag_makes_a_platform_admin(cli):
    result = cli(*create_admin_args("root", AGENCY_ID, "--platform-admin"), password=ADMIN_PASSWORD)

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "root"))
    assert user.is_platform_admin is True
    assert user.roles == ["admin"]


def test_load_demo_creates_the_demo_agencies_units_and_users(cli):
    result = cli("load-demo")

    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output
    agencies = {agency.id: agency for agency in db.session.scalars(select(Agency))}
    assert set(agencies) == {spec["id"] for spec in demo.AGENCIES}
    for spec in demo.AGENCIES:
        assert agencies[spec["id"]].name == spec["name"]
        assert agencies[spec["id"]].parent_id == spec["parent_id"]
        assert [(unit.name, unit.abbreviation) for unit in agencies[spec["id"]].units] == spec["units"]
    users = {user.username: user for user in db.session.scalars(select(User))}
    assert set(users) == {spec[0] for spec in demo.USERS}
    for username, full_name, agency_id, unit, roles, platform_admin in demo.USERS:
        user = users[username]
        assert (user.full_name, user.agency_id, user.roles, user.is_platform_admin) == (
            full_name,
            agency_id,
            roles,
            platform_admin,
        )
        assert (user.unit.abbreviation if user.unit else None) == unit


def test_every_demo_user_logs_in_with_the_demo_password(cli, client):
    assert cli("load-demo").exit_code == 0

    logged_in_roles = set()
    for username, *_, roles, _platform_admin in demo.USERS:
        assert login_status(client, username, demo.DEMO_PASSWORD) == 200, username
        logged_in_roles.update(roles)
    assert logged_in_roles == {"admin", "clerk", "leader", "specialist", "archivist"}


def test_load_demo_a_second_time_changes_nothing(cli):
    assert cli("load-demo").exit_code == 0
    before = (count(Agency), count(Unit), count(User))

    result = cli("load-demo")

    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    assert (count(Agency), count(Unit), count(User)) == before


def test_settings_lists_every_variable_with_its_default(cli):
    result = cli("settings")

    assert result.exit_code == 0, result.output
    assignments = (line.split("\t", 1)[0] for line in result.output.splitlines())
    listed = dict(assignment.split("=", 1) for assignment in assignments)
    documented = documented_settings()
    assert set(listed) == {name for name, _default, _doc in documented}
    assert listed["EOFFICE_PORT"] == "8000"
    assert listed["EOFFICE_DATABASE_URL"] == ""
    assert all(doc for _name, _default, doc in documented)


def test_create_admin_through_the_flask_command_reads_the_password_from_a_pipe(tmp_path):
    environ = {name: value for name, value in os.environ.items() if not name.startswith("EOFFICE_")}
    environ.update(EOFFICE_INSTANCE_PATH=str(tmp_path / "instance"), EOFFICE_LOG_LEVEL="WARNING")
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *create_admin_args()]

    result = subprocess.run(
        command,
        cwd=ROOT,
        env=environ,
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'instance' / 'eoffice.db'}")
    try:
        with engine.connect() as connection:
            usernames = connection.scalars(sa.text("SELECT username FROM users")).all()
    finally:
        engine.dispose()
    assert usernames == ["quantri"]
