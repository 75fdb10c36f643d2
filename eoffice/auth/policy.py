"""Every permission decision of the platform, in one place."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from eoffice.accounts.models import Role, User
from eoffice.api_base import ApiError


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


def _is_agency_admin(user: User, agency_id: str | None) -> bool:
    return user.has_role(Role.ADMIN) and agency_id is not None and user.agency_id == agency_id


def _agency_of(target: Any) -> str | None:
    if target is None or isinstance(target, str):
        return target
    return getattr(target, "agency_id", None)


# Each rule gets (user, target); the platform admin passes every rule before these are asked.
_RULES: dict[Permission, Callable[[User, Any], bool]] = {
    Permission.CREATE_AGENCY: lambda user, target: False,
    Permission.UPDATE_AGENCY: lambda user, agency: _is_agency_admin(user, getattr(agency, "id", None)),
    Permission.MANAGE_UNITS: lambda user, agency_id: _is_agency_admin(user, _agency_of(agency_id)),
    Permission.VIEW_USERS: lambda user, target: _is_agency_admin(user, _agency_of(target)),
    Permission.MANAGE_USERS: lambda user, target: _is_agency_admin(user, _agency_of(target)),
    Permission.GRANT_PLATFORM_ADMIN: lambda user, target: False,
    Permission.READ_AUDIT: lambda user, agency_id: _is_agency_admin(user, _agency_of(agency_id)),
    Permission.MANAGE_OUTBOX: lambda user, agency_id: _is_agency_admin(user, _agency_of(agency_id)),
    Permission.UPLOAD_FILE: lambda user, target: user.is_active,
    Permission.READ_FILE: lambda user, stored_file: (
        stored_file.uploaded_by_id == user.id or _is_agency_admin(user, stored_file.agency_id)
    ),
}


def can(user: User | None, permission: Permission, target: Any = None) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_platform_admin:
        return True
    return _RULES[permission](user, target)


def authorize(user: User | None, permission: Permission, target: Any = None) -> None:
    if not can(user, permission, target):
        raise ApiError(403, "forbidden", f"not allowed: {permission.value}")
