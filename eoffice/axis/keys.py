"""The agencies' signing keys and certificates, kept as PEM files in one folder.

`<agency id>.key.pem` with `<agency id>.crt.pem` is a hosted agency's identity; a certificate
without a key belongs to another agency and is trusted to verify the packages it signs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from eoffice.signing.authority import key_usage

KEY_SUFFIX = ".key.pem"
CERTIFICATE_SUFFIX = ".crt.pem"


class MissingKey(Exception):
    """A hosted agency has no signing key or certificate in the key folder."""


@dataclass(frozen=True)
class Identity:
    """What an agency signs with: its private key and the certificate that goes into KeyInfo."""

    agency_id: str
    key_pem: bytes
    certificate_pem: str


def key_path(folder: Path, agency_id: str) -> Path:
    return folder / f"{agency_id}{KEY_SUFFIX}"


def certificate_path(folder: Path, agency_id: str) -> Path:
    return folder / f"{agency_id}{CERTIFICATE_SUFFIX}"


def load_identity(folder: Path, agency_id: str) -> Identity:
    key, certificate = key_path(folder, agency_id), certificate_path(folder, agency_id)
    missing = [str(path) for path in (key, certificate) if not path.is_file()]
    if missing:
        raise MissingKey(
            f"agency {agency_id} cannot sign: {', '.join(missing)} missing "
            f"(flask --app wsgi axis-keygen --agency-id {agency_id})"
        )
    return Identity(agency_id, key.read_bytes(), certificate.read_text())


def trusted_certificate(folder: Path, agency_id: str) -> str | None:
    """The certificate known here for an agency, if any (ours or one placed for another agency)."""
    path = certificate_path(folder, agency_id)
    return path.read_text() if path.is_file() else None


def generate_identity(folder: Path, agency_id: str, agency_name: str, *, days: int = 3 * 365) -> Identity:
    """A new RSA-2048 key and a self-signed certificate naming the agency; refuses to overwrite a key."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, agency_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency_id),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(certifies=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    # O_EXCL: an existing key is never replaced by accident (its certificate is registered with the axis).
    fd = os.open(key_path(folder, agency_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    certificate_path(folder, agency_id).write_text(certificate_pem)
    return Identity(agency_id, key_pem, certificate_pem)
