"""The public axis SDK's example packages (../shared/samples/vdxp-sdk) as our connector reads them, and
the new-document sample sent through the mock axis."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from lxml import etree
from sqlalchemy import select

from eoffice.axis import inbound
from eoffice.axis.notices import build_notice, parse_notice
from eoffice.axis.package import HEADER_PATH, Organ, build_package, read_package
from eoffice.axis.xmlsig import NS, PackageRefused, Verified, hardened_parser, parse_untrusted, verify
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.runtime import storage
from national_axis.edxml import read_package as read_routing
from national_axis.notices import read_status
from tests.eoffice.axis.conftest import RECIPIENT, SENDER, a_notice
from tests.fixtures.edxml import C14N, PROFILES, SDK_PROFILE, make_identity, resign
from tests.fixtures.vdxp_samples import DOCUMENT_SAMPLES, SAMPLE_DOCUMENT_ID, STATUS_SAMPLES, read_sample

LIMIT = 50 * 1024 * 1024


def no_certificate(organ_id: str) -> None:
    return None


@pytest.mark.parametrize(("name", "code", "sender", "addressee"), STATUS_SAMPLES)
def test_every_status_sample_parses_to_its_code_sender_addressee_and_document(name, code, sender, addressee):
    notice, verified = parse_notice(read_sample(name), max_bytes=LIMIT, trusted_certificate=no_certificate)

    assert (notice.status_code, notice.from_id, notice.addressee_id) == (code, sender, addressee)
    assert notice.document_id == SAMPLE_DOCUMENT_ID
    assert notice.code == "7816/VPCP-TTĐT"
    # The samples come unsigned: the axis has authenticated the sending system.
    assert verified is None
    # Whoever asks, the document is G22's, sent to H41.
    assert (notice.original_sender_id, notice.recipient_id) == ("000.00.00.G22", "000.00.00.H41")
    assert notice.staff_name and notice.description and notice.sender.name


def test_the_full_organ_block_and_staff_of_a_sample_are_read():
    notice, _ = parse_notice(read_sample("status.edxml"), max_bytes=LIMIT, trusted_certificate=no_certificate)

    assert notice.sender == Organ(
        "000.00.00.H41",
        "UBND Tỉnh Nghệ An",
        "UBND Tỉnh Nghệ An",
        "Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam",
        "nghean@gov.vn",
        "0383 840418",
        "0383 843049",
        "www.nghean.vn",
    )
    assert (notice.staff_department, notice.staff_name, notice.staff_mobile, notice.staff_email) == (
        "Văn thư văn phòng",
        "Nguyễn Thị Ngọc Trâm",
        "84912000001",
        "vanthuvanphong@gov.vn",
    )
    assert notice.timestamp == datetime(2018, 9, 28, 10, 25, 11, tzinfo=UTC)


@pytest.mark.parametrize("signed", [True, False])
def test_a_notice_we_build_is_read_by_the_mock_axis_as_the_samples_are(sender_identity, signed):
    recall = a_notice(
        sender=Organ(SENDER, "Ủy ban nhân dân tỉnh Quảng Nam"), addressee_id=RECIPIENT, status_code="13"
    )
    body = build_notice(recall, sender_identity if signed else None)

    read, problems = read_status(parse_untrusted(body, what="status", max_bytes=LIMIT))

    assert problems == []
    assert (read.from_organ_id, read.addressee_id, read.code) == (SENDER, RECIPIENT, "13")
    assert (read.original_sender_id, read.recipient_id) == (SENDER, RECIPIENT)
    assert read.document_id == f"{SENDER},2026/11/20,05/QĐ-UBND"


@pytest.fixture(scope="module")
def sample_signer():
    """The key the tests re-sign the samples with (theirs are placeholders that do not verify)."""
    return make_identity("UBND xã Hòa Tiến")


def _verify(body: bytes, certificate_pem: str, **options) -> Verified:
    root = parse_untrusted(body, what="package", max_bytes=LIMIT)
    return verify(body, root, HEADER_PATH, "edXMLHeader", certificate_pem, **options)


@pytest.mark.parametrize("profile", [*PROFILES, SDK_PROFILE], ids=lambda profile: profile.name)
@pytest.mark.parametrize("name", DOCUMENT_SAMPLES)
def test_the_document_samples_re_signed_in_every_profile_verify(name, profile, sample_signer):
    body = resign(read_sample(name), sample_signer, profile)

    verified = _verify(body, sample_signer.certificate_pem)

    assert verified.verified_with == "trusted_certificate"
    assert verified.uses_sha1 == (profile.hash == "sha1")
    assert verified.canonicalization == ("inclusive" if profile.content_c14n == C14N else "exclusive")
    assert (b"<ds:Signature" in body) == profile.xmldsig_namespace
    # What it covers is the sample, without its signature.
    header = verified.signed.find(HEADER_PATH)
    assert [etree.QName(child).localname for child in header] == ["MessageHeader", "TraceHeaderList"]
    assert (
        verified.signed.findtext(f".//{{{NS}}}Subject") == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    )


@pytest.mark.parametrize("profile", [PROFILES[2], SDK_PROFILE], ids=lambda profile: profile.name)
def test_a_sha1_signature_is_refused_when_sha1_is_not_accepted(profile, sample_signer):
    body = resign(read_sample("edoc_new.edxml"), sample_signer, profile)

    with pytest.raises(PackageRefused, match="SHA-1, which this server does not accept") as refused:
        _verify(body, sample_signer.certificate_pem, accept_sha1=False)
    assert refused.value.field == "Signature"
    assert _verify(body, sample_signer.certificate_pem, accept_sha1=True).uses_sha1


@pytest.mark.parametrize("profile", [PROFILES[0], PROFILES[7], SDK_PROFILE], ids=lambda profile: profile.name)
def test_a_re_signed_sample_changed_afterwards_or_signed_by_another_key_is_refused(profile, sample_signer):
    body = resign(read_sample("edoc_new.edxml"), sample_signer, profile)
    tampered = body.replace("V/v kết nối".encode(), "V/v ngắt kết nối".encode(), 1)

    with pytest.raises(PackageRefused, match="changed after signing"):
        _verify(tampered, sample_signer.certificate_pem)
    with pytest.raises(PackageRefused, match="does not verify against the certificate known for the sender"):
        _verify(body, make_identity("Kẻ mạo danh").certificate_pem)
    # SignedInfo changed (an attribute added to its Reference) no longer matches the signature value.
    retargeted = body.replace(b'URI=""', b'URI="" Id="r"', 1)
    with pytest.raises(PackageRefused, match="does not verify"):
        _verify(retargeted, sample_signer.certificate_pem)


def test_the_samples_own_placeholder_signatures_do_not_verify():
    body = read_sample("edoc_new.edxml")
    root = parse_untrusted(body, what="package", max_bytes=LIMIT)

    with pytest.raises(PackageRefused) as refused:
        verify(body, root, HEADER_PATH, "edXMLHeader", None)
    assert refused.value.field == "Signature"


def test_a_sample_signed_under_an_expired_certificate_is_refused():
    expired = make_identity("Hết hạn", valid_days=-0.5)  # valid from yesterday until twelve hours ago
    body = resign(read_sample("edoc_new.edxml"), expired, SDK_PROFILE)

    with pytest.raises(PackageRefused, match="the certificate is not valid now"):
        _verify(body, expired.certificate_pem)


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted-certificate", "key-info-certificate"])
def test_a_signature_made_with_a_1024_bit_rsa_key_is_refused(trusted):
    # A 1024-bit modulus can be factored by a well-funded forger; the samples' systems use 2048 bits.
    weak = make_identity("Khóa yếu", key_size=1024)
    body = resign(read_sample("edoc_new.edxml"), weak, SDK_PROFILE)

    with pytest.raises(PackageRefused, match="RSA key has 1024 bits, fewer than 2048"):
        _verify(body, weak.certificate_pem if trusted else None)


# (sample, BussinessDocType, BussinessDocReason, the earlier documents it acts on)
BUSINESS_SAMPLES = [
    ("edoc_new.edxml", 0, "Văn bản điện tử mới", []),
    ("edoc_revocation.edxml", 1, "Thu hồi văn bản điện tử", [SAMPLE_DOCUMENT_ID]),
    ("edoc_update.edxml", 2, "Cập nhật văn bản điện tử", ["000.00.00.G22,2014/02/30,7806/VPCP-TTĐT"]),
    ("edoc_replacement.edxml", 3, "Văn bản thay thế", ["000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"]),
]


def sample_package(name: str):
    # edoc_new's To (28.22.H17) is no agency identifier: addressed to one of ours, as the mock axis test
    # below does.
    body = read_sample(name).replace(b">28.22.H17<", f">{RECIPIENT}<".encode())
    return read_package(parse_untrusted(body, what="package", max_bytes=LIMIT))


@pytest.mark.parametrize(("name", "doc_type", "reason", "referenced"), BUSINESS_SAMPLES)
def test_each_document_sample_parses_to_its_business_type_reason_and_the_documents_it_acts_on(
    name, doc_type, reason, referenced
):
    package = sample_package(name)

    assert (package.business_doc_type, package.business.reason) == (doc_type, reason)
    assert package.referenced_document_ids == referenced
    assert package.document_id == SAMPLE_DOCUMENT_ID or name == "edoc_new.edxml"
    assert (package.business.staff_name, package.business.staff_email, package.business.paper) == (
        "Nguyễn Thị Ngọc Trâm",
        "vanthuvanphong@gov.vn",
        0,
    )


def test_the_update_sample_says_what_changed_and_the_replacement_sample_whose_copies_it_replaces():
    update = sample_package("edoc_update.edxml")
    replacement = sample_package("edoc_replacement.edxml")

    assert (update.business.document_info_changed, update.business.receivers_changed) == (True, True)
    assert update.business.receivers == (("000.00.00.H41", 0), ("000.00.00.H14", 1))
    assert [item.organ_ids for item in replacement.business.replacements] == [
        ("000.00.00.H41", "000.00.00.H14"),
        ("000.00.00.H41", "000.00.00.H14"),
    ]


@pytest.mark.parametrize("name", [name for name, *_ in BUSINESS_SAMPLES])
def test_the_business_block_we_write_reads_back_as_the_sample_s(name, sender_identity):
    package = sample_package(name)

    body = build_package(package, sender_identity)
    again = read_package(parse_untrusted(body, what="package", max_bytes=LIMIT))

    assert again.business == package.business
    assert b"BusinessDocType" not in body
    # The mock axis reads the same business type from it.
    routing, problems = read_routing(parse_untrusted(body, what="package", max_bytes=LIMIT))
    assert [p for p in problems if p["field"].startswith("Bussiness")] == []
    assert routing.business_doc_type == package.business_doc_type


SAMPLE_SENDER = "000.00.00.A80"
SAMPLE_SENDER_NAME = "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng"


def test_the_new_document_sample_through_the_mock_axis_becomes_a_pending_incoming_document_with_its_fields(
    connector, axis_server, people
):
    sample = read_sample("edoc_new.edxml")
    sample_signer = make_identity("UBND xã Hòa Tiến")
    api = axis_server.api()
    system = api.register_system(
        "UBND xã Hòa Tiến", [(SAMPLE_SENDER, SAMPLE_SENDER_NAME)], sample_signer.certificate_pem
    )
    # The sample's To (28.22.H17) is no agency identifier: the test addresses it to one of ours, and
    # signs it as the SDK does (its own signature is a placeholder).
    body = resign(sample.replace(b">28.22.H17<", f">{RECIPIENT}<".encode()), sample_signer, SDK_PROFILE)
    reply = api.connect(system).send_edoc(body)
    assert reply.status == 202, reply.content

    assert inbound.receive_pending(connector) >= 1

    db.session.expire_all()
    document = db.session.scalar(select(Document).where(Document.agency_id == RECIPIENT))
    assert document.status == "pending_registration"
    assert document.source_reference == SAMPLE_DOCUMENT_ID
    assert {
        "issuer_id": document.issuer_id,
        "issuer_name": document.issuer_name,
        "document_type": document.document_type,
        "number": document.number,
        "notation": document.notation,
        "issued_date": document.issued_date,
        "subject": document.subject,
        "signer_name": document.signer_name,
        "signer_position": document.signer_position,
        "urgency": document.urgency,
        "due_date": document.due_date,
        "page_count": document.page_count,
    } == {
        "issuer_id": SAMPLE_SENDER,
        "issuer_name": SAMPLE_SENDER_NAME,
        "document_type": "CV",
        "number": None,  # CodeNumber "74fass22" is not a number
        "notation": "VPCP-TTĐT",
        "issued_date": date(2019, 1, 16),
        "subject": "V/v kết nối, liên thông phần mềm quản lý văn bản",
        "signer_name": "Nguyen Thanh Phuc",
        "signer_position": "Cuc truong cuc ung dung cong nghe thong tin",
        "urgency": "normal",
        "due_date": date(2018, 9, 28),
        "page_count": 22,
    }
    # The attachment is a zip (application/zip, named after the file inside): its member is the main
    # file, the zip as received follows it.
    encoded = etree.fromstring(sample, parser=hardened_parser()).find(f".//{{{NS}}}ContentTransferEncoded")
    attachment = base64.b64decode("".join(encoded.text.split()))
    [member] = zipfile.ZipFile(io.BytesIO(attachment)).infolist()
    assert [
        (link.role, link.stored_file.name, b"".join(storage().open(link.stored_file.key)))
        for link in sorted(document.files, key=lambda link: link.position)
    ] == [
        ("main", member.filename, zipfile.ZipFile(io.BytesIO(attachment)).read(member)),
        ("attachment", "1896_QD-TTg_m_294779.doc.zip", attachment),
    ]
    details = document.trace[0].details
    assert details["axis_header"] == {
        "document_id": SAMPLE_DOCUMENT_ID,
        "sender": {
            "organ_id": SAMPLE_SENDER,
            "name": SAMPLE_SENDER_NAME,
            "in_charge": SAMPLE_SENDER_NAME,
            "address": "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội",
            "email": "vpcp@gov.vn",
            "telephone": "8043100",
            "fax": "048989898789",
            "website": "vpcp.vn",
        },
        "place": "Hà Nội",
        "content": "V/v kết nối, liên thông phần mềm quản lý văn bản",
        "signer_competence": "TL. BO TRUONG",
        "to_places": ["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"],
        "steering_type": 1,
        "sphere_of_promulgation": "Liên thông văn bản quốc gia",
        "typer_notation": "TVC",
        "promulgation_amount": 2,
        "direction": False,
        "appendixes": ["Công văn về việc kết nối, liên thông phần mềm quản lý văn bản"],
    }
    assert details["signature"] == "RSA-SHA1, SHA-1 digest, exclusive C14N"
    assert {warning["code"] for warning in details["axis_warnings"]} == {
        "code_number_not_a_number",
        "document_id_mismatch",
        "sha1_signature",
    }
