"""S/MIME signatures of official e-mail: checked with OpenSSL's `cms -verify` (the Python cryptography
package signs S/MIME but does not verify it) against the trust roots of PDF signatures, in a child
process bounded in time with no environment of the server's. An opaque-signed message (its content inside
the signature, application/pkcs7-mime) gives its content back from the same call. The signer's certificate
is then checked for revocation as PDF signers' are (eoffice.signing.trust: the configured CRLs and the
demo CA's, fetched ones when allowed): good only when it was actually checked.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)

from eoffice.runtime import settings
from eoffice.signing.threads import off_the_event_loop
from eoffice.signing.trust import trust_roots, validation_context

log = logging.getLogger(__name__)

SIGNATURE_TYPES = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
_TIMEOUT = 30


def is_signed(message: EmailMessage) -> bool:
    if message.get_content_type() == "multipart/signed":
        return str(message.get_param("protocol", "")).lower() in SIGNATURE_TYPES
    return is_opaque(message)


def is_opaque(message: EmailMessage) -> bool:
    """Signed with the content inside the signature: no client without S/MIME can read it."""
    return (
        message.get_content_type() in ("application/pkcs7-mime", "application/x-pkcs7-mime")
        and str(message.get_param("smime-type", "")).lower() == "signed-data"
    )


def verify(raw: bytes) -> tuple[dict[str, Any], bytes | None]:
    """What the trace shows of the signature: valid (the content is what was signed), trusted (the
    signer's certificate leads to a trusted root and is not known to be revoked), revocation (good,
    revoked or unknown), the signer, and why not when it is not; and the signed content (the MIME entity
    inside an opaque signature; None for a detached one, whose content is the message's own part)."""
    with tempfile.TemporaryDirectory(prefix="eoffice-smime-") as folder:
        work = Path(folder)
        message, roots, signer = work / "message.eml", work / "roots.pem", work / "signer.pem"
        content, certificates = work / "content.eml", work / "certificates.pem"
        message.write_bytes(raw)
        roots.write_bytes(b"".join(pem.armor("CERTIFICATE", root.dump()) for root in trust_roots(settings())))
        outputs = ["-out", str(content), "-certsout", str(certificates)]
        result = _checked(message, signer, roots, outputs)
        if result["valid"]:
            result["revocation"] = revocation_of(signer, certificates)
            if result["revocation"] == "revoked":
                result["trusted"], result["reason"] = False, "the signer's certificate has been revoked"
        else:
            # The content is still the clerk's to read, shown as not valid: taken without the check.
            _openssl(message, signer, ["-noverify", "-nosigs", "-out", str(content)])
        return result, _read(content)


def _checked(message: Path, signer: Path, roots: Path, outputs: list[str]) -> dict[str, Any]:
    trusted = (
        _openssl(message, signer, ["-CAfile", str(roots), "-purpose", "any", *outputs])
        if roots.stat().st_size
        else None
    )
    if trusted is not None and trusted.returncode == 0:
        return {"valid": True, "trusted": True, **_signer(signer)}
    # Not trusted, or not valid at all: the signature alone (is the content what was signed?).
    intact = _openssl(message, signer, ["-noverify", *outputs])
    if intact.returncode != 0:
        return {"valid": False, "trusted": False, "revocation": "unknown", "reason": _reason(intact)}
    reason = _reason(trusted) if trusted is not None else "no trusted certification authority is configured"
    return {"valid": True, "trusted": False, "reason": reason, **_signer(signer)}


@off_the_event_loop
def _validate(validator: CertificateValidator) -> None:
    # pyHanko's validation runs an asyncio loop of its own: not in a thread that already runs one.
    asyncio.run(validator.async_validate_usage(set()))


def revocation_of(signer: Path, certificates: Path) -> str:
    """good (checked: not revoked), revoked, or unknown (no revocation information could be had, or no
    trusted path to check it along). "require": a certificate naming no CRL nor OCSP responder is not
    taken as good, as "hard-fail" would."""
    if not signer.exists() or not signer.stat().st_size:
        return "unknown"
    try:
        end_entity = asn1_x509.Certificate.load(pem.unarmor(signer.read_bytes())[2])
        others = (
            [
                asn1_x509.Certificate.load(der)
                for _, _, der in pem.unarmor(certificates.read_bytes(), multiple=True)
            ]
            if certificates.exists()
            else []
        )
        validator = CertificateValidator(
            end_entity,
            intermediate_certs=others,
            validation_context=validation_context(settings(), revocation_mode="require"),
        )
        _validate(validator)
    except RevokedError:
        return "revoked"
    except (InsufficientRevinfoError, PathBuildingError):
        return "unknown"
    except (ValidationError, ValueError, OSError) as exc:
        log.info("S/MIME signer's revocation not checked: %s", exc)
        return "unknown"
    return "good"


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() and path.stat().st_size else None


def _openssl(message: Path, signer: Path, options: list[str]) -> subprocess.CompletedProcess:
    command = ["openssl", "cms", "-verify", "-inform", "SMIME", "-in", str(message), "-signer", str(signer)]
    if "-out" not in options:
        options = [*options, "-out", "/dev/null"]
    try:
        return subprocess.run(
            [*command, *options],
            capture_output=True,
            timeout=_TIMEOUT,
            env={"PATH": "/usr/bin:/bin"},
            cwd=message.parent,
        )
    except FileNotFoundError:
        return subprocess.CompletedProcess(command, 127, b"", b"openssl is not installed on this server")
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 124, b"", f"not verified within {_TIMEOUT} s".encode())


# OpenSSL's words for the usual outcomes, as a clerk can read them.
_KNOWN = (
    ("content verify error", "the message was changed after it was signed"),
    ("unable to get local issuer certificate", "the signer's certificate is not from a trusted authority"),
    ("self-signed certificate", "the signer's certificate is self-signed, not from a trusted authority"),
    ("certificate has expired", "the signer's certificate has expired"),
    ("no content type", "the signature cannot be read"),
)


def _reason(result: subprocess.CompletedProcess) -> str:
    output = result.stderr.decode("utf-8", "replace")
    for marker, words in _KNOWN:
        if marker in output:
            return words
    lines = [line for line in output.splitlines() if line.strip()]
    return " ".join(lines[-2:])[:500] or f"openssl failed (exit status {result.returncode})"


def _signer(path: Path) -> dict[str, Any]:
    if not path.exists() or not path.stat().st_size:
        return {}
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {
        "signer": names[0].value if names else certificate.subject.rfc4514_string(),
        "signer_subject": certificate.subject.rfc4514_string(),
        "signer_serial": format(certificate.serial_number, "x"),
    }
