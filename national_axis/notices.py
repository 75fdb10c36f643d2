"""The axis's own reading of an edXML status notice (docs/axis-protocol.md, "Status notices")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from national_axis.edxml import Checker, text_at
from national_axis.xmlsafe import NS, q

STATUS_CODES = {
    "01": "arrived",
    "02": "refused",
    "03": "accepted",
    "04": "assigned",
    "05": "in progress",
    "06": "completed",
    "13": "recall requested",
    "15": "recall/update agreed",
    "16": "recall/update refused",
}
RECALL_REQUESTED = "13"
HEADER_PATH = q("Header")
VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class StatusNotice:
    original_sender_id: str  # ResponseFor › OrganId
    document_id: str  # ResponseFor › DocumentId
    from_organ_id: str
    to_organ_id: str | None
    code: str
    description: str
    timestamp: datetime  # UTC

    @property
    def addressee_id(self) -> str:
        return self.to_organ_id or self.original_sender_id


def read_status(root: etree._Element) -> tuple[StatusNotice | None, list[dict[str, str]]]:
    check = Checker()
    if root.tag != f"{{{NS}}}Status":
        check.add("Status", f"the root element must be Status in namespace {NS}, not {root.tag}")
        return None, check.problems
    header = root.find(q("Header"))
    if header is None:
        check.add("Header", "Status › Header is missing")
        return None, check.problems
    original_sender = text_at(header, "ResponseFor/OrganId")
    check.organ_id("ResponseFor.OrganId", original_sender)
    document_id = text_at(header, "ResponseFor/DocumentId")
    if check.required("ResponseFor.DocumentId", document_id):
        check.text("ResponseFor.DocumentId", document_id, 100)
    from_id = text_at(header, "From/OrganId")
    check.organ_id("From.OrganId", from_id)
    check.text("From.OrganName", text_at(header, "From/OrganName"), 200)
    to_id = text_at(header, "To/OrganId")
    if header.find(q("To")) is not None:
        check.organ_id("To.OrganId", to_id)
    code = text_at(header, "StatusCode")
    if check.required("StatusCode", code) and code not in STATUS_CODES:
        check.add("StatusCode", f"{code!r} is not one of {', '.join(STATUS_CODES)}")
    description = text_at(header, "Description") or ""
    check.text("Description", description, max_length=len(description))  # NFC only: no limit is pinned
    stamp = text_at(header, "Timestamp")
    timestamp = None
    if check.required("Timestamp", stamp):
        try:
            timestamp = datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S").replace(tzinfo=VIETNAM).astimezone(UTC)
        except ValueError:
            check.add("Timestamp", f"{stamp!r} is not yyyy/MM/dd HH:mm:ss (Vietnam time)")
    if check.problems:
        return None, check.problems
    return StatusNotice(original_sender, document_id, from_id, to_id, code, description, timestamp), []
