"""S/MIME signatures of official e-mail: checked with OpenSSL's `cms -verify` (the Python cryptography
package signs S/MIME but does not verify it) against the trust roots of PDF signatures, in a child
process bounded in time with no environment of the server's."""

from __future__ import annotations

import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from asn1crypto import pem
from cryptography import x509
from cryptography.x509.oid import NameOID

from eoffice.runtime import settings
from eoffice.signing.trust import trust_roots

SIGNATURE_TYPES = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
_TIMEOUT = 30


def is_signed(message: EmailMessage) -> bool:
    if message.get_content_type() == "multipart/signed":
        return str(message.get_param("protocol", "")).lower() in SIGNATURE_TYPES
    return (
        message.get_content_type() in ("application/pkcs7-mime", "application/x-pkcs7-mime")
        and str(message.get_param("smime-type", "")).lower() == "signed-data"
    )


def verify(raw: bytes) -> dict[str, Any]:
    """What the trace shows of the signature: valid (the content is what was signed), trusted (the
    signer's certificate leads to a trusted root), the signer, and why not when it is not."""
    with tempfile.TemporaryDirectory(prefix="eoffice-smime-") as folder:
        work = Path(folder)
        message, roots, signer = work / "message.eml", work / "roots.pem", work / "signer.pem"
        message.write_bytes(raw)
        roots.write_bytes(b"".join(pem.armor("CERTIFICATE", root.dump()) for root in trust_roots(settings())))
        trusted = (
            _openssl(message, signer, ["-CAfile", str(roots), "-purpose", "any"])
            if roots.stat().st_size
            else None
        )
        if trusted is not None and trusted.returncode == 0:
            return {"valid": True, "trusted": True, **_signer(signer)}
        # Not trusted, or not valid at all: the signature alone (is the content what was signed?).
        intact = _openssl(message, signer, ["-noverify"])
        if intact.returncode != 0:
            return {"valid": False, "trusted": False, "reason": _reason(intact)}
        reason = (
            _reason(trusted) if trusted is not None else "no trusted certification authority is configured"
        )
        return {"valid": True, "trusted": False, "reason": reason, **_signer(signer)}


def _openssl(message: Path, signer: Path, options: list[str]) -> subprocess.CompletedProcess:
    command = ["openssl", "cms", "-verify", "-inform", "SMIME", "-in", str(message), "-signer", str(signer)]
    try:
        return subprocess.run(
            [*command, *options, "-out", "/dev/null"],
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
