"""The minutes' notice goes by e-mail to a real SMTP server, with links to the public URL."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_env(smtp_session_server):
    return {
        "EOFFICE_SMTP_HOST": smtp_session_server.host,
        "EOFFICE_SMTP_PORT": str(smtp_session_server.port),
        "EOFFICE_SMTP_FROM": "Văn phòng điện tử <vanthu@quangnam.gov.vn>",
        "EOFFICE_PUBLIC_URL": "https://eoffice.quangnam.gov.vn",
    }
