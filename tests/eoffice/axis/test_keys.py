"""Operator commands of the axis: the agencies' signing keys (never replaced by accident), the worker."""

from __future__ import annotations

import stat

from cryptography import x509

from eoffice.axis.keys import load_identity
from eoffice.runtime import settings


def test_axis_keygen_writes_a_private_key_and_a_certificate_naming_the_agency(app, agency):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["axis-keygen", "--agency-id", agency.id])

    assert result.exit_code == 0, result.output
    folder = settings().effective_axis_key_dir
    identity = load_identity(folder, agency.id)
    certificate = x509.load_pem_x509_certificate(identity.certificate_pem.encode())
    assert agency.id in certificate.subject.rfc4514_string()
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == agency.name
    assert stat.S_IMODE((folder / f"{agency.id}.key.pem").stat().st_mode) == 0o600

    again = runner.invoke(args=["axis-keygen", "--agency-id", agency.id])

    assert again.exit_code != 0 and "exists already" in again.output
    assert load_identity(folder, agency.id) == identity


def test_axis_keygen_refuses_an_unknown_agency(app):
    result = app.test_cli_runner().invoke(args=["axis-keygen", "--agency-id", "000.00.99.H49"])

    assert result.exit_code != 0 and "no agency 000.00.99.H49" in result.output
    assert not (settings().effective_axis_key_dir / "000.00.99.H49.key.pem").exists()


def test_axis_worker_refuses_to_start_without_an_axis(app):
    result = app.test_cli_runner().invoke(args=["axis-worker", "--exit-when-idle"])

    assert result.exit_code != 0
    assert "set EOFFICE_AXIS_URL and EOFFICE_AXIS_SYSTEMS" in result.output
