"""Who is told what when a document moves; the notices go to the mail outbox in the same transaction.

Hỏa tốc and thượng khẩn documents are urgent notices (sent at once, whatever the preference).
The subject of a confidential document never leaves the system: its notices only say that a
confidential document waits and link to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from eoffice.accounts.models import User
from eoffice.documents.document_types import type_name
from eoffice.documents.models import Assignment, Document, HandlingRole, RecipientKind, Urgency
from eoffice.documents.operations.common import unit_members
from eoffice.mail.operations import notify

URGENT_NOTICE = frozenset({Urgency.VERY_URGENT, Urgency.FLASH})

_LABELS = {
    "vi": {
        "code": "Số, ký hiệu",
        "type": "Loại văn bản",
        "issuer": "Cơ quan ban hành",
        "urgency": "Độ khẩn",
        "deadline": "Hạn xử lý",
        "direction": "Ý kiến chỉ đạo",
        "comment": "Ý kiến",
        "confidential": "Văn bản mật",
        HandlingRole.PRIMARY: "xử lý chính",
        HandlingRole.CO_HANDLER: "phối hợp",
        HandlingRole.INFORMED: "nhận để biết",
        Urgency.NORMAL: "Thường",
        Urgency.URGENT: "Khẩn",
        Urgency.VERY_URGENT: "Thượng khẩn",
        Urgency.FLASH: "Hỏa tốc",
    },
    "en": {
        "code": "Number and notation",
        "type": "Type",
        "issuer": "Issued by",
        "urgency": "Urgency",
        "deadline": "Deadline",
        "direction": "Direction",
        "comment": "Comment",
        "confidential": "Confidential document",
        HandlingRole.PRIMARY: "primary handler",
        HandlingRole.CO_HANDLER: "co-handler",
        HandlingRole.INFORMED: "informed",
        Urgency.NORMAL: "Normal",
        Urgency.URGENT: "Urgent",
        Urgency.VERY_URGENT: "Very urgent",
        Urgency.FLASH: "Flash",
    },
}


def _labels(user: User) -> dict:
    return _LABELS.get(user.language, _LABELS["vi"])


def _send(
    user: User,
    kind: str,
    document: Document,
    *,
    actor: User | None = None,
    role: str | None = None,
    extra: Iterable[tuple[str, str | None]] = (),
    context: dict[str, str] | None = None,
) -> None:
    labels = _labels(user)
    deadline = document.current_assignment.deadline if document.current_assignment else None
    deadline = deadline or document.due_date
    if document.is_confidential:
        title = labels["confidential"]
        facts = []
    else:
        title = document.subject if len(document.subject) <= 120 else document.subject[:119] + "…"
        facts = [
            (labels["code"], document.number_and_notation),
            (labels["type"], type_name(document.document_type)),
            (labels["issuer"], document.issuer_name),
            *[(labels[key], value) for key, value in extra],
        ]
    facts += [
        (labels["urgency"], labels[document.urgency]),
        (labels["deadline"], deadline and deadline.isoformat()),
    ]
    notify(
        user,
        kind,
        {
            "title": title,
            "actor": actor.full_name if actor else "",
            "role": labels[role] if role else "",
            "deadline": deadline.isoformat() if deadline else "",
            **(context or {}),
        },
        urgent=document.urgency in URGENT_NOTICE,
        link=f"/documents/{document.id}",
        facts=[(label, value) for label, value in facts if value],
    )


def awaiting_direction(document: Document, leader: User, actor: User) -> None:
    _send(leader, "document.awaiting_direction", document, actor=actor)


def assigned(document: Document, assignment: Assignment, actor: User) -> None:
    """The primary handler (every member of a handling unit), the co-handlers and the informed."""
    told: set[int] = set()
    for role in (HandlingRole.PRIMARY, HandlingRole.CO_HANDLER, HandlingRole.INFORMED):
        for member in assignment.members_in(role):
            people = [member.user] if member.user is not None else unit_members(member.unit_id)
            for person in people:
                if person.id in told or person.id == actor.id:
                    continue
                told.add(person.id)
                direction = [("direction", assignment.direction_text)] if assignment.direction_text else []
                _send(person, "document.assigned", document, actor=actor, role=role, extra=direction)


def awaiting_review(document: Document, reviewer: User, actor: User) -> None:
    _send(reviewer, "document.awaiting_review", document, actor=actor)


def awaiting_signature(document: Document, signer: User) -> None:
    _send(signer, "document.awaiting_signature", document)


def returned(document: Document, actor: User, comment: str) -> None:
    if document.created_by is not None:
        _send(document.created_by, "document.returned", document, actor=actor, extra=[("comment", comment)])


def approved(document: Document, actor: User) -> None:
    if document.created_by is not None:
        _send(document.created_by, "document.approved", document, actor=actor)


def issued(document: Document) -> None:
    """The drafter and the internal recipients (every member of a recipient unit)."""
    people: dict[int, User] = {}
    if document.created_by is not None:
        people[document.created_by.id] = document.created_by
    for recipient in document.recipients:
        if recipient.kind == RecipientKind.USER and recipient.user is not None:
            people.setdefault(recipient.user.id, recipient.user)
        elif recipient.kind == RecipientKind.UNIT:
            for member in unit_members(recipient.unit_id):
                people.setdefault(member.id, member)
    for person in people.values():
        _send(person, "document.issued", document)


def _handlers(assignment: Assignment) -> dict[int, User]:
    people: dict[int, User] = {}
    for role in (HandlingRole.PRIMARY, HandlingRole.CO_HANDLER):
        for member in assignment.members_in(role):
            for person in [member.user] if member.user is not None else unit_members(member.unit_id):
                people.setdefault(person.id, person)
    return people


def deadline_near(document: Document, assignment: Assignment) -> None:
    """The handler and co-handlers, a couple of days before the deadline."""
    for person in _handlers(assignment).values():
        _send(person, "document.deadline_near", document)


def deadline_passed(document: Document, assignment: Assignment) -> None:
    """The handler and co-handlers, and the leader who set the deadline."""
    people = _handlers(assignment)
    if assignment.assigned_by is not None:
        people.setdefault(assignment.assigned_by.id, assignment.assigned_by)
    for person in people.values():
        _send(person, "document.deadline_passed", document)


def recalled(document: Document, reason: str) -> None:
    """Its sender recalled a received document: whoever registered, directs or handles it stops."""
    people: dict[int, User] = {}
    assignment = document.current_assignment
    if assignment is not None:
        people.update(_handlers(assignment))
        if assignment.assigned_by is not None:
            people.setdefault(assignment.assigned_by.id, assignment.assigned_by)
    for participant in document.participants:
        people.setdefault(participant.user_id, participant.user)
    for person in people.values():
        _send(person, "document.recalled", document, context={"reason": reason})
