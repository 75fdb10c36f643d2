"""The permission decisions of the policy module, one row per case."""

from __future__ import annotations

import pytest

from eoffice.accounts.models import User, UserRole
from eoffice.auth.policy import Permission, can
from eoffice.storage.models import StoredFile

HOME, OTHER = "000.00.00.H49", "000.00.01.H49"


def _user(roles=(), agency=HOME, platform=False, active=True, user_id=1):
    return User(
        id=user_id,
        username="u",
        agency_id=agency,
        is_platform_admin=platform,
        is_active=active,
        role_rows=[UserRole(role=r) for r in roles],
    )


@pytest.mark.parametrize(
    "user, permission, target, allowed",
    [
        (_user(["admin"], platform=True), Permission.CREATE_AGENCY, None, True),
        (_user(["admin"]), Permission.CREATE_AGENCY, None, False),
        (_user(["admin"]), Permission.MANAGE_USERS, HOME, True),
        (_user(["admin"]), Permission.MANAGE_USERS, OTHER, False),
        (_user(["admin"]), Permission.MANAGE_USERS, _user(agency=OTHER), False),
        (_user(["leader"]), Permission.MANAGE_USERS, HOME, False),
        (_user(["admin"]), Permission.MANAGE_USERS, _user(["admin"]), True),
        (_user(["admin"]), Permission.MANAGE_USERS, _user(["admin"], platform=True), False),
        (_user(["admin"], platform=True), Permission.MANAGE_USERS, _user(["admin"], platform=True), True),
        (_user(["clerk"]), Permission.READ_AUDIT, HOME, False),
        (_user(["admin"]), Permission.READ_AUDIT, HOME, True),
        (_user(["admin"]), Permission.READ_AUDIT, None, False),
        (_user(["admin"]), Permission.GRANT_PLATFORM_ADMIN, None, False),
        (_user(["admin"], platform=True, active=False), Permission.MANAGE_USERS, HOME, False),
        (_user(["admin"]), Permission.MANAGE_UNITS, HOME, True),
        (_user(["specialist"]), Permission.MANAGE_UNITS, HOME, False),
        (_user(["clerk"]), Permission.UPLOAD_FILE, None, True),
        (
            _user(["clerk"], user_id=7),
            Permission.READ_FILE,
            StoredFile(uploaded_by_id=7, agency_id=HOME),
            True,
        ),
        (
            _user(["clerk"], user_id=8),
            Permission.READ_FILE,
            StoredFile(uploaded_by_id=7, agency_id=HOME),
            False,
        ),
        (
            _user(["admin"], user_id=8),
            Permission.READ_FILE,
            StoredFile(uploaded_by_id=7, agency_id=HOME),
            False,
        ),
        (
            _user(["admin"], user_id=8, agency=OTHER),
            Permission.READ_FILE,
            StoredFile(uploaded_by_id=7, agency_id=HOME),
            False,
        ),
        (None, Permission.UPLOAD_FILE, None, False),
    ],
)
def test_policy_decisions(user, permission, target, allowed):
    assert can(user, permission, target) is allowed


def test_every_permission_has_a_rule():
    user = _user(["specialist"])
    for permission in Permission:
        can(user, permission, StoredFile(uploaded_by_id=2, agency_id=HOME))
