"""`parse_package`: arriving bytes back into an `EdocPackage`, refusing anything malformed with a
PackageRefused that names the field."""

from __future__ import annotations

import binascii
import re
from datetime import date, datetime

from lxml import etree

from eoffice.axis import mapping
from eoffice.axis.package.model import (
    BUSINESS_STAFF_FIELDS,
    HEADER_PATH,
    NEW,
    ORGAN_DETAILS,
    REPLACEMENT,
    Business,
    EdocPackage,
    Organ,
    PackageFile,
    Replacement,
)
from eoffice.axis.xmlsig import (
    NS,
    PackageRefused,
    Verified,
    nfc,
    parse_untrusted,
    q,
    text_at,
    verify,
)

# ASCII only: \d would take fullwidth and other Unicode digits, lookalikes of a real agency's id.
ORGAN_ID = re.compile(r"^[A-Z0-9][0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z")
CONTENT_ID = re.compile(r"^cid:[A-Za-z0-9._-]{1,64}$")
_WHITESPACE = re.compile(rb"\s+")


def checked_organ_id(value: str | None, field_name: str) -> str:
    if not value:
        raise PackageRefused(field_name, "is required")
    if not ORGAN_ID.match(value):
        raise PackageRefused(field_name, f"{value!r} is not an agency identifier (like 000.00.00.H49)")
    return value


def read_organ(element: etree._Element, field_name: str) -> Organ:
    """An organ block; its OrganId must have the identifier's shape."""
    return Organ(
        checked_organ_id(text_at(element, "OrganId"), f"{field_name}.OrganId"),
        text_at(element, "OrganName") or "",
        text_at(element, "OrganizationInCharge") or None,
        **{attribute: text_at(element, tag) or None for attribute, tag in ORGAN_DETAILS},
    )


def _date(value: str | None, field_name: str, *, required: bool = False) -> date | None:
    if not value:
        if required:
            raise PackageRefused(field_name, "is required")
        return None
    try:
        return mapping.parse_date(value)
    except ValueError:
        raise PackageRefused(field_name, f"{value!r} is not a date yyyy/MM/dd") from None


def _small_int(value: str | None, field_name: str, allowed: range) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{1,9}", value) or int(value) not in allowed:
        raise PackageRefused(field_name, f"{value!r} is not a whole number from {allowed.start}")
    return int(value)


def _files(root: etree._Element) -> list[PackageFile]:
    """The attachments in manifest order, each matched to its one Reference by ContentId."""
    references = root.findall(q("edXMLEnvelope", "edXMLBody", "edXMLManifest", "Reference"))
    attachments = root.findall(q("AttachmentEncoded", "Attachment"))
    if not attachments:
        raise PackageRefused("AttachmentEncoded", "at least one Attachment is required")
    by_id: dict[str, etree._Element] = {}
    for index, attachment in enumerate(attachments):
        content_id = text_at(attachment, "ContentId") or ""
        if not CONTENT_ID.match(content_id):
            raise PackageRefused(f"Attachment[{index}].ContentId", f"{content_id!r} is not cid:<n>")
        if content_id in by_id:
            raise PackageRefused(f"Attachment[{index}].ContentId", f"{content_id} appears twice")
        by_id[content_id] = attachment
    manifest_ids = [text_at(reference, "ContentId") or "" for reference in references]
    if sorted(manifest_ids) != sorted(by_id):
        raise PackageRefused(
            "edXMLManifest",
            f"the references ({', '.join(manifest_ids) or 'none'}) do not match the attachments "
            f"({', '.join(by_id)}) one to one",
        )
    files = []
    for content_id, reference in zip(manifest_ids, references, strict=True):
        attachment = by_id[content_id]
        label = f"Attachment[{list(by_id).index(content_id)}]"
        name = text_at(attachment, "AttachmentName") or text_at(reference, "AttachmentName")
        if not name:
            raise PackageRefused(f"{label}.AttachmentName", "is required")
        encoded = attachment.find(q("ContentTransferEncoded"))
        if encoded is None or not (encoded.text or "").strip():
            raise PackageRefused(f"{label}.ContentTransferEncoded", "is missing or empty")
        try:
            content = binascii.a2b_base64(
                _WHITESPACE.sub(b"", encoded.text.encode("ascii")), strict_mode=True
            )
        except (binascii.Error, UnicodeEncodeError):
            raise PackageRefused(
                f"{label}.ContentTransferEncoded",
                "is not standard base64 (only A–Z a–z 0–9 + / = and blanks)",
            ) from None
        files.append(
            PackageFile(
                name=name,
                content_type=text_at(attachment, "ContentType") or text_at(reference, "ContentType") or "",
                content=content,
                description=text_at(attachment, "Description") or text_at(reference, "Description") or "",
            )
        )
    return files


def _traces(header: etree._Element) -> list[tuple[str, datetime]]:
    traces = []
    for index, trace in enumerate(header.findall(q("TraceHeaderList", "TraceHeader"))):
        organ_id = checked_organ_id(text_at(trace, "OrganId"), f"TraceHeader[{index}].OrganId")
        stamp = text_at(trace, "Timestamp") or ""
        try:
            traces.append((organ_id, mapping.parse_timestamp(stamp)))
        except ValueError:
            raise PackageRefused(
                f"TraceHeader[{index}].Timestamp", f"{stamp!r} is not yyyy/MM/dd HH:mm:ss"
            ) from None
    return traces


def _referenced_id(value: str | None, field_name: str) -> str:
    """A DocumentId naming an earlier document: kept as written (the samples' dates are not all dates)."""
    if not value:
        raise PackageRefused(field_name, "is required")
    if len(value) > 200:
        raise PackageRefused(field_name, f"is {len(value)} characters long, at most 200 allowed")
    return value


def _business(header: etree._Element) -> Business:
    """TraceHeaderList › Bussiness; absent means a new document."""
    element = header.find(q("TraceHeaderList", "Bussiness"))
    if element is None:
        return Business()
    label = "Bussiness"
    doc_type = _small_int(text_at(element, "BussinessDocType"), f"{label}.BussinessDocType", range(4))
    document_id = text_at(element, "DocumentId")
    receivers = []
    for index, receiver in enumerate(element.findall(q("BussinessDocumentInfo", "ReceiverList", "Receiver"))):
        field_name = f"{label}.ReceiverList.Receiver[{index}]"
        receivers.append(
            (
                checked_organ_id(text_at(receiver, "OrganId"), f"{field_name}.OrganId"),
                _or(
                    _small_int(text_at(receiver, "ReceiverType"), f"{field_name}.ReceiverType", range(10)), 0
                ),
            )
        )
    replacements = []
    for index, info in enumerate(element.findall(q("ReplacementInfoList", "ReplacementInfo"))):
        field_name = f"{label}.ReplacementInfo[{index}]"
        replacements.append(
            Replacement(
                _referenced_id(text_at(info, "DocumentId"), f"{field_name}.DocumentId"),
                tuple(
                    checked_organ_id(nfc((organ.text or "").strip()), f"{field_name}.OrganIdList.OrganId")
                    for organ in info.findall(q("OrganIdList", "OrganId"))
                ),
            )
        )
    business = Business(
        doc_type=_or(doc_type, NEW),
        reason=text_at(element, "BussinessDocReason") or None,
        paper=_or(_small_int(text_at(element, "Paper"), f"{label}.Paper", range(2)), 0),
        document_id=_referenced_id(document_id, f"{label}.DocumentId") if document_id else None,
        document_info_changed=_boolean(
            text_at(element, "BussinessDocumentInfo/DocumentInfo"),
            f"{label}.BussinessDocumentInfo.DocumentInfo",
        ),
        receivers_changed=_boolean(
            text_at(element, "BussinessDocumentInfo/DocumentReceiver"),
            f"{label}.BussinessDocumentInfo.DocumentReceiver",
        ),
        receivers=tuple(receivers),
        replacements=tuple(replacements),
        **{
            attribute: text_at(element, f"StaffInfo/{tag}") or None
            for attribute, tag in BUSINESS_STAFF_FIELDS
        },
    )
    if business.doc_type == REPLACEMENT and not business.replacements:
        raise PackageRefused(f"{label}.ReplacementInfoList", "a replacement names the documents it replaces")
    return business


def read_package(root: etree._Element) -> EdocPackage:
    """The package's content from a parsed (and verified) tree."""
    if root.tag != f"{{{NS}}}edXML":
        raise PackageRefused("edXML", f"the root element must be edXML in namespace {NS}, not {root.tag}")
    header = root.find(HEADER_PATH)
    message = header.find(q("MessageHeader")) if header is not None else None
    if message is None:
        raise PackageRefused("MessageHeader", "edXMLEnvelope › edXMLHeader › MessageHeader is missing")
    senders = message.findall(q("From"))
    if len(senders) != 1:
        raise PackageRefused("From", f"exactly one From expected, found {len(senders)}")
    sender = read_organ(senders[0], "From")
    recipients = [read_organ(to, f"To[{index}]") for index, to in enumerate(message.findall(q("To")))]
    if not recipients:
        raise PackageRefused("To", "at least one To is required")
    warnings: list[dict[str, str]] = []
    number_text = text_at(message, "Code/CodeNumber") or ""
    notation = text_at(message, "Code/CodeNotation") or None
    number = int(number_text) if re.fullmatch(r"\d{1,9}", number_text) else None
    if number_text and number is None:
        warnings.append(
            {
                "code": "code_number_not_a_number",
                "message": f"CodeNumber {number_text!r} is not a number: kept in the code only",
            }
        )
    type_name = text_at(message, "DocumentType/TypeName")
    if not type_name:
        raise PackageRefused("DocumentType.TypeName", "is required: it names the document type")
    subject = text_at(message, "Subject")
    if not subject:
        raise PackageRefused("Subject", "is required")
    urgency = mapping.urgency(text_at(message, "OtherInfo/Priority"))
    if urgency is None:
        raise PackageRefused("OtherInfo.Priority", f"{text_at(message, 'OtherInfo/Priority')!r} is not 0–4")
    package = EdocPackage(
        sender=sender,
        recipients=recipients,
        document_type=mapping.document_type_of(type_name),
        subject=subject,
        issued_date=_date(
            text_at(message, "PromulgationInfo/PromulgationDate"),
            "PromulgationInfo.PromulgationDate",
            required=True,
        ),
        number=number,
        notation=notation,
        files=_files(root),
        signer_name=text_at(message, "SignerInfo/FullName") or None,
        signer_position=text_at(message, "SignerInfo/Position") or None,
        signer_competence=text_at(message, "SignerInfo/Competence") or None,
        urgency=urgency,
        due_date=_date(text_at(message, "DueDate"), "DueDate"),
        page_count=_small_int(
            text_at(message, "OtherInfo/PageAmount"), "OtherInfo.PageAmount", range(1, 10**9)
        ),
        place=text_at(message, "PromulgationInfo/Place") or None,
        to_places=[
            nfc(p.text.strip()) for p in message.findall(q("ToPlaces", "Place")) if (p.text or "").strip()
        ],
        business=_business(header),
        steering_type=_or(_small_int(text_at(message, "SteeringType"), "SteeringType", range(4)), 1),
        content=text_at(message, "Content") or None,
        sphere_of_promulgation=text_at(message, "OtherInfo/SphereOfPromulgation") or None,
        typer_notation=text_at(message, "OtherInfo/TyperNotation") or None,
        promulgation_amount=_small_int(
            text_at(message, "OtherInfo/PromulgationAmount"), "OtherInfo.PromulgationAmount", range(10**9)
        ),
        direction=_boolean(text_at(message, "OtherInfo/Direction"), "OtherInfo.Direction"),
        appendixes=[
            nfc(a.text.strip())
            for a in message.findall(q("OtherInfo", "Appendixes", "Appendix"))
            if (a.text or "").strip()
        ],
        traces=_traces(header),
        warnings=warnings,
    )
    document_id = text_at(message, "DocumentId")
    if not document_id:
        raise PackageRefused("DocumentId", "is required")
    if len(document_id) > 200:
        raise PackageRefused("DocumentId", f"is {len(document_id)} characters long, at most 200 allowed")
    written_code = f"{number_text}/{notation}" if number_text and notation else (number_text or notation)
    standard = f"{sender.organ_id},{text_at(message, 'PromulgationInfo/PromulgationDate')},{written_code}"
    if document_id != standard:
        # Real senders write DocumentIds that do not follow the rule (the SDK's own samples do).
        warnings.append(
            {
                "code": "document_id_mismatch",
                "message": f"DocumentId {document_id!r} is not From, date and Code ({standard!r})",
            }
        )
    if document_id != package.standard_document_id:
        package.written_document_id = document_id
    return package


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _boolean(value: str | None, field_name: str) -> bool | None:
    if not value:
        return None
    if value.lower() not in ("true", "false", "1", "0"):
        raise PackageRefused(field_name, f"{value!r} is not true or false")
    return value.lower() in ("true", "1")


def sender_of(root: etree._Element) -> str | None:
    """From › OrganId as written, before the signature is checked: only to pick the certificate."""
    return text_at(root.find(HEADER_PATH), "MessageHeader/From/OrganId")


def verify_signed(body: bytes, root: etree._Element, trusted_certificate, accept_sha1: bool) -> Verified:
    """The signature of a package or notice (last in edXMLHeader), checked against the certificate known
    here for the sender it names, if any; then the sender named must be the one the signature covers."""
    claimed = sender_of(root)
    # Only a well-formed id picks a certificate (it names a file): anything else is refused once read.
    well_formed = claimed is not None and ORGAN_ID.match(claimed) is not None
    verified = verify(
        body,
        root,
        HEADER_PATH,
        "edXMLHeader",
        trusted_certificate(claimed) if well_formed else None,
        accept_sha1=accept_sha1,
    )
    if sender_of(verified.signed) != claimed:
        raise PackageRefused("From.OrganId", "differs from what the signature covers")
    return verified


def parse_package(
    body: bytes, *, max_bytes: int, trusted_certificate, accept_sha1: bool = True
) -> tuple[EdocPackage, Verified]:
    """(the package, its verified signature) from arriving bytes, or PackageRefused.

    trusted_certificate(organ_id) gives the certificate known here for a sender, or None.
    """
    root = parse_untrusted(body, what="package", max_bytes=max_bytes)
    verified = verify_signed(body, root, trusted_certificate, accept_sha1)
    return read_package(verified.signed), verified


def document_id_in(body: bytes) -> str | None:
    """The DocumentId as written in a refused package, to address the refusal; never parsed as XML."""
    found = re.search(rb"<(?:[\w.-]+:)?DocumentId>([^<]{1,200})</(?:[\w.-]+:)?DocumentId>", body[:65536])
    if not found:
        return None
    try:
        return found.group(1).decode("utf-8").strip() or None
    except UnicodeDecodeError:
        return None
