"""The platform's permission rules (agencies, users, audit, files, signing keys) and the helpers every
feature's rules share.

The pattern of every feature's rules, here and in `eoffice.documents.policy` and `meetings.policy`: a
`Permission` enum, one rule per permission in a `_RULES` table, and `can`/`authorize` asking them; the
feature's state machine names the permission of each transition. The rules of a feature live beside it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from eoffice.accounts.models import Role, User
from eoffice.api_base import ApiError
from eoffice.storage.access import may_read_file


class Permission(enum.StrEnum):
    CREATE_AGENCY = "agency.create"
    UPDATE_AGENCY = "agency.update"
    MANAGE_UNITS = "units.manage"
    VIEW_USERS = "users.view"
    MANAGE_USERS = "users.manage"
    GRANT_PLATFORM_ADMIN = "users.grant_platform_admin"
    READ_AUDIT = "audit.read"
    UPLOAD_FILE = "files.upload"
    READ_FILE = "files.read"
    MANAGE_OUTBOX = "outbox.manage"
    MANAGE_SIGNING_CERTIFICATES = "signing.certificates"
    MANAGE_DEVICES = "devices.manage"


def is_agency_admin(user: User, agency_id: str | None) -> bool:
    return user.has_role(Role.ADMIN) and agency_id is not None and user.agency_id == agency_id


def has_role_in(user: User, agency_id: str | None, *roles: Role) -> bool:
    return agency_id is not None and user.agency_id == agency_id and any(user.has_role(r) for r in roles)


def agency_of(target: Any) -> str | None:
    """The agency a rule's target belongs to: an agency id itself, or the `agency_id` of an object."""
    if target is None or isinstance(target, str):
        return target
    return getattr(target, "agency_id", None)


def not_allowed(permission: enum.StrEnum) -> ApiError:
    return ApiError(403, "forbidden", f"not allowed: {permission.value}")


# Each rule gets (user, target); the platform admin passes every rule before these are asked.
_RULES: dict[Permission, Callable[[User, Any], bool]] = {
    Permission.CREATE_AGENCY: lambda user, target: False,
    Permission.UPDATE_AGENCY: lambda user, agency: is_agency_admin(user, getattr(agency, "id", None)),
    Permission.MANAGE_UNITS: lambda user, agency_id: is_agency_admin(user, agency_of(agency_id)),
    Permission.VIEW_USERS: lambda user, target: is_agency_admin(user, agency_of(target)),
    # A platform admin's account is managed by platform admins only: an admin of his agency who could
    # set his password could log in as him and make himself platform admin.
    Permission.MANAGE_USERS: lambda user, target: (
        is_agency_admin(user, agency_of(target)) and not getattr(target, "is_platform_admin", False)
    ),
    Permission.GRANT_PLATFORM_ADMIN: lambda user, target: False,
    Permission.READ_AUDIT: lambda user, agency_id: is_agency_admin(user, agency_of(agency_id)),
    Permission.MANAGE_OUTBOX: lambda user, agency_id: is_agency_admin(user, agency_of(agency_id)),
    # The signing key of a person (a User) or of an agency (its id); a platform admin's key, like his
    # account, is for platform admins only.
    Permission.MANAGE_SIGNING_CERTIFICATES: lambda user, owner: (
        is_agency_admin(user, agency_of(owner)) and not getattr(owner, "is_platform_admin", False)
    ),
    # A user's devices (listing, revoking a lost one): the user, or an admin who manages the user.
    Permission.MANAGE_DEVICES: lambda user, owner: (
        user.id == owner.id
        or (is_agency_admin(user, agency_of(owner)) and not getattr(owner, "is_platform_admin", False))
    ),
    Permission.UPLOAD_FILE: lambda user, target: user.is_active,
    Permission.READ_FILE: lambda user, stored_file: may_read_file(user, stored_file),
}

# A file is read by who may read what owns it, the platform admin included.
_DECIDED_BY_RULE_ONLY = frozenset({Permission.READ_FILE})


def can(user: User | None, permission: Permission, target: Any = None) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_platform_admin and permission not in _DECIDED_BY_RULE_ONLY:
        return True
    return _RULES[permission](user, target)


def authorize(user: User | None, permission: Permission, target: Any = None) -> None:
    if not can(user, permission, target):
        raise not_allowed(permission)
