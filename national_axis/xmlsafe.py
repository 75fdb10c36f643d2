"""Hardened parsing of untrusted XML; its enveloped XML-DSig verified against a known certificate."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from copy import deepcopy
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from national_axis.errors import problem

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
# How the SDK samples name exclusive C14N (not the standard's URI): taken for what it means.
EXC_C14N_AS_THE_SDK_WRITES = "http://www.w3.org/TR/xml-exc-c14n#"
# Algorithm URI -> exclusive?
CANONICALIZATIONS = {C14N: False, EXC_C14N: True, EXC_C14N_AS_THE_SDK_WRITES: True}
SIGNATURE_METHODS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1,
}
DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
}
# RSA keys shorter than this are refused: a 1024-bit modulus is within reach of a well-funded forger.
MIN_RSA_BITS = 2048
# Tags an arriving document may hold: real packages have a few hundred (attachments are base64 text);
# each element costs lxml far more memory than its bytes, and verifying copies the tree twice.
MAX_TAGS = 100_000
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
    if body.count(b"<") > MAX_TAGS:
        raise XmlRefused([problem(field, f"more than {MAX_TAGS} tags")])
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
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the certificate must carry an RSA key (signatures are RSA-SHA256)")
    if key.key_size < MIN_RSA_BITS:
        raise ValueError(f"its RSA key has {key.key_size} bits, fewer than {MIN_RSA_BITS}")
    return certificate


def signatures_in(root: etree._Element) -> list[etree._Element]:
    """Every Signature: in the xmldsig namespace, or written without a prefix in edXML's default one."""
    return list(root.iter(f"{{{DS}}}Signature", f"{{{NS}}}Signature"))


def has_signature(root: etree._Element) -> bool:
    return bool(signatures_in(root))


def _algorithm(element: etree._Element | None) -> str | None:
    return None if element is None else element.get("Algorithm")


def _signature_profile(signature: etree._Element) -> tuple[list[str], dict]:
    """(problems, the profile) of a signature as real systems make them (docs/axis-protocol.md)."""
    ns = etree.QName(signature).namespace

    def at(parent: etree._Element, path: str) -> list[etree._Element]:
        return parent.findall("/".join(f"{{{ns}}}{name}" for name in path.split("/")))

    found: list[str] = []
    references = at(signature, "SignedInfo/Reference")
    if len(at(signature, "SignedInfo")) != 1 or len(references) != 1:
        return [f"exactly one SignedInfo with one Reference expected, found {len(references)} references"], {}
    reference = references[0]
    if reference.get("URI") != "":
        found.append(f'the Reference must have URI="" (the whole package), not {reference.get("URI")!r}')
    transforms = [_algorithm(t) for t in at(reference, "Transforms/Transform")]
    if (
        not transforms
        or transforms[0] != ENVELOPED
        or len(transforms) > 2
        or (len(transforms) == 2 and transforms[1] not in CANONICALIZATIONS)
    ):
        found.append(
            f"transforms must be enveloped-signature, then exclusive or inclusive C14N; got {transforms}"
        )
    signed_info_c14n = _algorithm(next(iter(at(signature, "SignedInfo/CanonicalizationMethod")), None))
    if signed_info_c14n not in CANONICALIZATIONS:
        found.append(f"the CanonicalizationMethod {signed_info_c14n!r} is not exclusive or inclusive C14N")
    method = _algorithm(next(iter(at(signature, "SignedInfo/SignatureMethod")), None))
    if method not in SIGNATURE_METHODS:
        found.append(f"signature method {method!r} is not RSA-SHA256 or RSA-SHA1")
    digest = _algorithm(next(iter(at(reference, "DigestMethod")), None))
    if digest not in DIGESTS:
        found.append(f"digest method {digest!r} is not SHA-256 or SHA-1")
    if found:
        return found, {}
    return [], {
        "ns": ns,
        "reference": reference,
        "signed_info_exclusive": CANONICALIZATIONS[signed_info_c14n],
        # Without a C14N transform the enveloped node-set is serialised by inclusive C14N.
        "content_exclusive": CANONICALIZATIONS[transforms[1]] if len(transforms) == 2 else False,
        "hash": SIGNATURE_METHODS[method],
        "digest": DIGESTS[digest],
    }


def _without(root: etree._Element, signature: etree._Element) -> etree._Element:
    """A copy of the document without the signature element; the text after it stays in place."""
    positions = []
    element = signature
    while element is not root:
        positions.append(element.getparent().index(element))
        element = element.getparent()
    copy = deepcopy(root)
    found = copy
    for position in reversed(positions):
        found = found[position]
    parent, previous = found.getparent(), found.getprevious()
    if found.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + found.tail
        else:
            parent.text = (parent.text or "") + found.tail
    parent.remove(found)
    return copy


def _c14n(element: etree._Element, exclusive: bool) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=exclusive, with_comments=False)


def _base64(element: etree._Element | None) -> bytes | None:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (AttributeError, binascii.Error, ValueError):
        return None


def _check_valid_now(certificate: x509.Certificate) -> None:
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
        raise ValueError(
            f"it is not valid now (valid from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC)"
        )


def verify_enveloped(
    body: bytes, root: etree._Element, parent_path: str, parent_name: str, certificate_pem: str
) -> tuple[list[dict[str, str]], etree._Element | None]:
    """(problems, the signed content) of the one signature, the last child of the element at parent_path.

    The profiles real systems use are accepted: Signature in the xmldsig namespace or unprefixed in
    the default (edXML) namespace, RSA-SHA256 or RSA-SHA1, exclusive or inclusive C14N, one
    Reference URI="" with the enveloped-signature transform. The signature is checked against
    certificate_pem, the certificate registered for the sending system, whatever KeyInfo carries.
    The signed content is the document minus the signature, re-parsed from what was digested:
    read data only from it.
    """
    field = "Signature"
    signatures = signatures_in(root)
    if not signatures:
        text = f"unsigned: no Signature (expected as the last child of {parent_name})"
        return [problem(field, text)], None
    if len(signatures) > 1:
        return [problem(field, f"exactly one Signature expected, found {len(signatures)}")], None
    signature = signatures[0]
    parent = root.find(parent_path) if parent_path else root
    if parent is None or signature.getparent() is not parent:
        return [problem(field, f"the Signature must be a child of {parent_name}")], None
    if list(parent.iterchildren(tag=etree.Element))[-1] is not signature:
        return [problem(field, f"the Signature must be the last child of {parent_name}")], None
    shape, profile = _signature_profile(signature)
    if shape:
        return [problem(field, text) for text in shape], None
    ns = profile["ns"]
    content = _c14n(_without(root, signature), profile["content_exclusive"])
    expected = _base64(profile["reference"].find(f"{{{ns}}}DigestValue"))
    digest = hashes.Hash(profile["digest"]())
    digest.update(content)
    if expected is None or not hmac.compare_digest(digest.finalize(), expected):
        return [problem(field, "the content was changed after signing (digest mismatch)")], None
    value = _base64(signature.find(f"{{{ns}}}SignatureValue"))
    if value is None:
        return [problem(field, "the SignatureValue is missing or not base64")], None
    try:
        certificate = load_certificate(certificate_pem)
        _check_valid_now(certificate)
    except ValueError as exc:
        text = f"the registered certificate of the sending system is not usable: {exc}"
        return [problem(field, text)], None
    public_key = certificate.public_key()
    signed_info = _c14n(signature.find(f"{{{ns}}}SignedInfo"), profile["signed_info_exclusive"])
    try:
        public_key.verify(value, signed_info, padding.PKCS1v15(), profile["hash"]())
    except InvalidSignature:
        return [
            problem(field, "does not verify against the certificate registered for the sending system")
        ], None
    return [], etree.fromstring(content, parser=hardened_parser())
