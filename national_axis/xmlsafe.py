"""Hardened parsing of untrusted XML; its enveloped XML-DSig verified against a known certificate."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature, SignXMLException

from national_axis.errors import problem

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

_VERIFY_CONFIG = SignatureConfiguration(
    location=".//",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)
_DECLARATIONS = (b"DOCTYPE", b"ENTITY", b"ELEMENT", b"ATTLIST", b"NOTATION")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")


class XmlRefused(Exception):
    """The body is not acceptable XML at all; carries the problems for a 422."""

    def __init__(self, problems: list[dict[str, str]]):
        super().__init__("; ".join(p["problem"] for p in problems))
        self.problems = problems


def q(*names: str) -> str:
    """ElementPath of edXML-namespace elements: q("edXMLEnvelope", "edXMLHeader")."""
    return "/".join(f"{{{NS}}}{name}" for name in names)


def hardened_parser() -> etree.XMLParser:
    # No DTD loading, no entity substitution, no network. huge_tree lifts libxml2's 10 MB limit on one
    # text node (a large attachment's base64); it is safe here because no DTD ever reaches the parser.
    # A new parser per call: lxml parsers are not to be shared between threads.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=True
    )


def parse_untrusted(body: bytes, field: str) -> etree._Element:
    """Parse a package or notice, refusing anything but plain UTF-8 XML without a DOCTYPE."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        raise XmlRefused([problem(field, "must be UTF-8 encoded")])
    declared = _ENCODING.match(body)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in ("utf-8", "utf8"):
        raise XmlRefused([problem(field, "must be UTF-8 encoded")])
    # In UTF-8 a declaration cannot hide from a byte search; refuse before the parser ever sees one.
    kind = _declaration_in(body)
    if kind:
        text = f"a DOCTYPE or <!{kind}> declaration is not allowed (no DTD, no entities)"
        raise XmlRefused([problem(field, text)])
    try:
        root = etree.fromstring(body, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRefused([problem(field, f"not well-formed XML: {exc}")]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlRefused([problem(field, "a DOCTYPE is not allowed")])
    if any(True for _ in root.iter(etree.Entity)):
        raise XmlRefused([problem(field, "entity references are not allowed")])
    return root


def _declaration_in(body: bytes) -> str | None:
    """The first markup declaration (<!DOCTYPE, <!ENTITY, …) anywhere in the body, if any."""
    start = body.find(b"<!")
    while start != -1:
        word = body[start + 2 : start + 10].upper()
        for kind in _DECLARATIONS:
            if word.startswith(kind):
                return kind.decode()
        start = body.find(b"<!", start + 2)
    return None


def load_certificate(pem: str) -> x509.Certificate:
    """The PEM certificate of a system; ValueError naming what is wrong with it."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"not a PEM X.509 certificate ({exc})") from None
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise ValueError("the certificate must carry an RSA key (signatures are RSA-SHA256)")
    return certificate


def _signature_shape_problems(signature: etree._Element) -> list[str]:
    """What the contract pins about the signature: one whole-document reference, the algorithms, the cert."""
    found: list[str] = []
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1:
        return [f"exactly one ds:Reference expected, found {len(references)}"]
    reference = references[0]
    if reference.get("URI") != "":
        found.append(f'the ds:Reference must have URI="" (the whole package), not {reference.get("URI")!r}')
    transforms = [t.get("Algorithm") for t in reference.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")]
    if transforms != [ENVELOPED, EXC_C14N]:
        found.append(f"transforms must be enveloped-signature then exclusive C14N, got {transforms}")
    digest = reference.find(f"{{{DS}}}DigestMethod")
    if digest is None or digest.get("Algorithm") != SHA256:
        found.append("digest method must be SHA-256")
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    if method is None or method.get("Algorithm") != RSA_SHA256:
        found.append("signature method must be RSA-SHA256")
    if signature.find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate") is None:
        found.append("KeyInfo › X509Data › X509Certificate (the signer's certificate) is missing")
    return found


def has_signature(root: etree._Element) -> bool:
    return root.find(f".//{{{DS}}}Signature") is not None


def verify_enveloped(
    body: bytes, root: etree._Element, parent_path: str, parent_name: str, certificate_pem: str
) -> tuple[list[dict[str, str]], etree._Element | None]:
    """(problems, the signed content) of the one signature, the last child of the element at parent_path.

    The signature is checked against certificate_pem, the certificate registered for the sending
    system, whatever KeyInfo carries. The signed content is what the signature covers (the whole
    document minus the signature), re-parsed from its canonical form: read data only from it.
    """
    field = "Signature"
    signatures = root.findall(f".//{{{DS}}}Signature")
    if not signatures:
        text = f"unsigned: no ds:Signature (expected as the last child of {parent_name})"
        return [problem(field, text)], None
    if len(signatures) > 1:
        return [problem(field, f"exactly one ds:Signature expected, found {len(signatures)}")], None
    signature = signatures[0]
    parent = root.find(parent_path) if parent_path else root
    if parent is None or signature.getparent() is not parent:
        return [problem(field, f"the ds:Signature must be a child of {parent_name}")], None
    if list(parent.iterchildren(tag=etree.Element))[-1] is not signature:
        return [problem(field, f"the ds:Signature must be the last child of {parent_name}")], None
    shape = _signature_shape_problems(signature)
    if shape:
        return [problem(field, text) for text in shape], None
    try:
        result = XMLVerifier().verify(
            body, x509_cert=certificate_pem, parser=hardened_parser(), expect_config=_VERIFY_CONFIG
        )
    except InvalidDigest:
        return [problem(field, "the content was changed after signing (digest mismatch)")], None
    except InvalidCertificate as exc:
        text = f"the registered certificate of the sending system is not usable: {exc}"
        return [problem(field, text)], None
    except InvalidSignature:
        return [
            problem(field, "does not verify against the certificate registered for the sending system")
        ], None
    except (SignXMLException, ValueError, etree.XMLSyntaxError) as exc:
        return [problem(field, f"cannot be verified: {exc}")], None
    if result.signed_xml is None:
        return [problem(field, "the signed content is not XML")], None
    return [], result.signed_xml
