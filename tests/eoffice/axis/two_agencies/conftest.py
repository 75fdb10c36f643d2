"""The mock axis and the two agencies' servers, started on demand with the axis's fault settings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.eoffice.axis.two_agencies.helpers import A_ID, A_NAME, B_ID, B_NAME, FAST, Agencies
from tests.fixtures.agency_server import AgencyServer


@pytest.fixture
def two_agencies(tmp_path, sqlite_template, axis_factory) -> Callable[..., Agencies]:
    """start(**axis_settings): the mock axis and the two agencies' servers, each connected to it."""
    started: list[AgencyServer] = []

    def start(**axis_settings) -> Agencies:
        axis = axis_factory(**axis_settings)
        servers = Agencies(
            AgencyServer(tmp_path / "a", A_ID, A_NAME, "UBND", settings=dict(FAST)),
            AgencyServer(tmp_path / "b", B_ID, B_NAME, "SNV", settings=dict(FAST)),
            axis,
        )
        for server in servers:
            server.seed(f"sqlite:///{server.workdir / 'eoffice.db'}", template=sqlite_template)
        servers.a.trust(servers.b)
        servers.b.trust(servers.a)
        admin = axis.api()
        for server in servers:
            system = admin.register_system(
                f"Văn phòng điện tử {server.agency_name}",
                [(server.agency_id, server.agency_name)],
                server.certificate_pem,
            )
            started.append(server.start(axis.url, system))
        return servers

    yield start
    for server in started:
        server.stop()
