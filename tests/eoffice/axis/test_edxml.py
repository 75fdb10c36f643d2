"""edXML packages and status notices: round trip, signature, the mapping of their fields."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, date, datetime

import pytest
from lxml import etree
from signxml import XMLVerifier

from eoffice.axis import mapping
from eoffice.axis.keys import trusted_certificate
from eoffice.axis.notices import build_notice, parse_notice
from eoffice.axis.package import Organ, build_package, parse_package
from eoffice.axis.xmlsig import DS, NS, PackageRefused, add_signature_placeholder, hardened_parser, sign
from eoffice.documents.document_types import DOCUMENT_TYPES
from tests.eoffice.axis.conftest import RECIPIENT, SENDER, a_notice
from tests.eoffice.axis.packages import LIMIT, SAMPLE, SUBJECT, a_package, element, no_certificate, resign


def test_a_package_we_build_parses_back_to_the_same_metadata_and_identical_files(sender_identity):
    sent = a_package()

    received, verified = parse_package(
        build_package(sent, sender_identity), max_bytes=LIMIT, trusted_certificate=no_certificate
    )

    assert received == sent
    assert [hashlib.sha256(f.content).hexdigest() for f in received.files] == [
        hashlib.sha256(f.content).hexdigest() for f in sent.files
    ]
    assert received.document_id == f"{SENDER},2026/11/20,05/QĐ-UBND"
    assert verified.verified_with == "key_info_certificate"
    assert verified.profile == "RSA-SHA256, SHA-256 digest, exclusive C14N"


def test_vietnamese_text_arrives_in_nfc_whatever_form_it_was_given_in(sender_identity):
    decomposed = unicodedata.normalize("NFD", SUBJECT)
    assert decomposed != SUBJECT

    body = build_package(a_package(subject=decomposed), sender_identity)
    received, _ = parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)

    assert received.subject == SUBJECT
    assert SUBJECT.encode("utf-8") in body
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_the_signature_verifies_with_signxml_against_the_agency_certificate(sender_identity, key_dir):
    body = build_package(a_package(), sender_identity)

    result = XMLVerifier().verify(
        body, x509_cert=trusted_certificate(key_dir, SENDER), parser=hardened_parser()
    )

    assert result.signed_xml.tag == f"{{{NS}}}edXML"
    root = etree.fromstring(body, parser=hardened_parser())
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    assert [etree.QName(child).localname for child in header] == [
        "MessageHeader",
        "TraceHeaderList",
        "Signature",
    ]
    signature = header[-1]
    reference = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    assert reference.get("URI") == ""
    assert [t.get("Algorithm") for t in reference.iter(f"{{{DS}}}Transform")] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    assert signature.find(f".//{{{DS}}}X509Certificate") is not None


def test_a_package_changed_after_signing_is_refused(sender_identity):
    body = build_package(a_package(), sender_identity)
    tampered = body.replace("Chủ tịch".encode(), "Phó Chủ tịch".encode())

    with pytest.raises(PackageRefused, match="changed after signing") as refused:
        parse_package(tampered, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == "Signature"


def test_a_package_signed_by_another_key_than_the_sender_certificate_known_here_is_refused(
    stranger_identity, key_dir
):
    forged = build_package(a_package(), stranger_identity)

    with pytest.raises(PackageRefused, match="does not verify against the certificate known for the sender"):
        parse_package(
            forged, max_bytes=LIMIT, trusted_certificate=lambda organ: trusted_certificate(key_dir, organ)
        )
    # Without a certificate known here, its own KeyInfo certificate proves its integrity only.
    assert (
        parse_package(forged, max_bytes=LIMIT, trusted_certificate=no_certificate)[1].verified_with
        == "key_info_certificate"
    )


def test_a_stranger_claiming_a_known_sender_in_lookalike_digits_is_refused(stranger_identity, key_dir):
    # Fullwidth digits survive NFC and look like the sender's id: its known certificate must not be
    # sidestepped by naming the sender in a form whose certificate file does not exist.
    lookalike = SENDER[0] + SENDER[1:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    forged = build_package(
        a_package(sender=Organ(lookalike, "Ủy ban nhân dân tỉnh Quảng Nam")), stranger_identity
    )

    with pytest.raises(PackageRefused, match="is not an agency identifier") as refused:
        parse_package(
            forged, max_bytes=LIMIT, trusted_certificate=lambda organ: trusted_certificate(key_dir, organ)
        )
    assert refused.value.field == "From.OrganId"


def test_the_certificate_is_looked_up_only_for_a_well_formed_sender_id(stranger_identity, key_dir):
    # From › OrganId names a file in the key folder: "../x" or "/x" must not reach the file system.
    looked_up = []

    def recording(organ_id):
        looked_up.append(organ_id)
        return trusted_certificate(key_dir, organ_id)

    for claimed in ("../planted", "/tmp/planted", SENDER + "/../" + SENDER):
        forged = build_package(a_package(sender=Organ(claimed, "Kẻ mạo danh")), stranger_identity)
        with pytest.raises(PackageRefused, match="is not an agency identifier"):
            parse_package(forged, max_bytes=LIMIT, trusted_certificate=recording)
    assert looked_up == []


def test_an_unsigned_package_is_refused():
    with pytest.raises(PackageRefused, match="unsigned"):
        parse_package(SAMPLE.read_bytes(), max_bytes=LIMIT, trusted_certificate=no_certificate)


def test_the_published_sample_signed_with_a_test_key_reads_as_its_fields_say(sender_identity):
    root = etree.fromstring(SAMPLE.read_bytes(), parser=hardened_parser())
    add_signature_placeholder(root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader"))

    package, _ = parse_package(
        sign(root, sender_identity), max_bytes=LIMIT, trusted_certificate=no_certificate
    )

    assert (package.sender.organ_id, package.recipients[0].organ_id) == ("000.00.00.H97", "000.01.00.H97")
    assert (package.document_type, package.number, package.notation) == ("CV", 1234, "UBND-VX")
    assert (package.urgency, package.issued_date, package.due_date) == (
        "urgent",
        date(2026, 11, 20),
        date(2026, 12, 31),
    )
    assert package.subject == "V/v triển khai nền tảng họp không giấy và văn phòng điện tử"
    assert (package.signer_name, package.signer_position) == ("Lê Thị Mẫu", "Phó Chủ tịch")
    assert [(f.name, f.content_type, f.content[:8]) for f in package.files] == [
        ("1234-UBND-VX.pdf", "application/pdf", b"%PDF-1.4")
    ]
    assert package.traces == [("000.00.00.H97", datetime(2026, 11, 20, 2, 15, tzinfo=UTC))]


def test_every_document_type_is_named_in_type_name_and_read_back_by_its_name():
    for code in DOCUMENT_TYPES:
        fields = mapping.document_type_fields(code)
        assert fields == {"Type": "1", "TypeDetail": "0", "TypeName": DOCUMENT_TYPES[code]}
        assert mapping.document_type_of(fields["TypeName"]) == code
        assert mapping.document_type_of(fields["TypeName"].upper()) == code


def test_type_names_are_read_in_the_decrees_spellings_and_unknown_ones_are_kept():
    # Both placements of the tone mark ("uỷ" as the Decree writes it, "ủy"), spaces as they come.
    assert mapping.document_type_of("Giấy uỷ quyền") == "GUQ"
    assert mapping.document_type_of("Giấy ủy  quyền") == "GUQ"
    assert mapping.document_type_of("Bản thoả thuận") == "BTT"
    assert mapping.document_type_of("Quy định") == "QyĐ"
    assert mapping.document_type_of("Quyết định") == "QĐ"
    assert mapping.document_type_of("Thông tư") == "TT"
    assert mapping.document_type_of("Văn bản chưa có trong Nghị định") == "Văn bản chưa có trong Nghị định"
    assert mapping.document_type_fields("Văn bản chưa có trong Nghị định") == {
        "Type": "1",
        "TypeDetail": "0",
        "TypeName": "Văn bản chưa có trong Nghị định",
    }


def test_urgency_and_priority_map_both_ways():
    assert {u: mapping.priority(u) for u in ("normal", "urgent", "very_urgent", "flash")} == {
        "normal": 0,
        "urgent": 1,
        "very_urgent": 2,
        "flash": 3,
    }
    assert [mapping.urgency(p) for p in ("0", "1", "2", "3", "4", None, "9")] == [
        "normal",
        "urgent",
        "very_urgent",
        "flash",
        "flash",
        "normal",
        None,
    ]


def test_a_status_notice_round_trips_and_its_signature_is_last_in_the_header(key_dir):
    from eoffice.axis.keys import load_identity

    sent = a_notice()
    body = build_notice(sent, load_identity(key_dir, RECIPIENT))

    received, verified = parse_notice(
        body, max_bytes=LIMIT, trusted_certificate=lambda organ: trusted_certificate(key_dir, organ)
    )

    assert received == sent
    assert verified.verified_with == "trusted_certificate"
    assert b"<edXML:Timestamp>2026/11/20 10:02:11</edXML:Timestamp>" in body
    header = etree.fromstring(body, parser=hardened_parser())[0][0]
    assert etree.QName(header).localname == "edXMLHeader"
    assert [etree.QName(child).localname for child in header] == ["MessageHeader", "Signature"]


def test_a_document_id_that_is_not_from_date_and_code_is_kept_with_a_warning(sender_identity):
    written = f"{SENDER},2026/11/19,06/QĐ-UBND"

    def change(root):
        element(root, "DocumentId").text = written
        element(root, "SteeringType").text = "0"
        element(root, "TypeName").text = "Sắc lệnh"

    body = resign(build_package(a_package(), sender_identity), sender_identity, change)
    package, _ = parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)

    assert package.document_id == written
    assert (package.steering_type, package.document_type) == (0, "Sắc lệnh")
    [warning] = package.warnings
    assert warning["code"] == "document_id_mismatch"
    assert f"{SENDER},2026/11/20,05/QĐ-UBND" in warning["message"]


def test_every_message_header_field_we_write_is_read_back(sender_identity):
    sender = Organ(
        SENDER,
        "Ủy ban nhân dân tỉnh Quảng Nam",
        "Chính phủ",
        "Tam Kỳ",
        "ubnd@quangnam.gov.vn",
        "0235 3810",
        "0235 3811",
        "quangnam.gov.vn",
    )
    sent = a_package(
        sender=sender,
        content="Nội dung tóm tắt",
        sphere_of_promulgation="Liên thông văn bản quốc gia",
        typer_notation="LTM",
        promulgation_amount=3,
        direction=True,
        appendixes=["Phụ lục I", "Phụ lục II"],
        steering_type=2,
    )

    received, _ = parse_package(
        build_package(sent, sender_identity), max_bytes=LIMIT, trusted_certificate=no_certificate
    )

    assert received == sent
    assert received.sender.website == "quangnam.gov.vn"
    assert received.appendixes == ["Phụ lục I", "Phụ lục II"]
