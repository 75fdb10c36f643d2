"""`build_package`: an `EdocPackage` signed into the bytes of an edXML package."""

from __future__ import annotations

import base64

from lxml import etree

from eoffice.axis import mapping
from eoffice.axis.keys import Identity
from eoffice.axis.package.model import (
    BUSINESS_STAFF_FIELDS,
    ORGAN_DETAILS,
    Business,
    EdocPackage,
    Organ,
)
from eoffice.axis.xmlsig import (
    NS,
    NSMAP,
    add,
    add_signature_placeholder,
    sign,
)


def _add_optional(parent: etree._Element, name: str, value) -> None:
    if value is not None and value != "":
        add(parent, name, value)


def add_organ(parent: etree._Element, name: str, organ: Organ) -> etree._Element:
    """From or To: OrganId, OrganizationInCharge, OrganName, then the contact fields that are known."""
    element = add(parent, name)
    add(element, "OrganId", organ.organ_id)
    add(element, "OrganizationInCharge", organ.in_charge or organ.name)
    add(element, "OrganName", organ.name)
    for attribute, tag in ORGAN_DETAILS:
        _add_optional(element, tag, getattr(organ, attribute))
    return element


def _message_header(header: etree._Element, package: EdocPackage) -> None:
    message = add(header, "MessageHeader")
    add_organ(message, "From", package.sender)
    for recipient in package.recipients:
        add_organ(message, "To", recipient)
    add(message, "DocumentId", package.document_id)
    code = add(message, "Code")
    add(code, "CodeNumber", f"{package.number:02d}" if package.number is not None else "")
    add(code, "CodeNotation", package.notation or "")
    promulgation = add(message, "PromulgationInfo")
    _add_optional(promulgation, "Place", package.place)
    add(promulgation, "PromulgationDate", mapping.format_date(package.issued_date))
    kind = add(message, "DocumentType")
    for name, value in mapping.document_type_fields(package.document_type).items():
        add(kind, name, value)
    add(message, "Subject", package.subject)
    _add_optional(message, "Content", package.content)
    signer = add(message, "SignerInfo")
    add(signer, "Competence", package.signer_competence or "")
    add(signer, "Position", package.signer_position or "")
    add(signer, "FullName", package.signer_name or "")
    _add_optional(message, "DueDate", mapping.format_date(package.due_date))
    if package.to_places:
        places = add(message, "ToPlaces")
        for place in package.to_places:
            add(places, "Place", place)
    other = add(message, "OtherInfo")
    add(other, "Priority", mapping.priority(package.urgency))
    _add_optional(other, "SphereOfPromulgation", package.sphere_of_promulgation)
    _add_optional(other, "TyperNotation", package.typer_notation)
    _add_optional(other, "PromulgationAmount", package.promulgation_amount)
    _add_optional(other, "PageAmount", package.page_count)
    if package.direction is not None:
        add(other, "Direction", "true" if package.direction else "false")
    if package.appendixes:
        appendixes = add(other, "Appendixes")
        for appendix in package.appendixes:
            add(appendixes, "Appendix", appendix)
    add(message, "SteeringType", package.steering_type)


def _add_business(traces: etree._Element, business: Business) -> None:
    """Bussiness, in the order of the SDK's samples; written for every package (0 for a new one)."""
    element = add(traces, "Bussiness")
    _add_optional(element, "DocumentId", business.document_id)
    add(element, "BussinessDocType", business.doc_type)
    _add_optional(element, "BussinessDocReason", business.reason)
    add(element, "Paper", business.paper)
    if business.document_info_changed is not None or business.receivers_changed is not None:
        info = add(element, "BussinessDocumentInfo")
        add(info, "DocumentInfo", int(bool(business.document_info_changed)))
        add(info, "DocumentReceiver", int(bool(business.receivers_changed)))
        if business.receivers:
            receivers = add(info, "ReceiverList")
            for organ_id, receiver_type in business.receivers:
                receiver = add(receivers, "Receiver")
                add(receiver, "OrganId", organ_id)
                add(receiver, "ReceiverType", receiver_type)
    if business.replacements:
        replacements = add(element, "ReplacementInfoList")
        for item in business.replacements:
            info = add(replacements, "ReplacementInfo")
            add(info, "DocumentId", item.document_id)
            organs = add(info, "OrganIdList")
            for organ_id in item.organ_ids:
                add(organs, "OrganId", organ_id)
    if any(getattr(business, attribute) for attribute, _tag in BUSINESS_STAFF_FIELDS):
        staff = add(element, "StaffInfo")
        for attribute, tag in BUSINESS_STAFF_FIELDS:
            _add_optional(staff, tag, getattr(business, attribute))


def build_package(package: EdocPackage, identity: Identity) -> bytes:
    """The signed edXML package: header, trace, manifest and the files in base64."""
    root = etree.Element(f"{{{NS}}}edXML", nsmap=NSMAP)
    envelope = add(root, "edXMLEnvelope")
    header = add(envelope, "edXMLHeader")
    _message_header(header, package)
    traces = add(header, "TraceHeaderList")
    for organ_id, moment in package.traces:
        trace = add(traces, "TraceHeader")
        add(trace, "OrganId", organ_id)
        add(trace, "Timestamp", mapping.format_timestamp(moment))
    _add_business(traces, package.business)
    add_signature_placeholder(header)
    manifest = add(add(envelope, "edXMLBody"), "edXMLManifest")
    encoded = add(root, "AttachmentEncoded")
    for index, file in enumerate(package.files, start=1):
        reference, attachment = add(manifest, "Reference"), add(encoded, "Attachment")
        for element in (reference, attachment):
            add(element, "ContentId", f"cid:{index}")
            add(element, "ContentType", file.content_type)
            add(element, "Description", file.description)
            add(element, "AttachmentName", file.name)
        add(attachment, "ContentTransferEncoded", base64.b64encode(file.content).decode("ascii"))
    return sign(root, identity)
