"""What goes to the axis and when: recorded as the document moves, built and signed when it is sent.

`follow_document_steps` subscribes to the documents' steps: issuing to another agency queues a
package per external recipient (a replacement package when the document replaces an issued one);
recalling it queues a revocation package, correcting it an update package, to each agency that
received it (TraceHeaderList › Bussiness says which, as the SDK's samples do); a document that arrived by
the axis tells its sender 01 on arrival, 03 registered, 02 refused, 04 assigned, 05 in progress,
06 completed and 15 when its recall is agreed. Every send is an AxisSend row in the step's own
transaction: nothing goes out for a step that rolled back, nothing is lost when the axis is down.
"""

from __future__ import annotations

from sqlalchemy import select

from eoffice.accounts.models import Agency
from eoffice.axis import mapping, notices
from eoffice.axis.models import AxisSend, SendKind
from eoffice.axis.package import (
    ATTACHMENT_DESCRIPTION,
    MAIN_DESCRIPTION,
    NEW,
    REPLACEMENT,
    REVOCATION,
    UPDATE,
    Business,
    EdocPackage,
    Organ,
    PackageFile,
    Replacement,
)
from eoffice.documents import clock
from eoffice.documents.document_types import notation_after_number
from eoffice.documents.events import StepTaken
from eoffice.documents.models import (
    Channel,
    DeliveryStatus,
    Direction,
    Document,
    FileRole,
    Recipient,
    RecipientKind,
    Status,
)
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.runtime import storage

# The status a received document's step reports to its sender.
STATUS_OF_STEP = {
    Action.RECEIVE: notices.ARRIVED,
    Action.REGISTER: notices.ACCEPTED,
    Action.REFUSE: notices.REFUSED,
    Action.ASSIGN: notices.ASSIGNED,
    Action.REASSIGN: notices.ASSIGNED,
    Action.RECORD_PROGRESS: notices.IN_PROGRESS,
    Action.COMPLETE: notices.COMPLETED,
    Action.RECALL: notices.RECALL_AGREED,
}
DESCRIPTIONS = {
    notices.ARRIVED: "Đã nhận văn bản",
    notices.REFUSED: "Từ chối tiếp nhận: {note}",
    notices.ACCEPTED: "Đã vào sổ văn bản đến",
    notices.ASSIGNED: "Đã giao xử lý",
    notices.IN_PROGRESS: "Đang xử lý",
    notices.COMPLETED: "Đã hoàn thành xử lý",
    notices.RECALL_AGREED: "Đồng ý thu hồi: văn bản đã được rút khỏi hệ thống",
    notices.RECALL_REFUSED: "Không thu hồi được: {note}",
}


def outgoing_document_id(document: Document) -> str:
    """Our DocumentId of an issued document: `<agency>,<yyyy/MM/dd>,<number>/<notation>`."""
    code = document.number_and_notation or ""
    return f"{document.agency_id},{mapping.format_date(document.issued_date)},{code}"


def thread_of_received(agency_id: str, document_id: str) -> str:
    return f"in|{agency_id}|{document_id}"


def thread_of_sent(document: Document, organ_id: str) -> str:
    return f"out|{document.id}|{organ_id}"


def describe(code: str, note: str | None = None) -> str:
    return DESCRIPTIONS[code].format(note=note or "")


def follow_document_steps(event: StepTaken) -> None:
    document = event.document
    if document.direction == Direction.INCOMING:
        if document.channel != Channel.AXIS or not document.source_reference:
            return
        code = STATUS_OF_STEP.get(event.action)
        if code is None or (code == notices.IN_PROGRESS and event.previous == Status.IN_PROGRESS):
            return
        queue_reply(document, code, note=event.note, actor=event.actor)
    elif event.action == Action.ISSUE:
        for recipient in document.recipients:
            if recipient.kind == RecipientKind.EXTERNAL:
                queue_package(document, recipient, REPLACEMENT if document.replaces_id else NEW)
    elif event.action in BUSINESS_OF_STEP:
        # Every agency the package went to or will go to (the thread sends it after that package).
        for recipient in document.recipients:
            if (
                recipient.kind == RecipientKind.EXTERNAL
                and recipient.delivery_status != DeliveryStatus.FAILED
            ):
                queue_package(
                    document, recipient, BUSINESS_OF_STEP[event.action], reason=event.note, actor=event.actor
                )


# What a package sent after an issued document's step does to the recipients' copies. A recall is the
# revocation package alone, as the SDK sends it: the recipient's 15 or 16 answers it, and a 13 besides
# would only ask for the same withdrawal twice.
BUSINESS_OF_STEP = {Action.RECALL: REVOCATION, Action.CORRECT: UPDATE}


def queue_package(
    document: Document,
    recipient: Recipient,
    business_type: int = NEW,
    *,
    reason: str | None = None,
    actor=None,
) -> AxisSend:
    """A package of an issued document to one external recipient; what it does to the recipient's copy is
    business_type (Bussiness › BussinessDocType), its reason and clerk those of a revocation or update."""
    send = AxisSend(
        kind=SendKind.EDOC,
        agency_id=document.agency_id,
        to_organ_id=recipient.agency_id,
        thread=thread_of_sent(document, recipient.agency_id),
        document=document,
        recipient=recipient,
        business_type=business_type,
        description=reason,
        event_at=clock.now(),
    )
    if actor is not None:
        send.staff_name = actor.full_name
        send.staff_department = actor.unit.name if actor.unit else None
    db.session.add(send)
    return send


def queue_reply(document: Document, code: str, *, note: str | None = None, actor=None) -> AxisSend:
    """A status notice about a document that arrived by the axis, to its sender."""
    send = queue_notice(
        agency_id=document.agency_id,
        sender_id=document.issuer_id,
        document_id=document.source_reference,
        code=code,
        description=None if code == notices.ACCEPTED else describe(code, note),
        reference_code=document.number_and_notation,
        promulgation_date=document.issued_date,
    )
    send.document = document
    if actor is not None:
        send.staff_name = actor.full_name
        send.staff_department = actor.unit.name if actor.unit else None
    return send


def queue_notice(
    *,
    agency_id: str,
    sender_id: str,
    document_id: str,
    code: str,
    description: str | None,
    reference_code: str | None = None,
    promulgation_date=None,
) -> AxisSend:
    """A status notice from one of our agencies to the original sender of a package."""
    send = AxisSend(
        kind=SendKind.STATUS,
        agency_id=agency_id,
        to_organ_id=sender_id,
        thread=thread_of_received(agency_id, document_id),
        edxml_document_id=document_id,
        original_sender_id=sender_id,
        reference_code=reference_code,
        promulgation_date=promulgation_date,
        status_code=code,
        description=description,
        event_at=clock.now(),
    )
    db.session.add(send)
    return send


def _file_bytes(stored_file) -> bytes:
    return b"".join(storage().open(stored_file.key))


def package_of(send: AxisSend) -> EdocPackage:
    """The package of an issued document for one external recipient, its files read from the store."""
    document, recipient = send.document, send.recipient
    agency = db.session.get(Agency, document.agency_id)
    parent = db.session.get(Agency, agency.parent_id) if agency.parent_id else None
    links = sorted(document.files, key=lambda link: (link.role != FileRole.MAIN, link.position, link.id))
    return EdocPackage(
        sender=Organ(agency.id, agency.name, parent.name if parent else None),
        recipients=[Organ(recipient.agency_id, recipient.agency_name or recipient.agency_id)],
        document_type=document.document_type,
        subject=document.subject,
        issued_date=document.issued_date,
        number=document.number,
        # Code carries the year of a legal normative document in its notation: `15` and `2026/QĐ-UBND`.
        notation=notation_after_number(document.notation, document.legal_year),
        files=[
            PackageFile(
                link.stored_file.name,
                link.stored_file.content_type,
                _file_bytes(link.stored_file),
                MAIN_DESCRIPTION if link.role == FileRole.MAIN else ATTACHMENT_DESCRIPTION,
            )
            for link in links
        ],
        signer_name=document.signer_name,
        signer_position=document.signer_position,
        urgency=document.urgency,
        due_date=document.due_date,
        page_count=document.page_count,
        to_places=[
            r.agency_name or r.agency_id for r in document.recipients if r.kind == RecipientKind.EXTERNAL
        ],
        # A revocation or update passes our system when it was made, the document when it was issued.
        traces=[
            (
                agency.id,
                send.event_at
                if send.business_type in (REVOCATION, UPDATE)
                else document.issued_at or send.event_at,
            )
        ],
        business=_business_of(send),
    )


def _business_of(send: AxisSend) -> Business:
    """Bussiness of the send's package: a revocation (1) or update (2) of the document the recipient has,
    or what _issued_business says of an issued one."""
    if send.business_type not in (REVOCATION, UPDATE):
        return _issued_business(send.document)
    revocation = send.business_type == REVOCATION
    return Business(
        doc_type=send.business_type,
        reason=send.description or DEFAULT_BUSINESS_REASON[send.business_type],
        document_id=_delivered_document_id(send),
        staff_department=send.staff_department,
        staff_name=send.staff_name,
        # An update says its information changed and its receivers did not.
        document_info_changed=None if revocation else True,
        receivers_changed=None if revocation else False,
    )


DEFAULT_BUSINESS_REASON = {REVOCATION: "Thu hồi văn bản điện tử", UPDATE: "Cập nhật văn bản điện tử"}


def _delivered_document_id(send: AxisSend) -> str:
    """The DocumentId under which the recipient received the document (its first package's)."""
    first = db.session.scalar(
        select(AxisSend.edxml_document_id)
        .where(
            AxisSend.kind == SendKind.EDOC,
            AxisSend.document_id == send.document_id,
            AxisSend.to_organ_id == send.to_organ_id,
            AxisSend.business_type.in_([NEW, REPLACEMENT]),
            AxisSend.edxml_document_id.is_not(None),
        )
        .order_by(AxisSend.id)
        .limit(1)
    )
    return first or outgoing_document_id(send.document)


def _issued_business(document: Document) -> Business:
    """A new document (0), or the replacement (3) of an issued one, named with the agencies it went to
    (an agency among this document's recipients that is not one of them receives it as new)."""
    original = db.session.get(Document, document.replaces_id) if document.replaces_id else None
    if original is None or original.issued_date is None:
        return Business()
    organ_ids = tuple(
        r.agency_id
        for r in original.recipients
        if r.kind == RecipientKind.EXTERNAL and r.delivery_status != DeliveryStatus.FAILED
    )
    if not organ_ids:
        return Business()  # the original went to no other agency: nobody has a copy to replace
    return Business(
        doc_type=REPLACEMENT,
        reason=f"Thay thế văn bản số {original.number_and_notation}",
        replacements=(Replacement(outgoing_document_id(original), organ_ids),),
    )


def notice_of(send: AxisSend) -> notices.StatusNotice:
    agency = db.session.get(Agency, send.agency_id)
    parent = db.session.get(Agency, agency.parent_id) if agency and agency.parent_id else None
    description = send.description
    if description is None:
        number = send.document.arrival_number if send.document else None
        description = describe(send.status_code) + (f" số {number}" if number else "")
    return notices.StatusNotice(
        sender=Organ(
            send.agency_id, agency.name if agency else send.agency_id, parent.name if parent else None
        ),
        # A recall goes to the recipient; a recipient's notice to the original sender.
        addressee_id=send.to_organ_id,
        code=send.reference_code or "",
        promulgation_date=send.promulgation_date,
        document_id=send.edxml_document_id,
        status_code=send.status_code,
        description=description,
        timestamp=send.event_at,
        staff_department=send.staff_department,
        staff_name=send.staff_name,
    )


def sent_package(agency_id: str, document_id: str, recipient_id: str) -> AxisSend | None:
    """Our package with that DocumentId to that agency, as the axis accepted it."""
    return db.session.scalar(
        select(AxisSend)
        .where(
            AxisSend.kind == SendKind.EDOC,
            AxisSend.agency_id == agency_id,
            AxisSend.edxml_document_id == document_id,
            AxisSend.to_organ_id == recipient_id,
        )
        .order_by(AxisSend.id.desc())
        .limit(1)
    )
