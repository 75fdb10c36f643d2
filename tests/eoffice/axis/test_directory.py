"""The directory of agencies: kept from the axis's list, searched by name without accents or by identifier."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eoffice.accounts.models import DirectoryAgency
from eoffice.axis.client import TemporaryFailure
from eoffice.axis.connector import Connector
from eoffice.axis.directory import sync_agencies
from eoffice.axis.tasks import refresh_directory
from eoffice.extensions import db
from eoffice.runtime import settings
from tests.eoffice.axis.conftest import SENDER, unreachable_connector
from tests.fixtures.edxml import make_identity

DA_NANG = [
    ("000.00.00.H17", "Ủy ban nhân dân thành phố Đà Nẵng"),
    ("000.00.05.H17", "Sở Nội vụ thành phố Đà Nẵng", "000.00.00.H17"),
    ("000.00.12.H17", "Sở Tài chính thành phố Đà Nẵng", "000.00.00.H17"),
]


@pytest.fixture
def connector(app, axis_server, key_dir):
    api = axis_server.api()
    ours = api.register_system(
        "Văn phòng điện tử Quảng Nam",
        [(SENDER, "Ủy ban nhân dân tỉnh Quảng Nam")],
        (key_dir / f"{SENDER}.crt.pem").read_text(),
    )
    api.register_system("Văn phòng điện tử Đà Nẵng", DA_NANG, make_identity().certificate_pem)
    connector = Connector(
        settings().replace(
            axis_url=axis_server.url,
            axis_systems={SENDER: (ours.system_id, ours.secret)},
            axis_key_dir=str(key_dir),
            axis_timeout=10.0,
        )
    )
    yield connector
    connector.close()


def search(client, headers, q: str) -> list[tuple[str, str, bool]]:
    response = client.get("/api/v1/directory/agencies", query_string={"q": q}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [(row["id"], row["name"], row["hosted"]) for row in response.get_json()]


def test_the_axis_list_of_agencies_is_kept_and_found_without_accents(client, people, as_user, connector):
    headers = as_user(people.clerk)
    # Before the first refresh only the agencies hosted here are known.
    assert search(client, headers, "so noi vu") == [("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam", True)]

    assert sync_agencies(connector) == 4
    db.session.commit()
    rows = {row.id: (row.name, row.parent_id) for row in db.session.scalars(select(DirectoryAgency))}
    assert rows == {
        SENDER: ("Ủy ban nhân dân tỉnh Quảng Nam", None),
        "000.00.00.H17": ("Ủy ban nhân dân thành phố Đà Nẵng", None),
        "000.00.05.H17": ("Sở Nội vụ thành phố Đà Nẵng", "000.00.00.H17"),
        "000.00.12.H17": ("Sở Tài chính thành phố Đà Nẵng", "000.00.00.H17"),
    }

    found = search(client, headers, "so noi vu")
    assert ("000.00.05.H17", "Sở Nội vụ thành phố Đà Nẵng", False) in found
    assert ("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam", True) in found
    assert all("Sở Nội vụ" in name for _, name, _ in found)
    assert search(client, headers, "SỞ NỘI VỤ đà nẵng") == [
        ("000.00.05.H17", "Sở Nội vụ thành phố Đà Nẵng", False)
    ]
    assert search(client, headers, "000.00.12.H17") == [
        ("000.00.12.H17", "Sở Tài chính thành phố Đà Nẵng", False)
    ]
    assert [row[0] for row in search(client, headers, "H17")] == [
        "000.00.05.H17",
        "000.00.12.H17",
        "000.00.00.H17",
    ]
    assert search(client, headers, "bo quoc phong") == []
    assert search(client, headers, "!!!") == []  # no word to look for, and no identifier holds it
    # Our own agency is listed by the axis too, once, as hosted here.
    assert search(client, headers, "uy ban nhan dan tinh quang nam") == [
        (SENDER, "Ủy ban nhân dân tỉnh Quảng Nam", True)
    ]


def test_an_unreachable_axis_leaves_the_directory_as_it_was(app, connector, key_dir):
    sync_agencies(connector)
    db.session.commit()
    for offline in unreachable_connector(key_dir):
        with pytest.raises(TemporaryFailure):
            sync_agencies(offline)
        db.session.rollback()
        refresh_directory(offline)
    assert len(db.session.scalars(select(DirectoryAgency)).all()) == 4


def test_the_directory_search_is_validated(client, people, as_user):
    response = client.get(
        "/api/v1/directory/agencies", query_string={"limit": 0}, headers=as_user(people.clerk)
    )
    assert response.status_code == 422
    assert "limit" in response.get_json()["error"]["message"]
