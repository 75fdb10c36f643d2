"""Certificates that must sign nothing (revoked, expired, locked by another PIN) and what the demo CA
publishes about them: its revocation list and OCSP answers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.reader import PdfFileReader

from eoffice.signing import authority, pdf, trust
from eoffice.signing.keys import SigningRefused
from eoffice.signing.operations import check_signatures
from tests.eoffice.signing.conftest import SIGNER, now
from tests.eoffice.signing.pdfs import signed_by_signer


def test_a_revoked_certificate_is_reported_revoked(instance):
    content = signed_by_signer(instance)
    authority.revoke(instance.ca, instance.certificate(SIGNER))

    (signature,) = check_signatures(content, instance.settings)
    assert signature["revocation"] == "revoked"
    assert not signature["trusted"]


def test_a_revoked_certificate_signs_nothing(instance):
    authority.revoke(instance.ca, instance.certificate(SIGNER))

    with pytest.raises(pdf.CertificateRefused) as refused:
        signed_by_signer(instance)
    assert refused.value.code == "signing_certificate_revoked"


def test_a_crl_half_way_to_its_next_update_is_published_again_with_its_revocations(instance, monkeypatch):
    # Nothing is fetched with the demo CA alone: an outdated CRL would leave no revocation status.
    monkeypatch.setattr(authority, "CRL_VALIDITY", timedelta(hours=1))
    authority.revoke(instance.ca, instance.certificate(SIGNER))
    monkeypatch.undo()

    (data,) = trust.local_crls(instance.settings)

    crl = x509.load_der_x509_crl(data)
    assert crl.next_update_utc - datetime.now(UTC) > timedelta(days=6)
    assert [entry.serial_number for entry in crl] == [instance.certificate(SIGNER).serial_number]
    with pytest.raises(pdf.CertificateRefused) as refused:
        signed_by_signer(instance)
    assert refused.value.code == "signing_certificate_revoked"


def test_an_expired_certificate_signs_nothing(instance):
    from datetime import timedelta

    instance.issue(SIGNER, "Trần Văn Minh", "UBND", not_before=now() - timedelta(days=10), days=2)

    with pytest.raises(pdf.CertificateRefused) as refused:
        signed_by_signer(instance)
    assert refused.value.code == "signing_certificate_expired"


def test_a_wrong_pin_unlocks_nothing(instance):
    with pytest.raises(SigningRefused) as refused, instance.keys.open_signer(SIGNER, "sai-mã-pin"):
        pass
    assert refused.value.code == "signing_pin_invalid"


def ocsp_status(instance, certificate) -> ocsp.OCSPCertStatus:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, instance.ca.certificate, hashes.SHA256())
        .build()
        .public_bytes(Encoding.DER)
    )
    answer = ocsp.load_der_ocsp_response(authority.ocsp_response(instance.ca, request))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    # Signed by the CA itself.
    instance.ca.certificate.public_key().verify(
        answer.signature, answer.tbs_response_bytes, padding.PKCS1v15(), answer.signature_hash_algorithm
    )
    return answer.certificate_status


def test_the_ocsp_responder_answers_good_revoked_and_unknown(instance):
    certificate = instance.issue("person-ocsp", "Trần Văn Minh", "Ủy ban nhân dân tỉnh Quảng Nam")
    assert ocsp_status(instance, certificate) == ocsp.OCSPCertStatus.GOOD

    authority.revoke(instance.ca, certificate)
    assert ocsp_status(instance, certificate) == ocsp.OCSPCertStatus.REVOKED

    # Same issuer name and key, but a serial this CA never recorded issuing: not "good".
    elsewhere = instance.ca.folder.parent / "elsewhere"
    elsewhere.mkdir()
    _, forged = authority.issue_certificate(
        authority.Authority(elsewhere, instance.ca.key, instance.ca.certificate),
        common_name="Không rõ",
        organization="Không rõ",
        public_url="http://127.0.0.1:9",
    )
    assert ocsp_status(instance, forged) == ocsp.OCSPCertStatus.UNKNOWN


def test_pyhanko_accepts_the_ocsp_answer_as_revocation_information(instance):
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from eoffice.signing.threads import off_the_event_loop

    content = signed_by_signer(instance)
    certificate = instance.certificate(SIGNER)
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, instance.ca.certificate, hashes.SHA1())
    answer = authority.ocsp_response(instance.ca, request.build().public_bytes(Encoding.DER))
    # Only the OCSP answer: no CRL, nothing fetched, and revocation information is required.
    context = ValidationContext(
        trust_roots=trust.trust_roots(instance.settings), ocsps=[answer], revocation_mode="hard-fail"
    )

    # As the server calls pyHanko: in a thread of its own where a loop already runs (the browser tests').
    validate = off_the_event_loop(validate_pdf_signature)
    status = validate(PdfFileReader(io.BytesIO(content)).embedded_signatures[0], context)
    assert status.trusted and status.revocation_details is None
