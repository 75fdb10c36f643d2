"""The demo certification authority ("CA chuyên dùng thử nghiệm"): certificates and a CRL, in one folder.

`make run` creates it under instance/signing/ca and issues a personal certificate to each demo
leader and a seal certificate to each demo agency, as PKCS#12 files in the key folder. It stands
in for the Government's specialised CA: an operator with real certificates installs that CA's
root as a trust root instead, and never runs this.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

CA_NAME = "CA chuyên dùng thử nghiệm"
CA_CERTIFICATE = "ca.crt.pem"
CA_KEY = "ca.key.pem"
CRL_FILE = "ca.crl"
# Serial numbers of every certificate issued here, one per line (hex): OCSP answers "unknown" otherwise.
ISSUED_FILE = "issued.txt"
# Where the server publishes the CRL and answers OCSP (eoffice/signing/api.py); certificates name both.
CRL_PATH = "/api/v1/signatures/ca.crl"
OCSP_PATH = "/api/v1/signatures/ocsp"
TSA_PATH = "/api/v1/signatures/tsa"
# The demo time-stamp authority's key and certificate (PEM, one file), made by the CA on first use.
TSA_FILE = "tsa.pem"
OCSP_VALIDITY = timedelta(hours=1)
CRL_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class Authority:
    folder: Path
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def crl_path(self) -> Path:
        return self.folder / CRL_FILE


def key_usage(*, certifies: bool) -> x509.KeyUsage:
    """A signing key's: signatures with non-repudiation; a CA's: certificates and CRLs, nothing else."""
    return x509.KeyUsage(
        digital_signature=not certifies,
        content_commitment=not certifies,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certifies,
        crl_sign=certifies,
        encipher_only=False,
        decipher_only=False,
    )


def _write_private(path: Path, content: bytes) -> None:
    # O_EXCL: a CA key is never replaced by accident; every certificate it issued depends on it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def create_authority(folder: Path, *, days: int = 10 * 365) -> Authority:
    """A self-signed root with an empty CRL; refuses to overwrite an existing one."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Văn phòng điện tử (thử nghiệm)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(certifies=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        folder / CA_KEY,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    (folder / CA_CERTIFICATE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    authority = Authority(folder, key, certificate)
    publish_crl(authority, [])
    return authority


def load_authority(folder: Path) -> Authority | None:
    if not (folder / CA_KEY).is_file():
        return None
    key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate((folder / CA_CERTIFICATE).read_bytes())
    return Authority(folder, key, certificate)


def issue_certificate(
    authority: Authority,
    *,
    common_name: str,
    organization: str,
    public_url: str,
    key: rsa.RSAPrivateKey | None = None,
    days: int = 2 * 365,
    not_before: datetime | None = None,
    time_stamping: bool = False,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A signing certificate (non-repudiation) for a person or an agency's seal.

    public_url: where this server is reached; the certificate names its CRL and OCSP addresses there.
    time_stamping: a time-stamp authority's certificate instead (RFC 3161: timeStamping, critical).
    """
    purpose = ExtendedKeyUsageOID.TIME_STAMPING if time_stamping else ExtendedKeyUsageOID.EMAIL_PROTECTION
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(certifies=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=time_stamping)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(public_url + CRL_PATH)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(public_url + OCSP_PATH),
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )
    with (authority.folder / ISSUED_FILE).open("a") as issued:
        issued.write(f"{certificate.serial_number:x}\n")
    return key, certificate


def pkcs12_bytes(
    key: rsa.RSAPrivateKey, certificate: x509.Certificate, authority: Authority, password: str
) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        None,
        key,
        certificate,
        [authority.certificate],
        serialization.BestAvailableEncryption(password.encode()),
    )


def time_stamp_authority(authority: Authority, public_url: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """The demo TSA's key and certificate, issued by the CA the first time they are needed.

    Written to a private file and linked into place: of two processes making it at once, one wins and
    both use its key.
    """
    path = authority.folder / TSA_FILE
    if not path.is_file():
        key, certificate = issue_certificate(
            authority,
            common_name="Dịch vụ cấp dấu thời gian thử nghiệm",
            organization="Văn phòng điện tử (thử nghiệm)",
            public_url=public_url,
            time_stamping=True,
        )
        partial = path.with_name(f"{TSA_FILE}.{secrets.token_hex(8)}.partial")
        _write_private(
            partial,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + certificate.public_bytes(serialization.Encoding.PEM),
        )
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)
        partial.unlink()
    content = path.read_bytes()
    return serialization.load_pem_private_key(content, password=None), x509.load_pem_x509_certificate(content)


def time_stamp_response(authority: Authority, public_url: str, request_der: bytes) -> tuple[bytes, bool]:
    """The demo TSA's answer (RFC 3161) to a time-stamp query, and whether it granted one.

    A token signed now, or a rejection (badDataFormat) for a query it cannot read.
    """
    from asn1crypto import core, tsp
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import DummyTimeStamper

    key, certificate = time_stamp_authority(authority, public_url)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        certs_to_embed=[
            asn1_x509.Certificate.load(authority.certificate.public_bytes(serialization.Encoding.DER))
        ],
    )
    try:
        return stamper.request_tsa_response(tsp.TimeStampReq.load(request_der)).dump(), True
    except (ValueError, TypeError, KeyError):
        # asn1crypto parses lazily: a malformed query may fail while it is answered, not when loaded.

        class Rejection(core.Sequence):
            # TimeStampResp without its token, which RFC 3161 omits on rejection (asn1crypto requires it).
            _fields = [("status", tsp.PKIStatusInfo)]

        status = tsp.PKIStatusInfo({"status": "rejection", "fail_info": {"bad_data_format"}})
        return Rejection({"status": status}).dump(), False


def revoked_serials(authority: Authority) -> list[tuple[int, datetime]]:
    crl = x509.load_der_x509_crl(authority.crl_path.read_bytes())
    return [(entry.serial_number, entry.revocation_date_utc) for entry in crl]


def publish_crl(authority: Authority, revoked: list[tuple[int, datetime]]) -> None:
    """Write a fresh CRL listing `revoked` (serial, date); written whole, then renamed over the old."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
        )
    )
    for serial, moment in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(moment).build()
        )
    crl = builder.sign(authority.key, hashes.SHA256())
    partial = authority.crl_path.with_suffix(".crl.partial")
    partial.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    partial.replace(authority.crl_path)


def revoke(authority: Authority, certificate: x509.Certificate) -> None:
    revoked = revoked_serials(authority)
    if all(serial != certificate.serial_number for serial, _ in revoked):
        revoked.append((certificate.serial_number, datetime.now(UTC)))
    publish_crl(authority, revoked)


def ocsp_response(authority: Authority, request_der: bytes) -> bytes:
    """The OCSP answer (RFC 6960, signed by the CA itself) for a request about one certificate.

    good: issued here and not on the CRL; revoked: on the CRL; unknown: not issued by this CA.
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    now = datetime.now(UTC)
    revoked = dict(revoked_serials(authority))
    ours = _name_and_key_hashes(authority, request.hash_algorithm) == (
        request.issuer_name_hash,
        request.issuer_key_hash,
    )
    if not ours or request.serial_number not in _issued_serials(authority):
        status, revoked_at = ocsp.OCSPCertStatus.UNKNOWN, None
    elif request.serial_number in revoked:
        status, revoked_at = ocsp.OCSPCertStatus.REVOKED, revoked[request.serial_number]
    else:
        status, revoked_at = ocsp.OCSPCertStatus.GOOD, None
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            request.issuer_name_hash,
            request.issuer_key_hash,
            request.serial_number,
            request.hash_algorithm,
            status,
            now - timedelta(minutes=5),
            now + OCSP_VALIDITY,
            revoked_at,
            x509.ReasonFlags.unspecified if revoked_at else None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, authority.certificate)
    )
    return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _issued_serials(authority: Authority) -> set[int]:
    path = authority.folder / ISSUED_FILE
    return {int(line, 16) for line in path.read_text().split()} if path.is_file() else set()


def _name_and_key_hashes(authority: Authority, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """What an OCSP request names its issuer by: hashes of the CA's subject and of its public key."""
    name = hashes.Hash(algorithm)
    name.update(authority.certificate.subject.public_bytes())
    public_key = authority.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    key = hashes.Hash(algorithm)
    key.update(public_key)
    return name.finalize(), key.finalize()
