"""edXML as XML: hardened parsing of what arrives, enveloped XML-DSig signing and verification.

Parsing refuses a DOCTYPE, entity declarations and entity references before anything is read
(no XXE, no entity expansion), and bodies other than UTF-8. Signatures follow
docs/axis-protocol.md: one `Reference URI=""`, enveloped-signature then exclusive C14N,
SHA-256, RSA-SHA256, the certificate in KeyInfo, the `ds:Signature` last in its header.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException

from eoffice.axis.keys import Identity

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
NSMAP = {"edXML": NS}

_VERIFY_CONFIG = SignatureConfiguration(
    location=".//",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")


class PackageRefused(Exception):
    """An arriving package or notice that is not acceptable; `field` names the part, `reason` why."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def hardened_parser() -> etree.XMLParser:
    """No DTD, no entity substitution, no network. huge_tree lifts libxml2's limit on one text node
    (a large attachment's base64): safe because no DTD ever reaches this parser. One per call: lxml
    parsers are not shared between threads."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,
        remove_comments=False,
    )


def parse_untrusted(body: bytes, *, what: str, max_bytes: int) -> etree._Element:
    """The root element of an arriving document, or PackageRefused naming the problem."""
    if len(body) > max_bytes:
        raise PackageRefused(what, f"{len(body)} bytes, larger than the limit of {max_bytes} bytes")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        raise PackageRefused(what, "must be UTF-8 encoded")
    declared = _ENCODING.match(body)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in ("utf-8", "utf8"):
        raise PackageRefused(what, "must be UTF-8 encoded")
    # In UTF-8 a declaration cannot hide from a byte search: refuse before the parser sees one.
    found = _DECLARATION.search(body)
    if found:
        kind = found.group(1).decode().upper()
        raise PackageRefused(what, f"a DOCTYPE or <!{kind}> declaration is not allowed (no DTD, no entities)")
    try:
        root = etree.fromstring(body, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise PackageRefused(what, f"not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise PackageRefused(what, "a DOCTYPE is not allowed")
    if any(True for _ in root.iter(etree.Entity)):
        raise PackageRefused(what, "entity references are not allowed")
    return root


def q(*names: str) -> str:
    """ElementPath of edXML elements: q("edXMLEnvelope", "edXMLHeader")."""
    return "/".join(f"{{{NS}}}{name}" for name in names)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def add(parent: etree._Element, name: str, text: str | int | None = None) -> etree._Element:
    """Append an edXML element; text in Unicode NFC."""
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        element.text = nfc(str(text))
    return element


def text_at(element: etree._Element | None, path: str) -> str | None:
    """Stripped NFC text at a "/"-separated path of edXML names; None when absent, "" when empty."""
    if element is None:
        return None
    found = element.find(q(*path.split("/")))
    return None if found is None else nfc((found.text or "").strip())


def add_signature_placeholder(parent: etree._Element) -> None:
    """Where the signature goes: signxml fills the placeholder in place (last child of the header)."""
    etree.SubElement(parent, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})


def sign(root: etree._Element, identity: Identity) -> bytes:
    """The signed document as UTF-8 bytes; the root must hold a signature placeholder."""
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=EXC_C14N,
    )
    # signxml re-parses the document: with its default parser a large attachment would be refused.
    signer._parser = hardened_parser()
    signed = signer.sign(root, key=identity.key_pem, cert=[identity.certificate_pem])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _certificate_in_key_info(signature: etree._Element) -> str | None:
    found = signature.find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if found is None or not (found.text or "").strip():
        return None
    body = "".join(found.text.split())
    return (
        "-----BEGIN CERTIFICATE-----\n" + "\n".join(textwrap.wrap(body, 64)) + "\n-----END CERTIFICATE-----\n"
    )


def _shape_problem(signature: etree._Element) -> str | None:
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1:
        return f"exactly one ds:Reference expected, found {len(references)}"
    reference = references[0]
    if reference.get("URI") != "":
        return f'the ds:Reference must have URI="" (the whole package), not {reference.get("URI")!r}'
    transforms = [t.get("Algorithm") for t in reference.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")]
    if transforms != [ENVELOPED, EXC_C14N]:
        return f"transforms must be enveloped-signature then exclusive C14N, got {transforms}"
    digest = reference.find(f"{{{DS}}}DigestMethod")
    if digest is None or digest.get("Algorithm") != SHA256:
        return "the digest method must be SHA-256"
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    if method is None or method.get("Algorithm") != RSA_SHA256:
        return "the signature method must be RSA-SHA256"
    return None


def signatures_in(root: etree._Element) -> list[etree._Element]:
    return root.findall(f".//{{{DS}}}Signature")


def verify(
    body: bytes, root: etree._Element, header_path: str, header_name: str, trusted_pem: str | None
) -> tuple[etree._Element, str]:
    """(what the signature covers, how it was verified) or PackageRefused.

    With a certificate known here for the sender (trusted_pem) the signature must verify against
    it; otherwise against the certificate in KeyInfo, which proves integrity only: the axis has
    checked it against the certificate registered for the sending system. Read data only from
    the returned element.
    """
    signatures = signatures_in(root)
    if not signatures:
        raise PackageRefused("Signature", f"unsigned: no ds:Signature (expected last in {header_name})")
    if len(signatures) > 1:
        raise PackageRefused("Signature", f"exactly one ds:Signature expected, found {len(signatures)}")
    signature = signatures[0]
    header = root.find(header_path)
    if header is None or signature.getparent() is not header:
        raise PackageRefused("Signature", f"the ds:Signature must be a child of {header_name}")
    if list(header.iterchildren(tag=etree.Element))[-1] is not signature:
        raise PackageRefused("Signature", f"the ds:Signature must be the last child of {header_name}")
    problem = _shape_problem(signature)
    if problem:
        raise PackageRefused("Signature", problem)
    certificate = trusted_pem or _certificate_in_key_info(signature)
    if certificate is None:
        raise PackageRefused("Signature", "KeyInfo › X509Data › X509Certificate is missing")
    try:
        result = XMLVerifier().verify(
            body, x509_cert=certificate, parser=hardened_parser(), expect_config=_VERIFY_CONFIG
        )
    except InvalidDigest:
        raise PackageRefused("Signature", "the content was changed after signing (digest mismatch)") from None
    except InvalidSignature:
        against = "the certificate known for the sender" if trusted_pem else "the certificate in KeyInfo"
        raise PackageRefused("Signature", f"does not verify against {against}") from None
    except (SignXMLException, ValueError, etree.XMLSyntaxError) as exc:
        raise PackageRefused("Signature", f"cannot be verified: {exc}") from None
    if result.signed_xml is None:
        raise PackageRefused("Signature", "the signed content is not XML")
    return result.signed_xml, "trusted_certificate" if trusted_pem else "key_info_certificate"
