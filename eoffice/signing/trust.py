"""What signatures are checked against: the trust roots and the revocation information known here."""

from __future__ import annotations

from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import ValidationContext

from eoffice.config import Settings
from eoffice.signing import authority


def demo_ca_dir(settings: Settings) -> Path:
    return settings.signing_dir / "ca"


def _certificates_in(path: Path) -> list[asn1_x509.Certificate]:
    data = path.read_bytes()
    if not pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)]


def trust_roots(settings: Settings) -> list[asn1_x509.Certificate]:
    """The configured PEM files, or the demo CA when none are configured and it exists."""
    if settings.signing_trust_roots:
        paths = [Path(item.strip()) for item in settings.signing_trust_roots.split(",") if item.strip()]
    else:
        paths = [demo_ca_dir(settings) / authority.CA_CERTIFICATE]
    return [certificate for path in paths if path.is_file() for certificate in _certificates_in(path)]


def local_crls(settings: Settings) -> list[bytes]:
    """The demo CA's own CRL, read from disk: the server need not fetch what it publishes itself."""
    path = demo_ca_dir(settings) / authority.CRL_FILE
    return [path.read_bytes()] if path.is_file() else []


def validation_context(settings: Settings, *, revocation_mode: str = "hard-fail") -> ValidationContext:
    """A fresh context per act: it caches what it fetched and what it decided about paths."""
    return ValidationContext(
        trust_roots=trust_roots(settings),
        crls=local_crls(settings),
        allow_fetching=settings.signing_fetch_revocation,
        revocation_mode=revocation_mode,
    )
