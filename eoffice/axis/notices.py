"""Status notices (docs/axis-protocol.md, "Status notices"): what a recipient tells the sender, and recall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from eoffice.axis import mapping
from eoffice.axis.keys import Identity
from eoffice.axis.package import ORGAN_ID
from eoffice.axis.xmlsig import (
    NS,
    NSMAP,
    PackageRefused,
    add,
    add_signature_placeholder,
    parse_untrusted,
    q,
    sign,
    text_at,
    verify,
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
HEADER_PATH = q("Header")


@dataclass
class StatusNotice:
    original_sender_id: str  # ResponseFor › OrganId
    code: str  # ResponseFor › Code, e.g. 1234/UBND-VX
    promulgation_date: date | None
    document_id: str  # ResponseFor › DocumentId
    from_id: str
    from_name: str
    to_id: str | None
    status_code: str
    description: str
    timestamp: datetime
    staff_department: str | None = None
    staff_name: str | None = None

    @property
    def addressee_id(self) -> str:
        return self.to_id or self.original_sender_id


def build_notice(notice: StatusNotice, identity: Identity) -> bytes:
    root = etree.Element(f"{{{NS}}}Status", nsmap=NSMAP)
    header = add(root, "Header")
    response_for = add(header, "ResponseFor")
    add(response_for, "OrganId", notice.original_sender_id)
    add(response_for, "Code", notice.code)
    add(response_for, "PromulgationDate", mapping.format_date(notice.promulgation_date) or "")
    add(response_for, "DocumentId", notice.document_id)
    sender = add(header, "From")
    add(sender, "OrganId", notice.from_id)
    add(sender, "OrganName", notice.from_name)
    if notice.to_id:
        add(add(header, "To"), "OrganId", notice.to_id)
    add(header, "StatusCode", notice.status_code)
    add(header, "Description", notice.description)
    add(header, "Timestamp", mapping.format_timestamp(notice.timestamp))
    staff = add(header, "StaffInfo")
    add(staff, "Department", notice.staff_department or "")
    add(staff, "Staff", notice.staff_name or "")
    add(staff, "Mobile")
    add(staff, "Email")
    add_signature_placeholder(header)
    return sign(root, identity)


def _organ_id(value: str | None, field_name: str) -> str:
    if not value or not ORGAN_ID.match(value):
        raise PackageRefused(field_name, f"{value!r} is not an agency identifier (like 000.00.00.H49)")
    return value


def read_notice(root: etree._Element) -> StatusNotice:
    if root.tag != f"{{{NS}}}Status":
        raise PackageRefused("Status", f"the root element must be Status in namespace {NS}, not {root.tag}")
    header = root.find(HEADER_PATH)
    if header is None:
        raise PackageRefused("Header", "Status › Header is missing")
    code = text_at(header, "StatusCode")
    if code not in STATUS_CODES:
        raise PackageRefused("StatusCode", f"{code!r} is not one of {', '.join(STATUS_CODES)}")
    document_id = text_at(header, "ResponseFor/DocumentId")
    if not document_id:
        raise PackageRefused("ResponseFor.DocumentId", "is required")
    stamp = text_at(header, "Timestamp") or ""
    try:
        timestamp = mapping.parse_timestamp(stamp)
    except ValueError:
        raise PackageRefused("Timestamp", f"{stamp!r} is not yyyy/MM/dd HH:mm:ss (Vietnam time)") from None
    promulgation = text_at(header, "ResponseFor/PromulgationDate")
    try:
        promulgation_date = mapping.parse_date(promulgation)
    except ValueError:
        raise PackageRefused("ResponseFor.PromulgationDate", f"{promulgation!r} is not yyyy/MM/dd") from None
    to_id = text_at(header, "To/OrganId")
    return StatusNotice(
        original_sender_id=_organ_id(text_at(header, "ResponseFor/OrganId"), "ResponseFor.OrganId"),
        code=text_at(header, "ResponseFor/Code") or "",
        promulgation_date=promulgation_date,
        document_id=document_id,
        from_id=_organ_id(text_at(header, "From/OrganId"), "From.OrganId"),
        from_name=text_at(header, "From/OrganName") or "",
        to_id=_organ_id(to_id, "To.OrganId") if to_id is not None else None,
        status_code=code,
        description=text_at(header, "Description") or "",
        timestamp=timestamp,
        staff_department=text_at(header, "StaffInfo/Department") or None,
        staff_name=text_at(header, "StaffInfo/Staff") or None,
    )


def parse_notice(body: bytes, *, max_bytes: int, trusted_certificate) -> tuple[StatusNotice, str]:
    """(the notice, how its signature was verified) from arriving bytes, or PackageRefused."""
    root = parse_untrusted(body, what="status", max_bytes=max_bytes)
    claimed = text_at(root.find(HEADER_PATH), "From/OrganId")
    signed, verified_with = verify(
        body, root, HEADER_PATH, "Header", trusted_certificate(claimed) if claimed else None
    )
    notice = read_notice(signed)
    if notice.from_id != claimed:
        raise PackageRefused("From.OrganId", "differs from what the signature covers")
    return notice, verified_with
