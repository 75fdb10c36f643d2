"""Every permission rule of records, in one place: who builds the file list, opens, changes and reads case
files, hands them over and receives them in the archive.

The pattern of every feature's rules (eoffice.auth.policy, eoffice.documents.policy, meetings.policy): a
`Permission` enum, one rule per permission, and `can`/`authorize` asking them; the state machine
(records/workflow.py) names the permission of each transition.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from eoffice.accounts.models import Role, User
from eoffice.auth.policy import agency_of, has_role_in, not_allowed
from eoffice.extensions import db
from eoffice.records.models import AccessRegime, CaseFile, CaseFileStatus, Handover
from eoffice.storage.models import StoredFile


class Permission(enum.StrEnum):
    VIEW_FILE_LIST = "records.view_file_list"
    MANAGE_FILE_LIST = "records.manage_file_list"
    OPEN_CASE_FILE = "records.open_case_file"
    VIEW_CASE_FILE = "records.view_case_file"
    MANAGE_CASE_FILE = "records.manage_case_file"
    AMEND_CLOSED_CASE_FILE = "records.amend_closed_case_file"
    PROPOSE_HANDOVER = "records.propose_handover"
    VIEW_HANDOVER = "records.view_handover"
    RECEIVE_HANDOVER = "records.receive_handover"
    EXPORT_HANDOVER = "records.export_handover"


def is_archivist(user: User, agency_id: str | None) -> bool:
    return has_role_in(user, agency_id, Role.ARCHIVIST)


def _is_member(user: User, agency_id: str | None) -> bool:
    return agency_id is not None and user.agency_id == agency_id


def _can_view_case_file(user: User, case_file: CaseFile) -> bool:
    """Every member of the agency, except that an archived restricted case file (chế độ hạn chế) is read
    by its responsible person, the agency's leaders, archivists and administrators only."""
    if not _is_member(user, case_file.agency_id):
        return False
    restricted = (
        case_file.status == CaseFileStatus.ARCHIVED and case_file.access_regime == AccessRegime.RESTRICTED
    )
    if not restricted:
        return True
    return case_file.responsible_id == user.id or has_role_in(
        user, case_file.agency_id, Role.LEADER, Role.ARCHIVIST, Role.ADMIN
    )


def _manages(user: User, case_file: CaseFile) -> bool:
    """The person responsible for the case file, or the agency's archivist."""
    return _is_member(user, case_file.agency_id) and (
        case_file.responsible_id == user.id or is_archivist(user, case_file.agency_id)
    )


def _on_case_file(rule: Callable[[User, CaseFile], bool]) -> Callable[[User, Any], bool]:
    return lambda user, target: isinstance(target, CaseFile) and rule(user, target)


def _on_handover(rule: Callable[[User, Handover], bool]) -> Callable[[User, Any], bool]:
    return lambda user, target: isinstance(target, Handover) and rule(user, target)


# Each rule gets (user, target): a CaseFile, a Handover, or an agency (id or object) for the agency-wide ones.
_RULES: dict[Permission, Callable[[User, Any], bool]] = {
    Permission.VIEW_FILE_LIST: lambda user, target: _is_member(user, agency_of(target)),
    # The office (văn thư) or an administrator builds the file list at the start of the year.
    Permission.MANAGE_FILE_LIST: lambda user, target: has_role_in(
        user, agency_of(target), Role.CLERK, Role.ADMIN
    ),
    Permission.OPEN_CASE_FILE: lambda user, target: has_role_in(
        user, agency_of(target), Role.SPECIALIST, Role.CLERK, Role.LEADER, Role.ARCHIVIST
    ),
    Permission.VIEW_CASE_FILE: _on_case_file(_can_view_case_file),
    Permission.MANAGE_CASE_FILE: _on_case_file(_manages),
    Permission.AMEND_CLOSED_CASE_FILE: _on_case_file(lambda user, cf: is_archivist(user, cf.agency_id)),
    # Whoever manages a closed case file proposes it for hand-over; the archive receives it.
    Permission.PROPOSE_HANDOVER: _on_case_file(_manages),
    Permission.VIEW_HANDOVER: _on_handover(
        lambda user, handover: (
            has_role_in(user, handover.agency_id, Role.ARCHIVIST, Role.CLERK, Role.LEADER, Role.ADMIN)
            or any(cf.responsible_id == user.id for cf in handover.case_files)
        )
    ),
    Permission.RECEIVE_HANDOVER: _on_handover(lambda user, handover: is_archivist(user, handover.agency_id)),
    Permission.EXPORT_HANDOVER: _on_handover(lambda user, handover: is_archivist(user, handover.agency_id)),
}

# A platform admin administers every agency's file list; case files and the archive take a role there.
_PLATFORM_ADMIN_PASSES = frozenset({Permission.VIEW_FILE_LIST, Permission.MANAGE_FILE_LIST})


def can(user: User | None, permission: Permission, target: Any = None) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_platform_admin and permission in _PLATFORM_ADMIN_PASSES:
        return True
    return _RULES[permission](user, target)


def authorize(user: User | None, permission: Permission, target: Any = None) -> None:
    if not can(user, permission, target):
        raise not_allowed(permission)


def owns_handover_file(file_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether a file is a hand-over's PDF (storage.access): when handover_file_readable answers."""
    return exists().where((Handover.list_file_id == file_id) | (Handover.record_file_id == file_id))


def handover_file_readable(user: User, stored: StoredFile) -> bool | None:
    """The PDFs of hand-overs (storage.access): read by who may see the hand-over; None for other files."""
    handovers = db.session.scalars(
        select(Handover).where((Handover.list_file_id == stored.id) | (Handover.record_file_id == stored.id))
    ).all()
    if not handovers:
        return None
    return any(can(user, Permission.VIEW_HANDOVER, handover) for handover in handovers)
