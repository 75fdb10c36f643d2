"""Hand-made bad edXML packages, each with the problems the axis must name when it refuses it."""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from signxml import XMLSigner, methods

from tests.fixtures.axis import unique_organ_id
from tests.fixtures.edxml import DS, NS, SigningIdentity, package_tree, signed_package
from tests.national_axis.conftest import Party


@dataclass
class World:
    a: Party
    b: Party
    stranger_key: SigningIdentity


def find(root, name):
    return next(root.iter(f"{{{NS}}}{name}"))


def good(w: World, **fields) -> bytes:
    return signed_package(w.a.identity, **{"from_id": w.a.agency, "to_ids": [w.b.agency], **fields})


def tree(w: World, **fields):
    return package_tree(**{"from_id": w.a.agency, "to_ids": [w.b.agency], **fields})


def mutated(w: World, change: Callable, **fields) -> bytes:
    return signed_package(
        w.a.identity, mutate=change, **{"from_id": w.a.agency, "to_ids": [w.b.agency], **fields}
    )


def set_text(name: str, value: str) -> Callable:
    def change(root):
        find(root, name).text = value

    return change


def after_signing(w: World, change: Callable) -> bytes:
    root = etree.fromstring(good(w))
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def set_all(name: str, value: str) -> Callable:
    def change(root):
        for element in root.iter(f"{{{NS}}}{name}"):
            element.text = value

    return change


def set_attachment_content_id(value: str) -> Callable:
    def change(root):
        find(find(root, "Attachment"), "ContentId").text = value

    return change


def redirect_to(organ_id: str) -> Callable:
    def change(root):
        find(find(root, "To"), "OrganId").text = organ_id

    return change


def add_due_date(value: str) -> Callable:
    def change(root):
        etree.SubElement(find(root, "MessageHeader"), f"{{{NS}}}DueDate").text = value

    return change


def flip_attachment_byte(root):
    encoded = find(root, "ContentTransferEncoded")
    content = bytearray(base64.b64decode(encoded.text))
    content[10] ^= 0x01
    encoded.text = base64.b64encode(bytes(content)).decode()


def move_signature(where: str) -> Callable:
    def change(root):
        signature = root.find(f".//{{{DS}}}Signature")
        header = signature.getparent()
        if where == "before_trace":
            header.insert(1, signature)
        elif where == "root":
            root.append(signature)
        else:
            header.append(etree.fromstring(etree.tostring(signature)))

    return change


def signed_differently(w: World, **signer_options) -> bytes:
    root = tree(w)
    reference_uri = signer_options.pop("reference_uri", None)
    if reference_uri:
        find(root, "edXMLEnvelope").set("Id", reference_uri.lstrip("#"))
    etree.SubElement(find(root, "edXMLHeader"), f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        **signer_options,
    )
    signed = signer.sign(
        root, key=w.a.identity.key_pem, cert=w.a.identity.certificate_pem, reference_uri=reference_uri
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def with_prolog(w: World, prolog: str, subject: str | None = None) -> bytes:
    body = good(w).decode("utf-8")
    body = body.replace("?>", "?>\n" + prolog, 1)
    if subject is not None:
        start = body.index("<edXML:Subject>") + len("<edXML:Subject>")
        body = body[:start] + subject + body[body.index("</edXML:Subject>") :]
    return body.encode("utf-8")


def declared_as(body: bytes, encoding: str) -> bytes:
    """The same package, its XML declaration naming another encoding."""
    changed, count = re.subn(rb"encoding=(['\"])UTF-8\1", f'encoding="{encoding}"'.encode(), body, count=1)
    assert count == 1
    return changed


BILLION_LAUGHS = (
    '<!DOCTYPE edXML [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def remove_all(name: str) -> Callable:
    def change(root):
        for element in list(root.iter(f"{{{NS}}}{name}")):
            element.getparent().remove(element)

    return change


def both(*changes: Callable) -> Callable:
    def change(root):
        for one in changes:
            one(root)

    return change


def add_duplicate_reference(root):
    manifest = find(root, "edXMLManifest")
    manifest.append(etree.fromstring(etree.tostring(find(root, "Reference"))))


# (id, body builder, [(field, words the problem must contain)])
CASES: list[tuple[str, Callable[[World], bytes], list[tuple[str, str]]]] = [
    ("malformed", lambda w: good(w)[:-40], [("package", "not well-formed")]),
    ("not_xml", lambda w: b"this is not xml", [("package", "not well-formed")]),
    ("empty_body", lambda w: b"", [("package", "empty")]),
    ("undeclared_entity", lambda w: with_prolog(w, "", subject="&secret;"), [("package", "not well-formed")]),
    (
        "wrong_root",
        lambda w: b'<?xml version="1.0"?><Document xmlns="urn:other"/>',
        [("edXML", "root element")],
    ),
    ("unsigned", lambda w: etree.tostring(tree(w), encoding="UTF-8"), [("Signature", "unsigned")]),
    (
        "signed_with_a_stranger_key",
        lambda w: signed_package(w.stranger_key, from_id=w.a.agency, to_ids=[w.b.agency]),
        [("Signature", "certificate registered for the sending system")],
    ),
    (
        "signed_with_the_recipient_key",
        lambda w: signed_package(w.b.identity, from_id=w.a.agency, to_ids=[w.b.agency]),
        [("Signature", "certificate registered for the sending system")],
    ),
    (
        "attachment_byte_changed_after_signing",
        lambda w: after_signing(w, flip_attachment_byte),
        [("Signature", "changed after signing")],
    ),
    (
        "subject_changed_after_signing",
        lambda w: after_signing(w, set_text("Subject", "Văn bản giả mạo")),
        [("Signature", "changed after signing")],
    ),
    (
        "recipient_changed_after_signing",
        lambda w: after_signing(w, redirect_to(w.a.agencies[1])),
        [("Signature", "changed after signing")],
    ),
    (
        "signature_not_last_in_header",
        lambda w: after_signing(w, move_signature("before_trace")),
        [("Signature", "last child of edXMLHeader")],
    ),
    (
        "signature_outside_header",
        lambda w: after_signing(w, move_signature("root")),
        [("Signature", "child of edXMLHeader")],
    ),
    (
        "two_signatures",
        lambda w: after_signing(w, move_signature("copy")),
        [("Signature", "exactly one Signature")],
    ),
    (
        "reference_to_part_of_the_package",
        lambda w: signed_differently(w, reference_uri="#envelope"),
        [("Signature", 'URI=""')],
    ),
    # signxml's default is C14N 1.1, which no system of the axis uses.
    ("c14n_1_1_transform", lambda w: signed_differently(w), [("Signature", "exclusive or inclusive C14N")]),
    (
        "xxe_file",
        lambda w: with_prolog(w, '<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
        [("package", "DOCTYPE")],
    ),
    ("billion_laughs", lambda w: with_prolog(w, BILLION_LAUGHS, "&lol9;"), [("package", "DOCTYPE")]),
    ("doctype", lambda w: with_prolog(w, "<!DOCTYPE edXML>"), [("package", "DOCTYPE")]),
    (
        "utf16",
        lambda w: declared_as(good(w), "UTF-16").decode("utf-8").encode("utf-16"),
        [("package", "UTF-8")],
    ),
    (
        "latin1_declared",
        lambda w: declared_as(good(w), "ISO-8859-1"),
        [("package", "UTF-8")],
    ),
    (
        "malformed_base64",
        lambda w: mutated(w, set_text("ContentTransferEncoded", "JVBERi0x@@@LjQK")),
        [("Attachment[0].ContentTransferEncoded", "base64")],
    ),
    (
        "base64_bad_padding",
        lambda w: mutated(w, set_text("ContentTransferEncoded", "JVBERi0xL")),
        [("Attachment[0].ContentTransferEncoded", "base64")],
    ),
    (
        "empty_attachment",
        lambda w: mutated(w, set_text("ContentTransferEncoded", "")),
        [("Attachment[0].ContentTransferEncoded", "empty")],
    ),
    (
        "attachment_not_in_manifest",
        lambda w: mutated(w, set_attachment_content_id("cid:2")),
        [
            ("Attachment[0].ContentId", "0 manifest references"),
            ("edXMLManifest.Reference[0]", "0 attachments"),
        ],
    ),
    (
        "reference_listed_twice",
        lambda w: mutated(w, add_duplicate_reference),
        [("Attachment[0].ContentId", "2 manifest references")],
    ),
    (
        "no_attachment",
        lambda w: mutated(w, both(remove_all("Attachment"), remove_all("Reference"))),
        [("AttachmentEncoded", "at least one Attachment")],
    ),
    (
        "content_id_shape",
        lambda w: mutated(w, set_all("ContentId", "1")),
        [("Attachment[0].ContentId", "not cid:<n>"), ("edXMLManifest.Reference[0].ContentId", "not cid:<n>")],
    ),
    (
        "bad_organ_id_shapes",
        lambda w: signed_package(
            w.a.identity, from_id="00.00.00.H97", to_ids=["000.01.00.h97", "000.01.00.H9X"]
        ),
        [
            ("From.OrganId", "not an agency identifier"),
            ("To[0].OrganId", "not an agency identifier"),
            ("To[1].OrganId", "not an agency identifier"),
        ],
    ),
    (
        "unknown_recipient",
        lambda w: good(w, to_ids=[w.b.agency, unique_organ_id()]),
        [("To[1].OrganId", "not an agency connected")],
    ),
    (
        "from_not_spoken_for",
        lambda w: signed_package(w.a.identity, from_id=w.b.agency, to_ids=[w.a.agency]),
        [("From.OrganId", "speaks for")],
    ),
    (
        "recipient_twice",
        lambda w: good(w, to_ids=[w.b.agency, w.b.agency]),
        [("To[1].OrganId", "more than once")],
    ),
    ("no_recipient", lambda w: good(w, to_ids=[]), [("To", "at least one To")]),
    ("subject_too_long", lambda w: good(w, subject="V" * 501), [("Subject", "501 characters")]),
    ("notation_too_long", lambda w: good(w, notation="X" * 51), [("Code.CodeNotation", "51 characters")]),
    ("organ_name_too_long", lambda w: good(w, from_name="Ủ" * 201), [("From.OrganName", "201 characters")]),
    (
        "document_id_too_long",
        lambda w: good(w, document_id=f"{w.a.agency},2026/11/20," + "9" * 80),
        [("DocumentId", "at most 100")],
    ),
    # Another sender's OrganId or code in it is accepted, as the SDK samples have it; its shape is not.
    (
        "document_id_without_an_agency",
        lambda w: good(w, document_id="H97,2026/11/20,1234/UBND-VX"),
        [("DocumentId", "not an agency identifier")],
    ),
    (
        "bad_dates",
        lambda w: mutated(w, both(set_text("PromulgationDate", "2026/13/40"), add_due_date("mai"))),
        [("PromulgationInfo.PromulgationDate", "not a date"), ("DueDate", "not a date")],
    ),
    (
        "subject_not_nfc",
        lambda w: good(w, subject=unicodedata.normalize("NFD", "Quyết định")),
        [("Subject", "NFC")],
    ),
    ("subject_missing", lambda w: mutated(w, remove_all("Subject")), [("Subject", "required")]),
    (
        "priority_out_of_range",
        lambda w: mutated(w, set_text("Priority", "7")),
        [("OtherInfo.Priority", "not one of")],
    ),
    (
        "business_type_out_of_range",
        lambda w: good(w, business_doc_type=9),
        [("Bussiness.BussinessDocType", "not one of")],
    ),
    (
        "trace_timestamp",
        lambda w: mutated(w, set_text("Timestamp", "hôm qua")),
        [("TraceHeader[0].Timestamp", "yyyy/MM/dd")],
    ),
    (
        "several_problems_at_once",
        lambda w: mutated(
            w,
            set_text("Priority", "9"),
            to_ids=[w.b.agency, unique_organ_id()],
            subject="",
            notation="X" * 51,
        ),
        [
            ("To[1].OrganId", "not an agency connected"),
            ("Subject", "empty"),
            ("Code.CodeNotation", "51 characters"),
            ("OtherInfo.Priority", "not one of"),
        ],
    ),
]
