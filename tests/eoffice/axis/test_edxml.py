"""edXML packages and status notices: round trip, signature, and refusal of whatever is malformed."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree
from signxml import XMLVerifier

from eoffice.axis import mapping
from eoffice.axis.keys import trusted_certificate
from eoffice.axis.notices import build_notice, parse_notice
from eoffice.axis.package import (
    EdocPackage,
    Organ,
    PackageFile,
    build_package,
    document_id_in,
    parse_package,
)
from eoffice.axis.xmlsig import DS, NS, PackageRefused, add_signature_placeholder, hardened_parser, sign
from eoffice.documents.document_types import DOCUMENT_TYPES
from eoffice.pdfgen import text_pdf
from tests.eoffice.axis.conftest import RECIPIENT, SENDER, a_notice

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "edxml-cong-van-unsigned.xml"
LIMIT = 5 * 1024 * 1024
SUBJECT = "Về việc triển khai nền tảng họp không giấy tờ và văn phòng điện tử năm 2027"


def no_certificate(_organ_id):
    return None


def a_package(**changes) -> EdocPackage:
    fields = dict(
        sender=Organ(SENDER, "Ủy ban nhân dân tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam"),
        recipients=[Organ(RECIPIENT, "Sở Nội vụ tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam")],
        document_type="QĐ",
        subject=SUBJECT,
        issued_date=date(2026, 11, 20),
        number=5,
        notation="QĐ-UBND",
        files=[
            PackageFile("Quyết định số 05.pdf", "application/pdf", text_pdf("Quyết định"), "Văn bản chính"),
            PackageFile("phụ-lục.bin", "application/octet-stream", bytes(range(256)) * 40, "Phụ lục"),
        ],
        signer_name="Lê Trí Thanh",
        signer_position="Chủ tịch",
        signer_competence="TM. ỦY BAN NHÂN DÂN",
        urgency="very_urgent",
        due_date=date(2026, 12, 31),
        page_count=3,
        to_places=["Sở Nội vụ tỉnh Quảng Nam", "Lưu: VT, VX"],
        traces=[(SENDER, datetime(2026, 11, 20, 2, 15, 0, tzinfo=UTC))],
    )
    return EdocPackage(**(fields | changes))


def resign(body: bytes, identity, change) -> bytes:
    """The package changed by `change(root)` and signed again: well signed, badly made."""
    root = etree.fromstring(body, parser=hardened_parser())
    signature = root.find(f".//{{{DS}}}Signature")
    header = signature.getparent()
    header.remove(signature)
    change(root)
    add_signature_placeholder(header)
    return sign(root, identity)


def element(root, name: str):
    return root.find(f".//{{{NS}}}{name}")


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


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><Subject>&secret;</Subject></edXML>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol2;</edXML>"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (XXE, "DOCTYPE or <!DOCTYPE> declaration is not allowed"),
        (LAUGHS, "DOCTYPE or <!DOCTYPE> declaration is not allowed"),
        (b"<edXML xmlns='urn:x'><unclosed></edXML>", "not well-formed XML"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?><edXML/>'.encode("latin-1"), "must be UTF-8"),
        (b"", "not well-formed XML"),
    ],
    ids=["external-entity", "entity-expansion", "malformed", "latin-1", "empty"],
)
def test_xml_that_is_not_plain_utf8_without_a_dtd_is_refused_before_it_is_read(body, message):
    with pytest.raises(PackageRefused, match=message) as refused:
        parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == "package"


def test_a_package_over_the_size_limit_is_refused(sender_identity):
    body = build_package(a_package(), sender_identity)

    with pytest.raises(PackageRefused, match=f"{len(body)} bytes, larger than the limit of 1024 bytes"):
        parse_package(body, max_bytes=1024, trusted_certificate=no_certificate)


def test_a_package_of_too_many_tags_is_refused_before_it_is_parsed(sender_identity):
    # Within the size limit, millions of tiny elements would cost gigabytes once parsed and copied.
    signed = build_package(a_package(), sender_identity)
    end = signed.rindex(b"</")  # the root's end tag
    body = signed[:end] + b"<a/>" * 100_000 + signed[end:]

    with pytest.raises(PackageRefused, match="more than 100000 tags") as refused:
        parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == "package"


@pytest.mark.parametrize(
    "bad", ["JVBERi0x!!!", "JVBERi0xLjQ", "Zm9v\u00e9"], ids=["symbols", "padding", "non-ascii"]
)
def test_attachments_in_anything_but_standard_base64_are_refused_naming_the_attachment(sender_identity, bad):
    def corrupt(root):
        element(root, "ContentTransferEncoded").text = bad

    body = resign(build_package(a_package(), sender_identity), sender_identity, corrupt)

    with pytest.raises(PackageRefused, match="not standard base64") as refused:
        parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == "Attachment[0].ContentTransferEncoded"


def test_base64_split_over_lines_is_accepted(sender_identity):
    def wrap(root):
        text = element(root, "ContentTransferEncoded").text
        element(root, "ContentTransferEncoded").text = "\n".join(
            text[i : i + 76] for i in range(0, len(text), 76)
        )

    sent = a_package()
    body = resign(build_package(sent, sender_identity), sender_identity, wrap)

    assert parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)[0].files == sent.files


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda root: element(root, "Subject").getparent().remove(element(root, "Subject")), "Subject"),
        (lambda root: setattr(element(root, "TypeName"), "text", ""), "DocumentType.TypeName"),
        (
            lambda root: setattr(element(root, "PromulgationDate"), "text", "20/11/2026"),
            "PromulgationInfo.PromulgationDate",
        ),
        (lambda root: setattr(element(root, "Priority"), "text", "7"), "OtherInfo.Priority"),
        (lambda root: setattr(element(root, "DocumentId"), "text", ""), "DocumentId"),
        (lambda root: setattr(element(root, "OrganId"), "text", "H49"), "From.OrganId"),
        (lambda root: setattr(element(root, "ContentId"), "text", "cid:9"), "edXMLManifest"),
    ],
    ids=[
        "no-subject",
        "no-type-name",
        "bad-date",
        "bad-priority",
        "no-document-id",
        "bad-organ",
        "manifest",
    ],
)
def test_a_well_signed_package_with_a_bad_field_is_refused_naming_it(sender_identity, change, field):
    body = resign(build_package(a_package(), sender_identity), sender_identity, change)

    with pytest.raises(PackageRefused) as refused:
        parse_package(body, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == field


def test_the_document_id_of_a_refused_package_is_found_without_parsing_it():
    assert document_id_in(SAMPLE.read_bytes()) == "000.00.00.H97,2026/11/20,1234/UBND-VX"
    assert document_id_in(XXE) is None


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


def test_a_status_notice_with_an_unknown_code_is_refused(sender_identity):
    body = build_notice(a_notice(status_code="07"), sender_identity)

    with pytest.raises(PackageRefused, match="'07' is not one of") as refused:
        parse_notice(body, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == "StatusCode"


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
