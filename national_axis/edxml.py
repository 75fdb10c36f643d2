"""The axis's own reading of an edXML package (QCVN 102:2016): the checks of docs/axis-protocol.md."""

from __future__ import annotations

import binascii
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from national_axis.errors import problem
from national_axis.xmlsafe import NS, q

# ASCII only: \d would take fullwidth and other Unicode digits, lookalikes of a real agency's id.
ORGAN_ID = re.compile(r"^[A-Z0-9][0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z")
DOCUMENT_ID = re.compile(r"^(?P<organ>[^,]*),(?P<date>[^,]*),(?P<tail>.+)$")
CONTENT_ID = re.compile(r"^cid:[A-Za-z0-9._-]{1,64}$")
XML_WHITESPACE = b" \t\r\n"
HEADER_PATH = q("edXMLEnvelope", "edXMLHeader")


@dataclass(frozen=True)
class Package:
    """The routing facts, as far as they could be read (None or left out where a field is invalid)."""

    from_organ_id: str | None
    recipients: tuple[tuple[int, str], ...]  # (position among the To elements, OrganId)
    document_id: str | None
    business_doc_type: int

    @property
    def to_organ_ids(self) -> list[str]:
        return [organ_id for _, organ_id in self.recipients]


def text_at(element: etree._Element | None, path: str) -> str | None:
    """Stripped text of the element at path (edXML names joined by "/"); None when it is absent."""
    if element is None:
        return None
    found = element.find(q(*path.split("/")))
    return None if found is None else (found.text or "").strip()


class Checker:
    """Collects every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[dict[str, str]] = []

    def add(self, field: str, text: str) -> None:
        self.problems.append(problem(field, text))

    def required(self, field: str, value: str | None) -> bool:
        if not value:
            self.add(field, "is required" if value is None else "is empty")
            return False
        return True

    def organ_id(self, field: str, value: str | None, required: bool = True) -> bool:
        if value is None and not required:
            return False
        if not self.required(field, value):
            return False
        if not ORGAN_ID.match(value):
            self.add(field, f"{value!r} is not an agency identifier (like 000.00.00.H49)")
            return False
        return True

    def text(self, field: str, value: str | None, max_length: int, required: bool = False) -> None:
        if value is None or value == "":
            if required:
                self.required(field, value)
            return
        if len(value) > max_length:
            self.add(field, f"is {len(value)} characters long, at most {max_length} allowed")
        if not unicodedata.is_normalized("NFC", value):
            self.add(field, "is not in Unicode NFC")

    def day(self, field: str, value: str | None, required: bool = False) -> date | None:
        if not value:
            if required:
                self.required(field, value)
            return None
        try:
            if not re.fullmatch(r"\d{4}/\d{2}/\d{2}", value):
                raise ValueError
            return datetime.strptime(value, "%Y/%m/%d").date()
        except ValueError:
            self.add(field, f"{value!r} is not a date yyyy/MM/dd")
            return None

    def small_int(self, field: str, value: str | None, allowed: range) -> int | None:
        if not value:
            return None
        if not re.fullmatch(r"\d{1,2}", value) or int(value) not in allowed:
            self.add(field, f"{value!r} is not one of {allowed.start}–{allowed.stop - 1}")
            return None
        return int(value)


def read_package(root: etree._Element) -> tuple[Package | None, list[dict[str, str]]]:
    """The routing facts of a package and every problem with it (field names as in the contract)."""
    check = Checker()
    if root.tag != f"{{{NS}}}edXML":
        check.add("edXML", f"the root element must be edXML in namespace {NS}, not {root.tag}")
        return None, check.problems
    header = root.find(q("edXMLEnvelope", "edXMLHeader", "MessageHeader"))
    if header is None:
        check.add("MessageHeader", "edXMLEnvelope › edXMLHeader › MessageHeader is missing")
        return None, check.problems

    senders = header.findall(q("From"))
    if len(senders) != 1:
        check.add("From", f"exactly one From expected, found {len(senders)}")
    sender = senders[0] if senders else None
    from_id = text_at(sender, "OrganId")
    if sender is not None and not check.organ_id("From.OrganId", from_id):
        from_id = None
    check.text("From.OrganName", text_at(sender, "OrganName"), 200)

    recipients = _read_recipients(header, check)
    document_id = text_at(header, "DocumentId")
    code_number = text_at(header, "Code/CodeNumber")
    code_notation = text_at(header, "Code/CodeNotation")
    check.text("Code.CodeNotation", code_notation, 50, required=True)
    check.text("Code.CodeNumber", code_number, 50)
    _check_document_id(check, document_id)
    check.day("PromulgationInfo.PromulgationDate", text_at(header, "PromulgationInfo/PromulgationDate"), True)
    check.text("Subject", text_at(header, "Subject"), 500, required=True)
    check.day("DueDate", text_at(header, "DueDate"))
    check.small_int("OtherInfo.Priority", text_at(header, "OtherInfo/Priority"), range(0, 5))
    business = _check_business(root, check)
    check.small_int("SteeringType", text_at(header, "SteeringType"), range(0, 4))
    if header.find(q("ResponseFor")) is not None:
        check.organ_id("ResponseFor.OrganId", text_at(header, "ResponseFor/OrganId"))
        check.text("ResponseFor.DocumentId", text_at(header, "ResponseFor/DocumentId"), 100)
    traces = root.findall(q("edXMLEnvelope", "edXMLHeader", "TraceHeaderList", "TraceHeader"))
    for index, trace in enumerate(traces):
        check.organ_id(f"TraceHeader[{index}].OrganId", text_at(trace, "OrganId"))
        stamp = text_at(trace, "Timestamp")
        if stamp and not _is_timestamp(stamp):
            check.add(f"TraceHeader[{index}].Timestamp", f"{stamp!r} is not yyyy/MM/dd HH:mm:ss")
    _check_attachments(root, check)

    return Package(from_id, tuple(recipients), document_id, business or 0), check.problems


def _check_business(root: etree._Element, check: Checker) -> int | None:
    """TraceHeaderList › Bussiness (spelled so by the standard): its type, and the DocumentIds it names.
    Absent means a new document."""
    business = root.find(q("edXMLEnvelope", "edXMLHeader", "TraceHeaderList", "Bussiness"))
    if business is None:
        return None
    doc_type = check.small_int("Bussiness.BussinessDocType", text_at(business, "BussinessDocType"), range(4))
    check.text("Bussiness.BussinessDocReason", text_at(business, "BussinessDocReason"), 2000)
    check.text("Bussiness.DocumentId", text_at(business, "DocumentId"), 100)
    replaced = business.findall(q("ReplacementInfoList", "ReplacementInfo"))
    for index, info in enumerate(replaced):
        check.text(f"Bussiness.ReplacementInfo[{index}].DocumentId", text_at(info, "DocumentId"), 100, True)
    if doc_type == 3 and not replaced:
        check.add("Bussiness.ReplacementInfoList", "a replacement names the documents it replaces")
    return doc_type


def _read_recipients(header: etree._Element, check: Checker) -> list[tuple[int, str]]:
    elements = header.findall(q("To"))
    if not elements:
        check.add("To", "at least one To is required")
    recipients: list[tuple[int, str]] = []
    for index, element in enumerate(elements):
        organ_id = text_at(element, "OrganId")
        if check.organ_id(f"To[{index}].OrganId", organ_id):
            if any(organ_id == seen for _, seen in recipients):
                check.add(f"To[{index}].OrganId", f"{organ_id} is named more than once")
            else:
                recipients.append((index, organ_id))
        check.text(f"To[{index}].OrganName", text_at(element, "OrganName"), 200)
    return recipients


def _check_document_id(check: Checker, document_id: str | None) -> None:
    """`<OrganId>,<yyyy/MM/dd>,<code>` in shape. Real senders do not always write their own OrganId,
    the promulgation date and Code there (the SDK's samples do not): the axis routes by From and To."""
    field = "DocumentId"
    if not check.required(field, document_id):
        return
    if len(document_id) > 100:
        check.add(field, f"is {len(document_id)} characters long, at most 100 allowed")
        return
    parts = DOCUMENT_ID.match(document_id)
    expected = "<sender OrganId>,<yyyy/MM/dd>,<number>/<notation>"
    if not parts:
        check.add(field, f"{document_id!r} is not {expected}")
        return
    check.organ_id(field, parts["organ"])
    if parts["date"]:
        check.day(field, parts["date"])
    else:
        check.add(field, f"{document_id!r} has no date: {expected}")


def _is_timestamp(value: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", value)) and bool(
            datetime.strptime(value, "%Y/%m/%d %H:%M:%S")
        )
    except ValueError:
        return False


def _check_attachments(root: etree._Element, check: Checker) -> None:
    references = root.findall(q("edXMLEnvelope", "edXMLBody", "edXMLManifest", "Reference"))
    attachments = root.findall(q("AttachmentEncoded", "Attachment"))
    if not attachments:
        check.add("AttachmentEncoded", "at least one Attachment is required")
    manifest_ids = [text_at(reference, "ContentId") or "" for reference in references]
    for index, content_id in enumerate(manifest_ids):
        if not CONTENT_ID.match(content_id):
            check.add(f"edXMLManifest.Reference[{index}].ContentId", f"{content_id!r} is not cid:<n>")
    manifest_counts = Counter(manifest_ids)
    attachment_ids: list[str] = []
    for index, attachment in enumerate(attachments):
        field = f"Attachment[{index}]"
        content_id = text_at(attachment, "ContentId") or ""
        attachment_ids.append(content_id)
        if not CONTENT_ID.match(content_id):
            check.add(f"{field}.ContentId", f"{content_id!r} is not cid:<n>")
        elif manifest_counts[content_id] != 1:
            found = manifest_counts[content_id]
            check.add(f"{field}.ContentId", f"{content_id} matches {found} manifest references, not one")
        check.text(f"{field}.AttachmentName", text_at(attachment, "AttachmentName"), 255, required=True)
        encoded = attachment.find(q("ContentTransferEncoded"))
        if encoded is None or not (encoded.text or "").strip():
            check.add(f"{field}.ContentTransferEncoded", "is missing or empty")
            continue
        try:
            binascii.a2b_base64(
                encoded.text.encode("ascii").translate(None, XML_WHITESPACE), strict_mode=True
            )
        except (binascii.Error, UnicodeEncodeError):
            check.add(f"{field}.ContentTransferEncoded", "is not standard base64")
    attachment_counts = Counter(attachment_ids)
    for index, content_id in enumerate(manifest_ids):
        if CONTENT_ID.match(content_id) and attachment_counts[content_id] != 1:
            text = f"{content_id} matches {attachment_counts[content_id]} attachments, not one"
            check.add(f"edXMLManifest.Reference[{index}]", text)
