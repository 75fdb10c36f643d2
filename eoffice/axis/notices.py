"""Status notices (docs/axis-protocol.md, "Status notices"): what a recipient tells the sender, and recall.

The shape is the SDK samples' (../shared/samples/vdxp-sdk/status_*.edxml): ResponseFor › OrganId is the
agency the notice goes to, ResponseFor › DocumentId the original document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from eoffice.axis import mapping
from eoffice.axis.keys import Identity
from eoffice.axis.package import Organ, add_organ, checked_organ_id, read_organ, verify_signed
from eoffice.axis.xmlsig import (
    NS,
    NSMAP,
    PackageRefused,
    Verified,
    add,
    add_signature_placeholder,
    parse_untrusted,
    q,
    sign,
    signatures_in,
    text_at,
)

ARRIVED, REFUSED, ACCEPTED, ASSIGNED, IN_PROGRESS, COMPLETED = "01", "02", "03", "04", "05", "06"
RECALL_REQUESTED, RECALL_AGREED, RECALL_REFUSED = "13", "15", "16"
STATUS_CODES = {
    ARRIVED: "arrived",
    REFUSED: "refused",
    ACCEPTED: "accepted",
    ASSIGNED: "assigned",
    IN_PROGRESS: "in progress",
    COMPLETED: "completed",
    RECALL_REQUESTED: "recall requested",
    RECALL_AGREED: "recall/update agreed",
    RECALL_REFUSED: "recall/update refused",
}
HEADER_PATH = q("edXMLEnvelope", "edXMLHeader")


@dataclass
class StatusNotice:
    """A status notice as the samples shape it; `addressee_id` is ResponseFor › OrganId."""

    sender: Organ  # From: who tells
    addressee_id: str  # ResponseFor › OrganId: the agency the notice goes to
    code: str  # ResponseFor › Code, e.g. 1234/UBND-VX
    promulgation_date: date | None
    document_id: str  # ResponseFor › DocumentId: always the original document
    status_code: str
    description: str
    timestamp: datetime
    staff_department: str | None = None
    staff_name: str | None = None
    staff_mobile: str | None = None
    staff_email: str | None = None

    @property
    def from_id(self) -> str:
        return self.sender.organ_id

    @property
    def from_name(self) -> str:
        return self.sender.name

    @property
    def original_sender_id(self) -> str:
        """The sender of the document: it asks for a recall (13); every other code is sent to it."""
        return self.from_id if self.status_code == RECALL_REQUESTED else self.addressee_id

    @property
    def recipient_id(self) -> str:
        """The agency the document was sent to."""
        return self.addressee_id if self.status_code == RECALL_REQUESTED else self.from_id


STAFF_FIELDS = (
    ("staff_department", "Department"),
    ("staff_name", "Staff"),
    ("staff_mobile", "Mobile"),
    ("staff_email", "Email"),
)


def build_notice(notice: StatusNotice, identity: Identity | None) -> bytes:
    """edXML › edXMLEnvelope › edXMLHeader › MessageHeader, as the samples; signed when identity is given."""
    root = etree.Element(f"{{{NS}}}edXML", nsmap=NSMAP)
    header = add(add(root, "edXMLEnvelope"), "edXMLHeader")
    message = add(header, "MessageHeader")
    add_organ(message, "From", notice.sender)
    response_for = add(message, "ResponseFor")
    add(response_for, "OrganId", notice.addressee_id)
    add(response_for, "Code", notice.code)
    add(response_for, "PromulgationDate", mapping.format_date(notice.promulgation_date) or "")
    add(response_for, "DocumentId", notice.document_id)
    staff = add(message, "StaffInfo")
    for attribute, tag in STAFF_FIELDS:
        add(staff, tag, getattr(notice, attribute) or "")
    add(message, "StatusCode", notice.status_code)
    add(message, "Description", notice.description)
    add(message, "Timestamp", mapping.format_timestamp(notice.timestamp))
    if identity is None:
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    add_signature_placeholder(header)
    return sign(root, identity)


def read_notice(root: etree._Element) -> StatusNotice:
    if root.tag != f"{{{NS}}}edXML":
        raise PackageRefused("edXML", f"the root element must be edXML in namespace {NS}, not {root.tag}")
    header = root.find(HEADER_PATH)
    message = header.find(q("MessageHeader")) if header is not None else None
    if message is None:
        raise PackageRefused("MessageHeader", "edXMLEnvelope › edXMLHeader › MessageHeader is missing")
    code = text_at(message, "StatusCode")
    if code not in STATUS_CODES:
        raise PackageRefused("StatusCode", f"{code!r} is not one of {', '.join(STATUS_CODES)}")
    senders = message.findall(q("From"))
    if len(senders) != 1:
        raise PackageRefused("From", f"exactly one From expected, found {len(senders)}")
    document_id = text_at(message, "ResponseFor/DocumentId")
    if not document_id:
        raise PackageRefused("ResponseFor.DocumentId", "is required")
    stamp = text_at(message, "Timestamp") or ""
    try:
        timestamp = mapping.parse_timestamp(stamp)
    except ValueError:
        raise PackageRefused("Timestamp", f"{stamp!r} is not yyyy/MM/dd HH:mm:ss (Vietnam time)") from None
    promulgation = text_at(message, "ResponseFor/PromulgationDate")
    try:
        promulgation_date = mapping.parse_date(promulgation)
    except ValueError:
        raise PackageRefused("ResponseFor.PromulgationDate", f"{promulgation!r} is not yyyy/MM/dd") from None
    notice = StatusNotice(
        sender=read_organ(senders[0], "From"),
        addressee_id=checked_organ_id(text_at(message, "ResponseFor/OrganId"), "ResponseFor.OrganId"),
        code=text_at(message, "ResponseFor/Code") or "",
        promulgation_date=promulgation_date,
        document_id=document_id,
        status_code=code,
        description=text_at(message, "Description") or "",
        timestamp=timestamp,
        **{attribute: text_at(message, f"StaffInfo/{tag}") or None for attribute, tag in STAFF_FIELDS},
    )
    if notice.addressee_id == notice.from_id:
        raise PackageRefused("ResponseFor.OrganId", "names the sender of the notice itself")
    return notice


def parse_notice(
    body: bytes, *, max_bytes: int, trusted_certificate, accept_sha1: bool = True
) -> tuple[StatusNotice, Verified | None]:
    """(the notice, its verified signature or None when unsigned) from arriving bytes, or PackageRefused.

    A notice may come unsigned, as the samples do: the axis has authenticated the sending system.
    A signature that is there must verify.
    """
    root = parse_untrusted(body, what="status", max_bytes=max_bytes)
    if not signatures_in(root):
        return read_notice(root), None
    verified = verify_signed(body, root, trusted_certificate, accept_sha1)
    return read_notice(verified.signed), verified
