"""The public axis SDK's example packages (../shared/samples/vdxp-sdk) as the mock axis reads them."""

from __future__ import annotations

import pytest

from national_axis.edxml import HEADER_PATH
from national_axis.notices import read_status
from national_axis.xmlsafe import NS, parse_untrusted, verify_enveloped
from tests.fixtures.edxml import PROFILES, SDK_PROFILE, make_identity, resign
from tests.fixtures.vdxp_samples import (
    AGENCY_G22,
    AGENCY_H41,
    SAMPLE_DOCUMENT_ID,
    STATUS_SAMPLES,
    read_sample,
)


@pytest.mark.parametrize(("name", "code", "sender", "addressee"), STATUS_SAMPLES)
def test_every_status_sample_parses_to_its_code_sender_addressee_and_document(name, code, sender, addressee):
    notice, problems = read_status(parse_untrusted(read_sample(name), "status"))

    assert problems == []
    assert (notice.code, notice.from_organ_id, notice.addressee_id) == (code, sender, addressee)
    assert notice.document_id == SAMPLE_DOCUMENT_ID
    assert (notice.original_sender_id, notice.recipient_id) == (AGENCY_G22, AGENCY_H41)


@pytest.mark.parametrize("profile", [*PROFILES, SDK_PROFILE], ids=lambda profile: profile.name)
def test_a_document_sample_re_signed_in_every_profile_verifies_against_the_registered_certificate(
    profile, identities
):
    body = resign(read_sample("edoc_update.edxml"), identities[0], profile)
    root = parse_untrusted(body, "package")

    problems, signed = verify_enveloped(body, root, HEADER_PATH, "edXMLHeader", identities[0].certificate_pem)

    assert problems == []
    assert signed.findtext(f".//{{{NS}}}CodeNumber") == "7816"
    forged, _ = verify_enveloped(body, root, HEADER_PATH, "edXMLHeader", identities[2].certificate_pem)
    assert "certificate registered for the sending system" in forged[0]["problem"]
    tampered = body.replace(b"<edXML:CodeNumber>7816<", b"<edXML:CodeNumber>7817<", 1)
    changed, _ = verify_enveloped(
        tampered,
        parse_untrusted(tampered, "package"),
        HEADER_PATH,
        "edXMLHeader",
        identities[0].certificate_pem,
    )
    assert "changed after signing" in changed[0]["problem"]


def test_a_signature_made_with_a_1024_bit_rsa_key_is_refused():
    weak = make_identity("Khóa yếu", key_size=1024)
    body = resign(read_sample("edoc_update.edxml"), weak, SDK_PROFILE)

    problems, signed = verify_enveloped(
        body, parse_untrusted(body, "package"), HEADER_PATH, "edXMLHeader", weak.certificate_pem
    )

    assert signed is None
    assert "RSA key has 1024 bits, fewer than 2048" in problems[0]["problem"]
