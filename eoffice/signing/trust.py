"""What signatures are checked against: the trust roots and the revocation information known here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
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
    """The demo CA's own CRL, read from disk: the server need not fetch what it publishes itself.

    Published again (same entries) once half its validity has passed: without fetching, a CRL past
    its next update would leave every certificate of the demo CA with no usable revocation status.
    """
    folder = demo_ca_dir(settings)
    path = folder / authority.CRL_FILE
    if not path.is_file():
        return []
    data = path.read_bytes()
    next_update = x509.load_der_x509_crl(data).next_update_utc
    if next_update is None or next_update - datetime.now(UTC) < authority.CRL_VALIDITY / 2:
        ca = authority.load_authority(folder)
        if ca is not None:
            authority.publish_crl(ca, authority.revoked_serials(ca))
            data = path.read_bytes()
    return [data]


def fetches_revocation(settings: Settings) -> bool:
    """Whether revocation information is fetched over the network.

    Not when the demo CA is the only trust root: every certificate that can validate is then one of
    its own, whose revocation status is all in its CRL on this disk (its OCSP responder answers from
    that same file), and fetching would only ask this server, over HTTP, what the file says (an OCSP
    request, a CRL download and a TLS context per act, to learn nothing new).
    """
    return settings.signing_fetch_revocation and bool(settings.signing_trust_roots)


def validation_context(settings: Settings, *, revocation_mode: str = "hard-fail") -> ValidationContext:
    """A fresh context per act: it caches what it fetched and what it decided about paths."""
    return ValidationContext(
        trust_roots=trust_roots(settings),
        crls=local_crls(settings),
        allow_fetching=fetches_revocation(settings),
        revocation_mode=revocation_mode,
    )
