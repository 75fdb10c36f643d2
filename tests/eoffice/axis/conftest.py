"""Signing identities of two agencies, made once per run (RSA key generation is slow)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from eoffice.axis.connector import Connector
from eoffice.axis.keys import Identity, generate_identity
from eoffice.axis.notices import StatusNotice
from eoffice.axis.package import Organ
from eoffice.runtime import settings

SENDER, RECIPIENT = "000.00.00.H49", "000.00.01.H49"


def a_notice(**changes) -> StatusNotice:
    """A status notice of the recipient's clerk about the sender's 05/QĐ-UBND; changes override fields."""
    fields = dict(
        sender=Organ(RECIPIENT, "Sở Nội vụ tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam"),
        addressee_id=SENDER,
        code="05/QĐ-UBND",
        promulgation_date=date(2026, 11, 20),
        document_id=f"{SENDER},2026/11/20,05/QĐ-UBND",
        status_code="03",
        description="Đã vào sổ văn bản đến số 125",
        timestamp=datetime(2026, 11, 20, 3, 2, 11, tzinfo=UTC),
        staff_department="Văn phòng Sở",
        staff_name="Võ Thị Lan",
    )
    return StatusNotice(**(fields | changes))


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("axis-keys")
    generate_identity(folder, SENDER, "Ủy ban nhân dân tỉnh Quảng Nam")
    generate_identity(folder, RECIPIENT, "Sở Nội vụ tỉnh Quảng Nam")
    return folder


@pytest.fixture(scope="session")
def sender_identity(key_dir) -> Identity:
    from eoffice.axis.keys import load_identity

    return load_identity(key_dir, SENDER)


@pytest.fixture(scope="session")
def stranger_identity(tmp_path_factory) -> Identity:
    """A key nobody registered: what a forger would sign with."""
    return generate_identity(tmp_path_factory.mktemp("stranger"), SENDER, "Giả mạo")


# The small province of the document tests: an agency with its people, another one beside it.
def unreachable_connector(key_dir: Path, **changes) -> Iterator[Connector]:
    """A connector of both agencies whose axis is unreachable (nothing listens on port 9): every call
    to it fails at once, and a test hands packages to the intake itself."""
    connector = Connector(
        settings().replace(
            axis_url="http://127.0.0.1:9",
            axis_systems={SENDER: ("system-a", "secret-a"), RECIPIENT: ("system-b", "secret-b")},
            axis_key_dir=str(key_dir),
            **changes,
        )
    )
    yield connector
    connector.close()


@pytest.fixture
def connector(app, axis_server, key_dir):
    """A connector of both agencies, each its own system on a fresh mock axis (a real HTTP server)."""
    api = axis_server.api()
    systems = {
        agency_id: api.register_system(f"Văn phòng điện tử {agency_id}", [(agency_id, name)], certificate)
        for agency_id, name, certificate in [
            (SENDER, "Ủy ban nhân dân tỉnh Quảng Nam", (key_dir / f"{SENDER}.crt.pem").read_text()),
            (RECIPIENT, "Sở Nội vụ tỉnh Quảng Nam", (key_dir / f"{RECIPIENT}.crt.pem").read_text()),
        ]
    }
    connector = Connector(
        settings().replace(
            axis_url=axis_server.url,
            axis_systems={agency: (s.system_id, s.secret) for agency, s in systems.items()},
            axis_key_dir=str(key_dir),
            axis_timeout=10.0,
            axis_retry_base_seconds=0.0,
        )
    )
    yield connector
    connector.close()


from tests.eoffice.documents.conftest import as_user, people  # noqa: E402, F401
