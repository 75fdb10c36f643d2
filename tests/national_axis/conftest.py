"""Mock axis fixtures: its app on SQLite and PostgreSQL, two connected systems with their keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from national_axis import create_app
from national_axis.config import Settings
from national_axis.models import Base
from tests.conftest import service_missing
from tests.fixtures.axis import AxisApi, AxisSystem, Reply, SystemSession, unique_organ_id
from tests.fixtures.edxml import SigningIdentity, make_identity

ADMIN_TOKEN = "axis-admin-token-for-tests"


class FlaskTransport:
    """The AxisApi transport over a Flask test client: the same calls, without a socket."""

    def __init__(self, client):
        self.client = client

    def __call__(self, method: str, path: str, *, json=None, data=None, headers=None) -> Reply:
        response = self.client.open(path, method=method, json=json, data=data, headers=headers)
        return Reply(response.status_code, response.get_data(), response.headers)


@pytest.fixture(scope="session")
def axis_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of the axis's own for this run, dropped at the end."""
    server_url = os.environ.get("EOFFICE_TEST_DATABASE_URL")
    if not server_url:
        service_missing("PostgreSQL not configured: set EOFFICE_TEST_DATABASE_URL")
    name = f"axis_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        service_missing(f"PostgreSQL unreachable at {server_url}: {exc.orig}")
    yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_axis_tables(url: str) -> None:
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def axis_database_url(request, tmp_path) -> Iterator[str]:
    """Each test using it runs on the embedded SQLite default and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'axis.db'}"
        return
    url = request.getfixturevalue("axis_postgres_url")
    yield url
    empty_axis_tables(url)


@pytest.fixture
def axis_settings() -> dict:
    """Extra Settings fields for `axis_app`; override in a test module to change them."""
    return {}


@pytest.fixture
def axis_app(axis_database_url, axis_settings):
    settings = Settings(
        database_url=axis_database_url,
        admin_token=ADMIN_TOKEN,
        secret_key="axis-token-key-" + "k" * 40,
        **axis_settings,
    )
    app = create_app(settings)
    app.testing = True
    yield app
    app.extensions["national_axis"]["engine"].dispose()


@pytest.fixture
def axis_api(axis_app) -> AxisApi:
    return AxisApi(FlaskTransport(axis_app.test_client()), ADMIN_TOKEN)


@pytest.fixture(scope="session")
def identities() -> list[SigningIdentity]:
    """Three keys made once per run: A's, B's, and one nobody registered."""
    return [make_identity("Hệ thống A"), make_identity("Hệ thống B"), make_identity("Kẻ mạo danh")]


@dataclass
class Party:
    """A connected system of a test: its key, its agencies, and a session calling as it."""

    identity: SigningIdentity
    system: AxisSystem
    session: SystemSession

    @property
    def agency(self) -> str:
        return self.system.agency_ids[0]

    @property
    def agencies(self) -> tuple[str, ...]:
        return self.system.agency_ids


def register_party(api: AxisApi, identity: SigningIdentity, name: str, province: str) -> Party:
    top = unique_organ_id(province)
    department = unique_organ_id(province)
    system = api.register_system(
        name,
        [(top, f"Ủy ban nhân dân {name}"), (department, f"Sở Nội vụ {name}", top)],
        identity.certificate_pem,
    )
    return Party(identity, system, api.connect(system))


@pytest.fixture
def party_a(axis_api, identities) -> Party:
    return register_party(axis_api, identities[0], "tỉnh Mẫu A", "H97")


@pytest.fixture
def party_b(axis_api, identities) -> Party:
    return register_party(axis_api, identities[1], "tỉnh Mẫu B", "H49")


def read_sample() -> bytes:
    """The fictional unsigned package of ../shared/samples, copied into the repository."""
    return (
        Path(__file__).resolve().parents[1] / "fixtures" / "data" / "edxml-cong-van-unsigned.xml"
    ).read_bytes()
