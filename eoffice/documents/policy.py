"""Every permission rule of official documents, in one place: who creates, sees and acts on which document.

The pattern of every feature's rules (see `eoffice.auth.policy`, which keeps the platform's rules and
the shared helpers, and `meetings.policy`): a `Permission` enum, one rule per permission, and
`can`/`authorize` asking them; the state machine (documents/workflow.py) names the permission of each
transition. `visible_documents` is the VIEW_DOCUMENT rule as SQL, for lists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from eoffice.accounts.models import Role, User
from eoffice.auth.policy import agency_of, has_role_in, is_agency_admin, not_allowed
from eoffice.documents.models import (
    Assignment,
    AssignmentMember,
    Confidentiality,
    DeliveryStatus,
    Direction,
    Document,
    DocumentFile,
    DocumentParticipant,
    HandlingRole,
    Recipient,
    RecipientKind,
    Status,
)
from eoffice.extensions import db
from eoffice.storage.models import StoredFile


class Permission(enum.StrEnum):
    CREATE_INCOMING = "documents.create_incoming"
    CREATE_OUTGOING = "documents.create_outgoing"
    VIEW_DOCUMENT = "documents.view"
    REGISTER_DOCUMENT = "documents.register"
    SUBMIT_FOR_DIRECTION = "documents.submit_for_direction"
    DIRECT_DOCUMENT = "documents.direct"
    HANDLE_DOCUMENT = "documents.handle"
    GIVE_OPINION = "documents.give_opinion"
    MARK_DOCUMENT_READ = "documents.mark_read"
    EDIT_DRAFT = "documents.edit_draft"
    REVIEW_DRAFT = "documents.review"
    SIGN_DRAFT = "documents.sign"
    ISSUE_DOCUMENT = "documents.issue"
    RECALL_DOCUMENT = "documents.recall"
    MANAGE_DOCUMENT_SETTINGS = "documents.settings"
    PRINT_REGISTERS = "documents.print_registers"
    VIEW_DOCUMENT_STATISTICS = "documents.statistics"


# Official documents. Who sees a document and who acts on it follows the people named on it and
# their roles in the owning agency; a platform admin is an administrator of every agency here, not
# a superuser: confidential documents stay with the people named on them.

# States in which a clerk of the agency must act, and so sees even a confidential document.
_CLERK_STAGES = frozenset({Status.PENDING_REGISTRATION, Status.APPROVED})


def _administers(user: User, agency_id: str | None) -> bool:
    return user.is_platform_admin or is_agency_admin(user, agency_id)


def _units_reached(document: Document) -> set[int]:
    """Units whose members see a non-confidential document: handling units and delivered recipients."""
    units = {m.unit_id for a in document.assignments for m in a.members if m.unit_id is not None}
    units |= {
        r.unit_id
        for r in document.recipients
        if r.unit_id is not None and r.delivery_status == DeliveryStatus.DELIVERED
    }
    return units


def _can_view_document(user: User, document: Document) -> bool:
    if document.participant(user.id) is not None:
        return True
    same_agency = user.agency_id == document.agency_id
    if document.is_confidential:
        return same_agency and user.has_role(Role.CLERK) and document.status in _CLERK_STAGES
    if _administers(user, document.agency_id):
        return True
    if not same_agency:
        return False
    # The archivist keeps the agency's case files, and so reads the documents filed in them.
    if any(user.has_role(role) for role in (Role.CLERK, Role.LEADER, Role.ARCHIVIST)):
        return True
    return user.unit_id is not None and user.unit_id in _units_reached(document)


def owns_document_file(file_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether a file is a document's (storage.access): when document_file_readable answers."""
    return exists().where(DocumentFile.stored_file_id == file_id)


def document_file_readable(user: User, stored: StoredFile) -> bool | None:
    """The files of documents (storage.access): readable by whoever may view one of their documents."""
    documents = db.session.scalars(
        select(Document).join(DocumentFile).where(DocumentFile.stored_file_id == stored.id)
    ).all()
    if not documents:
        return None
    return any(_can_view_document(user, document) for document in documents)


def _is_primary_handler(user: User, document: Document) -> bool:
    assignment = document.current_assignment
    if assignment is None:
        return False
    primary = assignment.primary
    if primary.user_id is not None:
        return primary.user_id == user.id
    # A unit handles it: any of its members may act (never for a confidential document).
    return (
        not document.is_confidential
        and user.agency_id == document.agency_id
        and user.unit_id is not None
        and primary.unit_id == user.unit_id
    )


def _is_co_handler(user: User, document: Document) -> bool:
    assignment = document.current_assignment
    return assignment is not None and any(
        member.user_id == user.id for member in assignment.members_in(HandlingRole.CO_HANDLER)
    )


def _is_internal_recipient(user: User, document: Document) -> bool:
    return any(
        recipient.user_id == user.id or (recipient.unit_id is not None and recipient.unit_id == user.unit_id)
        for recipient in document.recipients
        if recipient.kind != RecipientKind.EXTERNAL and recipient.delivery_status == DeliveryStatus.DELIVERED
    )


def _may_mark_read(user: User, document: Document) -> bool:
    if document.direction == Direction.OUTGOING:
        return _is_internal_recipient(user, document) and _can_view_document(user, document)
    assignment = document.current_assignment
    return assignment is not None and (
        _is_primary_handler(user, document) or any(m.user_id == user.id for m in assignment.members)
    )


def _on_document(rule: Callable[[User, Document], bool]) -> Callable[[User, Any], bool]:
    return lambda user, target: isinstance(target, Document) and rule(user, target)


# Each rule gets (user, target): a Document, or an agency (id or object) for creating and the agency-wide
# permissions.
_RULES: dict[Permission, Callable[[User, Any], bool]] = {
    Permission.CREATE_INCOMING: lambda user, target: has_role_in(user, agency_of(target), Role.CLERK),
    Permission.CREATE_OUTGOING: lambda user, target: has_role_in(
        user, agency_of(target), Role.CLERK, Role.LEADER, Role.SPECIALIST
    ),
    Permission.VIEW_DOCUMENT: _on_document(_can_view_document),
    Permission.REGISTER_DOCUMENT: _on_document(
        lambda user, doc: has_role_in(user, doc.agency_id, Role.CLERK) and _can_view_document(user, doc)
    ),
    Permission.SUBMIT_FOR_DIRECTION: _on_document(
        lambda user, doc: has_role_in(user, doc.agency_id, Role.CLERK) and _can_view_document(user, doc)
    ),
    Permission.DIRECT_DOCUMENT: _on_document(
        lambda user, doc: doc.directing_leader_id == user.id and has_role_in(user, doc.agency_id, Role.LEADER)
    ),
    Permission.HANDLE_DOCUMENT: _on_document(_is_primary_handler),
    Permission.GIVE_OPINION: _on_document(
        lambda user, doc: _is_co_handler(user, doc) or _is_primary_handler(user, doc)
    ),
    Permission.MARK_DOCUMENT_READ: _on_document(_may_mark_read),
    Permission.EDIT_DRAFT: _on_document(
        lambda user, doc: doc.created_by_id == user.id and doc.direction == Direction.OUTGOING
    ),
    Permission.REVIEW_DRAFT: _on_document(lambda user, doc: doc.current_reviewer_id == user.id),
    Permission.SIGN_DRAFT: _on_document(
        lambda user, doc: (
            doc.signer_id == user.id
            and doc.current_reviewer_id == user.id
            and has_role_in(user, doc.agency_id, Role.LEADER)
        )
    ),
    Permission.ISSUE_DOCUMENT: _on_document(
        lambda user, doc: has_role_in(user, doc.agency_id, Role.CLERK) and _can_view_document(user, doc)
    ),
    Permission.RECALL_DOCUMENT: _on_document(
        lambda user, doc: (
            has_role_in(user, doc.agency_id, Role.CLERK, Role.LEADER) and _can_view_document(user, doc)
        )
    ),
    Permission.MANAGE_DOCUMENT_SETTINGS: lambda user, target: is_agency_admin(user, agency_of(target)),
    # The registers list what the caller may see; printing them is the clerks', leaders' and admins' work.
    Permission.PRINT_REGISTERS: lambda user, agency_id: has_role_in(
        user, agency_id, Role.CLERK, Role.LEADER, Role.ADMIN
    ),
    Permission.VIEW_DOCUMENT_STATISTICS: lambda user, agency_id: has_role_in(
        user, agency_id, Role.CLERK, Role.LEADER, Role.ADMIN
    ),
}


def may_review_drafts(user: User, agency_id: str | None) -> bool:
    """Who a drafter may name as a reviewer of a draft (thẩm định): the agency's leaders and specialists,
    who know the matter. Not its clerks (they check the form at issuance), nor a platform admin, whose
    account administers the system and handles no documents."""
    return (
        user.is_active
        and not user.is_platform_admin
        and has_role_in(user, agency_id, Role.LEADER, Role.SPECIALIST)
    )


def may_sign_drafts(user: User, agency_id: str | None) -> bool:
    """Who a drafter may name as the signer: a leader of the agency."""
    return user.is_active and has_role_in(user, agency_id, Role.LEADER)


def visible_documents(user: User) -> ColumnElement[bool]:
    """The VIEW_DOCUMENT rule as an SQL condition on Document, for lists; both must agree."""
    if not user.is_active:
        return false()
    named = exists().where(
        DocumentParticipant.document_id == Document.id, DocumentParticipant.user_id == user.id
    )
    same_agency = Document.agency_id == user.agency_id
    not_confidential = Document.confidentiality == Confidentiality.NONE
    # PostgreSQL tries the alternatives in the order written and stops at the first that holds: the
    # tests of the document's own columns come first, so that "named on it" (an index probe) is asked
    # only of the documents they refuse, and the units last. Named first, it would be asked of each of
    # the thousands of matches of a rare word in a platform admin's search.
    clauses = []
    units = []
    if user.has_role(Role.CLERK):
        clauses.append(and_(same_agency, ~not_confidential, Document.status.in_(_CLERK_STAGES)))
    if user.is_platform_admin:
        clauses.append(not_confidential)
    elif any(user.has_role(role) for role in (Role.CLERK, Role.LEADER, Role.ADMIN, Role.ARCHIVIST)):
        clauses.append(and_(same_agency, not_confidential))
    elif user.unit_id is not None:
        handling_unit = exists().where(
            Assignment.document_id == Document.id,
            AssignmentMember.assignment_id == Assignment.id,
            AssignmentMember.unit_id == user.unit_id,
        )
        recipient_unit = exists().where(
            Recipient.document_id == Document.id,
            Recipient.unit_id == user.unit_id,
            Recipient.delivery_status == DeliveryStatus.DELIVERED,
        )
        units.append(and_(same_agency, not_confidential, or_(handling_unit, recipient_unit)))
    return or_(*clauses, named, *units)


def visible_agency(user: User) -> str | None:
    """The one agency holding every document visible_documents(user) admits; None when they span agencies.

    Everyone but a platform admin sees documents of their own agency only: the people named on a
    document always belong to its agency (documents.operations.common.name refuses anyone else).
    Lists say it outright, so that the database walks one agency's documents instead of all.
    """
    return None if user.is_platform_admin else user.agency_id


# The only permissions a platform admin passes without asking the rule: the agency's settings and its
# registers and statistics. Documents belong to the people named on them, and acting on one takes a
# role in its agency.
_PLATFORM_ADMIN_PASSES = frozenset(
    {Permission.MANAGE_DOCUMENT_SETTINGS, Permission.PRINT_REGISTERS, Permission.VIEW_DOCUMENT_STATISTICS}
)


def can(user: User | None, permission: Permission, target: Any = None) -> bool:
    """Whether the user may; the target is a Document, or an agency (id or object) for the agency-wide
    permissions."""
    if user is None or not user.is_active:
        return False
    if user.is_platform_admin and permission in _PLATFORM_ADMIN_PASSES:
        return True
    return _RULES[permission](user, target)


def authorize(user: User | None, permission: Permission, target: Any = None) -> None:
    if not can(user, permission, target):
        raise not_allowed(permission)
