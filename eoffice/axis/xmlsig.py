"""edXML as XML: hardened parsing of what arrives, enveloped XML-DSig signing and verification.

Parsing refuses a DOCTYPE, entity declarations and entity references before anything is read
(no XXE, no entity expansion), and bodies other than UTF-8. We sign as docs/axis-protocol.md says
(RSA-SHA256, exclusive C14N); we verify the profiles real systems send (see `verify`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import textwrap
import unicodedata
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner

from eoffice.axis.keys import Identity

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
# How the SDK samples name exclusive C14N (not the standard's URI): taken for what it means.
EXC_C14N_AS_THE_SDK_WRITES = "http://www.w3.org/TR/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
NSMAP = {"edXML": NS}
# Algorithm URI -> exclusive?
CANONICALIZATIONS = {C14N: False, EXC_C14N: True, EXC_C14N_AS_THE_SDK_WRITES: True}
# Algorithm URI -> (hashlib name, cryptography hash, name said in a trace).
SIGNATURE_METHODS = {
    RSA_SHA256: ("sha256", hashes.SHA256, "RSA-SHA256"),
    RSA_SHA1: ("sha1", hashes.SHA1, "RSA-SHA1"),
}
# RSA keys shorter than this are refused: a 1024-bit modulus is within reach of a well-funded forger.
MIN_RSA_BITS = 2048
DIGESTS = {SHA256: ("sha256", hashes.SHA256, "SHA-256"), SHA1: ("sha1", hashes.SHA1, "SHA-1")}
# Tags an arriving document may hold: real packages have a few hundred (attachments are base64 text).
# Each element costs lxml far more memory than its bytes, and verifying copies the tree twice: a
# package of nothing but <a/> within the size limit would take gigabytes.
MAX_TAGS = 100_000
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
    if body.count(b"<") > MAX_TAGS:
        raise PackageRefused(what, f"more than {MAX_TAGS} tags")
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


def _certificate_in_key_info(signature: etree._Element, ns: str) -> str | None:
    found = signature.find(f"{{{ns}}}KeyInfo/{{{ns}}}X509Data/{{{ns}}}X509Certificate")
    if found is None or not (found.text or "").strip():
        return None
    body = "".join(found.text.split())
    return (
        "-----BEGIN CERTIFICATE-----\n" + "\n".join(textwrap.wrap(body, 64)) + "\n-----END CERTIFICATE-----\n"
    )


def signatures_in(root: etree._Element) -> list[etree._Element]:
    """Every Signature: in the xmldsig namespace, or written without a prefix in edXML's default one."""
    return list(root.iter(f"{{{DS}}}Signature", f"{{{NS}}}Signature"))


@dataclass(frozen=True)
class Verified:
    """What a verified signature covers and how it was made."""

    signed: etree._Element  # the document minus its signature, re-read from what was digested
    verified_with: str  # "trusted_certificate" or "key_info_certificate"
    signature_method: str  # "RSA-SHA256" or "RSA-SHA1"
    digest: str  # "SHA-256" or "SHA-1"
    canonicalization: str  # "exclusive" or "inclusive"

    @property
    def uses_sha1(self) -> bool:
        return self.signature_method == "RSA-SHA1" or self.digest == "SHA-1"

    @property
    def profile(self) -> str:
        return f"{self.signature_method}, {self.digest} digest, {self.canonicalization} C14N"


def _without(root: etree._Element, signature: etree._Element) -> etree._Element:
    """A copy of the document without the signature element (the enveloped-signature transform): the
    text after it stays where it was."""
    positions = []
    element = signature
    while element is not root:
        positions.append(element.getparent().index(element))
        element = element.getparent()
    copy = deepcopy(root)
    found = copy
    for position in reversed(positions):
        found = found[position]
    parent, tail = found.getparent(), found.tail
    if tail:
        previous = found.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(found)
    return copy


def _c14n(element: etree._Element, exclusive: bool) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=exclusive, with_comments=False)


def _algorithm(element: etree._Element | None) -> str | None:
    return None if element is None else element.get("Algorithm")


def _refuse(reason: str) -> PackageRefused:
    return PackageRefused("Signature", reason)


def _profile(signature: etree._Element, accept_sha1: bool) -> tuple[etree._Element, bool, bool, str, str]:
    """(the reference, exclusive C14N of SignedInfo, of the content, signature method, digest method)."""
    ns = etree.QName(signature).namespace

    def at(path: str) -> list[etree._Element]:
        return signature.findall("/".join(f"{{{ns}}}{name}" for name in path.split("/")))

    if len(at("SignedInfo")) != 1:
        raise _refuse("exactly one SignedInfo expected")
    references = at("SignedInfo/Reference")
    if len(references) != 1:
        raise _refuse(f"exactly one Reference expected, found {len(references)}")
    reference = references[0]
    if reference.get("URI") != "":
        raise _refuse(f'the Reference must have URI="" (the whole package), not {reference.get("URI")!r}')
    transforms = [_algorithm(t) for t in reference.findall(f"{{{ns}}}Transforms/{{{ns}}}Transform")]
    if (
        not transforms
        or transforms[0] != ENVELOPED
        or len(transforms) > 2
        or (len(transforms) == 2 and transforms[1] not in CANONICALIZATIONS)
    ):
        raise _refuse(
            f"transforms must be enveloped-signature, then exclusive or inclusive C14N; got {transforms}"
        )
    # Without a C14N transform the enveloped node-set is serialised by inclusive C14N (XML-DSig 4.4.3.2).
    content_exclusive = CANONICALIZATIONS[transforms[1]] if len(transforms) == 2 else False
    signed_info_method = _algorithm(next(iter(at("SignedInfo/CanonicalizationMethod")), None))
    if signed_info_method not in CANONICALIZATIONS:
        raise _refuse(f"the CanonicalizationMethod {signed_info_method!r} is not exclusive or inclusive C14N")
    method = _algorithm(next(iter(at("SignedInfo/SignatureMethod")), None))
    digest = _algorithm(reference.find(f"{{{ns}}}DigestMethod"))
    if method not in SIGNATURE_METHODS:
        raise _refuse(f"the SignatureMethod {method!r} is not RSA-SHA256 or RSA-SHA1")
    if digest not in DIGESTS:
        raise _refuse(f"the DigestMethod {digest!r} is not SHA-256 or SHA-1")
    if not accept_sha1 and "sha1" in (SIGNATURE_METHODS[method][0], DIGESTS[digest][0]):
        raise _refuse("signed with SHA-1, which this server does not accept (EOFFICE_AXIS_ACCEPT_SHA1)")
    return reference, CANONICALIZATIONS[signed_info_method], content_exclusive, method, digest


def _decoded(element: etree._Element | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (AttributeError, binascii.Error, ValueError):
        raise _refuse(f"{what} is missing or not base64") from None


def verify(
    body: bytes,
    root: etree._Element,
    header_path: str,
    header_name: str,
    trusted_pem: str | None,
    *,
    accept_sha1: bool = True,
) -> Verified:
    """The verified signature, or PackageRefused.

    Signatures as real systems make them: `Signature` in the xmldsig namespace or without a prefix
    in the default (edXML) namespace; one Reference URI="" with the enveloped-signature transform;
    RSA-SHA256 or RSA-SHA1; exclusive or inclusive C14N. With a certificate known here for the
    sender (trusted_pem) the signature must verify against it; otherwise against the certificate in
    KeyInfo, which proves integrity only: the axis has checked it against the certificate registered
    for the sending system. Read data only from `Verified.signed`.
    """
    signatures = signatures_in(root)
    if not signatures:
        raise _refuse(f"unsigned: no Signature (expected last in {header_name})")
    if len(signatures) > 1:
        raise _refuse(f"exactly one Signature expected, found {len(signatures)}")
    signature = signatures[0]
    header = root.find(header_path)
    if header is None or signature.getparent() is not header:
        raise _refuse(f"the Signature must be a child of {header_name}")
    if list(header.iterchildren(tag=etree.Element))[-1] is not signature:
        raise _refuse(f"the Signature must be the last child of {header_name}")
    reference, signed_info_exclusive, content_exclusive, method, digest = _profile(signature, accept_sha1)
    ns = etree.QName(signature).namespace
    content = _c14n(_without(root, signature), content_exclusive)
    expected = _decoded(reference.find(f"{{{ns}}}DigestValue"), "the DigestValue")
    if not hmac.compare_digest(hashlib.new(DIGESTS[digest][0], content).digest(), expected):
        raise _refuse("the content was changed after signing (digest mismatch)")
    certificate = trusted_pem or _certificate_in_key_info(signature, ns)
    if certificate is None:
        raise _refuse("KeyInfo › X509Data › X509Certificate is missing")
    try:
        loaded = x509.load_pem_x509_certificate(certificate.encode("ascii"))
    except ValueError as exc:
        raise _refuse(f"the certificate cannot be read: {exc}") from None
    now = datetime.now(UTC)
    if not loaded.not_valid_before_utc <= now <= loaded.not_valid_after_utc:
        start, end = loaded.not_valid_before_utc, loaded.not_valid_after_utc
        raise _refuse(
            f"the certificate is not valid now (valid {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC)"
        )
    public_key = loaded.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _refuse("the certificate does not carry an RSA key")
    if public_key.key_size < MIN_RSA_BITS:
        raise _refuse(f"the certificate's RSA key has {public_key.key_size} bits, fewer than {MIN_RSA_BITS}")
    signed_info = signature.find(f"{{{ns}}}SignedInfo")
    try:
        public_key.verify(
            _decoded(signature.find(f"{{{ns}}}SignatureValue"), "the SignatureValue"),
            _c14n(signed_info, signed_info_exclusive),
            padding.PKCS1v15(),
            SIGNATURE_METHODS[method][1](),
        )
    except InvalidSignature:
        against = "the certificate known for the sender" if trusted_pem else "the certificate in KeyInfo"
        raise _refuse(f"does not verify against {against}") from None
    return Verified(
        signed=etree.fromstring(content, parser=hardened_parser()),
        verified_with="trusted_certificate" if trusted_pem else "key_info_certificate",
        signature_method=SIGNATURE_METHODS[method][2],
        digest=DIGESTS[digest][2],
        canonicalization="exclusive" if content_exclusive else "inclusive",
    )
