"""edXML packages refused for whatever is malformed: XML that is not plain UTF-8, too large, too many
tags, bad base64, a bad field in a well-signed package, an unknown status code."""

from __future__ import annotations

import pytest

from eoffice.axis.notices import build_notice, parse_notice
from eoffice.axis.package import build_package, document_id_in, parse_package
from eoffice.axis.xmlsig import PackageRefused
from tests.eoffice.axis.conftest import a_notice
from tests.eoffice.axis.packages import LIMIT, SAMPLE, XXE, a_package, element, no_certificate, resign

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


def test_a_status_notice_with_an_unknown_code_is_refused(sender_identity):
    body = build_notice(a_notice(status_code="07"), sender_identity)

    with pytest.raises(PackageRefused, match="'07' is not one of") as refused:
        parse_notice(body, max_bytes=LIMIT, trusted_certificate=no_certificate)
    assert refused.value.field == "StatusCode"
