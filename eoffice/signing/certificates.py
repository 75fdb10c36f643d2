"""An owner's signing certificate: what an administrator uploads, checked before it replaces the old one.

With PKCS#12 files, the upload is the file and its password; the key is kept encrypted either under
EOFFICE_SIGNING_PIN (protection `server`: acts sign without asking) or under the owner's own password
(protection `password`: the signer gives it as `pin` with each act). The password is used to open
the file and is never stored. With a PKCS#11 token, the key stays in the token: the upload is the
certificate, written into the token under the owner's label once the token's key of that label
proves to be the certificate's key.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError, ValidationError

from eoffice.api_base import ApiError, invalid
from eoffice.config import Settings
from eoffice.errors import ErrorCode, ReasonCode
from eoffice.signing import trust
from eoffice.signing.keys import SigningRefused, token_session
from eoffice.signing.threads import off_the_event_loop

PROTECTIONS = ("server", "password")
# A PKCS#12 of a key and its chain is a few kilobytes; a certificate, one or two.
MAX_UPLOAD = 256 * 1024


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def describe(certificate: x509.Certificate) -> dict[str, Any]:
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": f"{certificate.serial_number:x}",
        "valid_from": certificate.not_valid_before_utc.isoformat(),
        "valid_to": certificate.not_valid_after_utc.isoformat(),
    }


def _certificate_path(config: Settings, label: str) -> Path:
    """The certificate of an uploaded PKCS#12, in the clear beside it: listing it needs no password."""
    return config.effective_signing_key_dir / f"{label}.crt.pem"


def current_certificate(config: Settings, label: str) -> x509.Certificate | None:
    """The certificate the key store signs with for this owner, or None when it has none."""
    if config.signing_key_store == "pkcs11":
        with _token_session(config, None) as session:
            return _token_certificate(session, label)
    p12 = config.effective_signing_key_dir / f"{label}.p12"
    if not p12.is_file():
        return None
    if _certificate_path(config, label).is_file():
        return x509.load_pem_x509_certificate(_certificate_path(config, label).read_bytes())
    # Issued here (the demo CA) under the server's PIN.
    with contextlib.suppress(ValueError, TypeError):
        _, certificate, _ = pkcs12.load_key_and_certificates(
            p12.read_bytes(), config.signing_pin.encode() if config.signing_pin else None
        )
        return certificate
    return None


def warning(reason: ReasonCode, message: str) -> dict[str, str]:
    """A warning of an accepted upload: its code for the client's words, its message for the API."""
    return {"code": str(reason), "message": message}


def _check_usable(
    config: Settings, certificate: x509.Certificate, chain: list[x509.Certificate]
) -> list[dict[str, str]]:
    """Refuse (422) a certificate that cannot sign now; what is doubtful but allowed, as warnings."""
    now = datetime.now(UTC)
    if certificate.not_valid_after_utc < now:
        raise invalid(
            "file",
            f"the certificate expired on {certificate.not_valid_after_utc.isoformat()}",
            "files",
            code=ErrorCode.CERTIFICATE_EXPIRED,
        )
    if certificate.not_valid_before_utc > now:
        raise invalid(
            "file",
            f"the certificate is valid from {certificate.not_valid_before_utc.isoformat()}",
            "files",
            code=ErrorCode.CERTIFICATE_NOT_YET_VALID,
        )
    with contextlib.suppress(x509.ExtensionNotFound):
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise invalid(
                "file",
                "the certificate's key usage allows neither digitalSignature nor nonRepudiation",
                "files",
                code=ErrorCode.CERTIFICATE_NOT_FOR_SIGNING,
            )
    problem = _chain_problem(config, certificate, chain)
    return [problem] if problem else []


@off_the_event_loop
def _chain_problem(
    config: Settings, certificate: x509.Certificate, chain: list[x509.Certificate]
) -> dict[str, str] | None:
    validator = CertificateValidator(
        asn1_x509.Certificate.load(_der(certificate)),
        intermediate_certs=[asn1_x509.Certificate.load(_der(c)) for c in chain],
        validation_context=trust.validation_context(config, revocation_mode="soft-fail"),
    )
    try:
        asyncio.run(validator.async_validate_path())
    except RevokedError as exc:
        raise invalid(
            "file", "the certificate is revoked", "files", code=ErrorCode.CERTIFICATE_REVOKED
        ) from exc
    except PathBuildingError:
        return warning(
            ReasonCode.CERTIFICATE_UNTRUSTED,
            "the certificate does not chain to a configured trust root (EOFFICE_SIGNING_TRUST_ROOTS)",
        )
    except (PathValidationError, ValidationError) as exc:
        return warning(
            ReasonCode.CERTIFICATE_CHAIN_INVALID, f"the certificate's chain does not validate: {exc}"
        )
    return None


def _same_key(public_key, certificate: x509.Certificate) -> bool:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _is_pkcs12(content: bytes) -> bool:
    try:
        asn1_pkcs12.Pfx.load(content)["auth_safe"].native  # noqa: B018 - parses it all, or fails
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _write_private(path: Path, content: bytes) -> None:
    """Whole or not at all: written beside the old file, then renamed over it."""
    partial = path.with_name(f"{path.name}.{secrets.token_hex(8)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    partial.replace(path)


def upload_pkcs12(
    config: Settings, label: str, content: bytes, password: str | None, protection: str | None
) -> tuple[x509.Certificate, list[dict[str, str]]]:
    """Check a PKCS#12 and make it the owner's key; the certificate and the warnings."""
    if config.signing_key_store != "pkcs12":
        raise invalid(
            "file",
            "the keys are in a PKCS#11 token here: upload the certificate (PEM or DER)",
            "files",
            reason=ReasonCode.KEYS_IN_TOKEN,
        )
    protection = protection or ("server" if config.signing_pin else "password")
    if protection == "server" and not config.signing_pin:
        raise invalid(
            "protection",
            "no EOFFICE_SIGNING_PIN is configured to protect the key with",
            "form",
            reason=ReasonCode.NO_SERVER_PIN,
        )
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            content, password.encode() if password is not None else None
        )
    except (ValueError, TypeError) as exc:
        if _is_pkcs12(content):
            raise invalid(
                "password",
                "the password does not open this PKCS#12 file",
                "form",
                reason=ReasonCode.WRONG_PASSWORD,
            ) from exc
        raise invalid(
            "file", "not a PKCS#12 (.p12/.pfx) file", "files", reason=ReasonCode.NOT_PKCS12
        ) from exc
    if key is None or certificate is None:
        raise invalid(
            "file",
            "the PKCS#12 file must hold a private key and its certificate",
            "files",
            reason=ReasonCode.PKCS12_INCOMPLETE,
        )
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise invalid(
            "file", "only RSA and EC keys can sign here", "files", reason=ReasonCode.KEY_TYPE_UNSUPPORTED
        )
    if not _same_key(key.public_key(), certificate):
        raise invalid(
            "file",
            "the private key is not the key of the certificate",
            "files",
            reason=ReasonCode.KEY_NOT_OF_CERTIFICATE,
        )
    warnings = _check_usable(config, certificate, chain)
    if protection == "server":
        content = pkcs12.serialize_key_and_certificates(
            None,
            key,
            certificate,
            chain or None,
            serialization.BestAvailableEncryption(config.signing_pin.encode()),
        )
    folder = config.effective_signing_key_dir
    folder.mkdir(parents=True, exist_ok=True)
    # The old certificate's copy goes first: never shown beside a key that is not its own.
    _certificate_path(config, label).unlink(missing_ok=True)
    _write_private(folder / f"{label}.p12", content)
    _write_private(_certificate_path(config, label), certificate.public_bytes(serialization.Encoding.PEM))
    return certificate, warnings


def _load_certificate(content: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in content[:1024]:
            return x509.load_pem_x509_certificate(content)
        return x509.load_der_x509_certificate(content)
    except ValueError as exc:
        raise invalid(
            "file", "not an X.509 certificate (PEM or DER)", "files", reason=ReasonCode.NOT_A_CERTIFICATE
        ) from exc


@contextlib.contextmanager
def _token_session(config: Settings, pin: str | None, *, rw: bool = False) -> Iterator[Any]:
    """keys.token_session, its refusals as the upload's 4xx: a wrong PIN names `pin`."""
    try:
        with token_session(config.signing_pkcs11_module, config.signing_pkcs11_token, pin, rw=rw) as session:
            yield session
    except SigningRefused as exc:
        if exc.code == "signing_pin_invalid":
            raise invalid("pin", exc.message, "form", reason=ReasonCode.WRONG_PIN) from exc
        raise ApiError(409, exc.code, exc.message) from exc


def _token_certificate(session, label: str) -> x509.Certificate | None:
    from pkcs11 import Attribute, ObjectClass

    for found in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}):
        return x509.load_der_x509_certificate(bytes(found[Attribute.VALUE]))
    return None


def _token_key_matches(session, label: str, certificate: x509.Certificate) -> bool:
    """Whether the token's private key labelled `label` is the certificate's key; 409 when it has none."""
    from pkcs11 import Attribute, ObjectClass

    keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: label}))
    if not keys:
        raise ApiError(
            409, "signing_key_missing", f"the token holds no private key labelled {label}", {"owner": label}
        )
    public = certificate.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return any(
            int.from_bytes(bytes(key[Attribute.MODULUS]), "big") == numbers.n
            and int.from_bytes(bytes(key[Attribute.PUBLIC_EXPONENT]), "big") == numbers.e
            for key in keys
        )
    if isinstance(public, ec.EllipticCurvePublicKey):
        point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        published = session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: label})
        # EC_POINT is the point wrapped in a DER OCTET STRING.
        return any(bytes(key[Attribute.EC_POINT]).endswith(point) for key in published)
    return False


def upload_token_certificate(
    config: Settings, label: str, content: bytes, pin: str | None
) -> tuple[x509.Certificate, list[dict[str, str]]]:
    """Check a certificate against the token's key of the owner and write it into the token under the
    owner's label, in place of the one there; the certificate and the warnings."""
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.x509 import decode_x509_certificate

    if config.signing_key_store != "pkcs11":
        raise invalid(
            "file",
            "the keys are PKCS#12 files here: upload the PKCS#12 file with its password",
            "files",
            reason=ReasonCode.KEYS_IN_FILES,
        )
    certificate = _load_certificate(content)
    warnings = _check_usable(config, certificate, [])
    pin = pin if pin is not None else config.signing_pin
    if pin is None:
        raise invalid(
            "pin", "the token's PIN is needed to find the key", "form", reason=ReasonCode.PIN_REQUIRED
        )
    with _token_session(config, pin, rw=True) as session:
        if not _token_key_matches(session, label, certificate):
            raise invalid(
                "file",
                f"the certificate is not for the key labelled {label} in the token",
                "files",
                reason=ReasonCode.CERTIFICATE_NOT_FOR_TOKEN_KEY,
            )
        old = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}))
        template = decode_x509_certificate(_der(certificate))
        template.update({Attribute.TOKEN: True, Attribute.LABEL: label})
        # The new one first: a failure leaves the owner with the old certificate, never with none.
        session.create_object(template)
        for replaced in old:
            replaced.destroy()
    return certificate, warnings
