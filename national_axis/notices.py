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
HEADER_PATH = q("edXMLEnvelope", "edXMLHeader")
VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class StatusNotice:
    from_organ_id: str
    addressee_id: str  # ResponseFor › OrganId: the agency the notice goes to
    document_id: str  # ResponseFor › DocumentId: the original document
    code: str
    description: str
    timestamp: datetime  # UTC

    @property
    def original_sender_id(self) -> str:
        """Who sent the document: the one asking for a recall (13); every other code goes to it."""
        return self.from_organ_id if self.code == RECALL_REQUESTED else self.addressee_id

    @property
    def recipient_id(self) -> str:
        return self.addressee_id if self.code == RECALL_REQUESTED else self.from_organ_id


def read_status(root: etree._Element) -> tuple[StatusNotice | None, list[dict[str, str]]]:
    """A notice as the SDK samples shape it: edXML › edXMLEnvelope › edXMLHeader › MessageHeader."""
    check = Checker()
    if root.tag != f"{{{NS}}}edXML":
        check.add("edXML", f"the root element must be edXML in namespace {NS}, not {root.tag}")
        return None, check.problems
    header = root.find(q("edXMLEnvelope", "edXMLHeader", "MessageHeader"))
    if header is None:
        check.add("MessageHeader", "edXMLEnvelope › edXMLHeader › MessageHeader is missing")
        return None, check.problems
    addressee = text_at(header, "ResponseFor/OrganId")
    check.organ_id("ResponseFor.OrganId", addressee)
    document_id = text_at(header, "ResponseFor/DocumentId")
    if check.required("ResponseFor.DocumentId", document_id):
        check.text("ResponseFor.DocumentId", document_id, 100)
    if len(header.findall(q("From"))) != 1:
        check.add("From", f"exactly one From expected, found {len(header.findall(q('From')))}")
    from_id = text_at(header, "From/OrganId")
    check.organ_id("From.OrganId", from_id)
    check.text("From.OrganName", text_at(header, "From/OrganName"), 200)
    if from_id and from_id == addressee:
        check.add("ResponseFor.OrganId", "names the sender of the notice itself")
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
    return StatusNotice(from_id, addressee, document_id, code, description, timestamp), []
