"""Signing without an application: settings of a test instance holding a copy of the session's CA."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from eoffice.config import Settings
from eoffice.signing import authority, trust
from eoffice.signing.keys import Pkcs12KeyStore
from tests.conftest import make_settings
from tests.fixtures.signing import install_authority, shared_key

SIGNER = "person-lanhdao"
AGENCY = "agency-000.00.00.H49"


class Instance:
    """A test instance: its settings, its CA, and keys issued on demand."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.ca = authority.load_authority(trust.demo_ca_dir(settings))
        self.keys = Pkcs12KeyStore(settings.effective_signing_key_dir, settings.signing_pin)

    def issue(self, label: str, common_name: str, organization: str, **options):
        key, certificate = authority.issue_certificate(
            self.ca,
            common_name=common_name,
            organization=organization,
            public_url="http://127.0.0.1:9",
            key=shared_key(),
            **options,
        )
        folder = self.settings.effective_signing_key_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{label}.p12").write_bytes(
            authority.pkcs12_bytes(key, certificate, self.ca, self.settings.signing_pin)
        )
        return certificate

    def certificate(self, label: str) -> x509.Certificate:
        """The certificate of a key in the store, as the cryptography package reads it."""
        with self.keys.open_signer(label, None) as key:
            return x509.load_der_x509_certificate(key.signing_cert.dump())

    def context(self):
        return trust.validation_context(self.settings)


@pytest.fixture
def instance(tmp_path: Path, signing_authority_dir: Path) -> Instance:
    install_authority(signing_authority_dir, tmp_path / "instance")
    settings = make_settings(tmp_path / "instance").resolve_secrets()
    made = Instance(settings)
    made.issue(SIGNER, "Trần Văn Minh", "Ủy ban nhân dân tỉnh Quảng Nam")
    made.issue(AGENCY, "Ủy ban nhân dân tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam")
    return made


def now() -> datetime:
    return datetime.now(UTC)
