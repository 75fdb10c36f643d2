"""The documents' permission decisions taken without a database, one row per case; who may do what to
a stored document is asked through the API in test_permissions.py and the authorisation matrix."""

from __future__ import annotations

import pytest

from eoffice.accounts.models import User, UserRole
from eoffice.api_base import ApiError
from eoffice.documents.policy import Permission, authorize, can
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
        (_user(["clerk"]), Permission.CREATE_INCOMING, HOME, True),
        (_user(["clerk"]), Permission.CREATE_INCOMING, OTHER, False),
        (_user(["leader"]), Permission.CREATE_INCOMING, HOME, False),
        (_user(["specialist"]), Permission.CREATE_OUTGOING, HOME, True),
        (_user(["clerk"], active=False), Permission.CREATE_INCOMING, HOME, False),
        (None, Permission.CREATE_OUTGOING, HOME, False),
        (_user(["admin"]), Permission.MANAGE_DOCUMENT_SETTINGS, HOME, True),
        (_user(["admin"]), Permission.MANAGE_DOCUMENT_SETTINGS, OTHER, False),
        (_user(["clerk"]), Permission.MANAGE_DOCUMENT_SETTINGS, HOME, False),
        (_user(["leader"]), Permission.PRINT_REGISTERS, HOME, True),
        (_user(["specialist"]), Permission.VIEW_DOCUMENT_STATISTICS, HOME, False),
        # The platform admin passes the agency-wide permissions of every agency...
        (_user(["admin"], platform=True), Permission.MANAGE_DOCUMENT_SETTINGS, OTHER, True),
        (_user(["admin"], platform=True), Permission.PRINT_REGISTERS, OTHER, True),
        (_user(["admin"], platform=True), Permission.VIEW_DOCUMENT_STATISTICS, OTHER, True),
        # ...but not the document's own: those take a role in its agency or a name on it.
        (_user(["admin"], platform=True), Permission.CREATE_INCOMING, OTHER, False),
        (_user(["admin"], platform=True), Permission.VIEW_DOCUMENT, OTHER, False),
    ],
)
def test_policy_decisions(user, permission, target, allowed):
    assert can(user, permission, target) is allowed


def test_authorize_refuses_with_403_naming_the_permission():
    with pytest.raises(ApiError) as refused:
        authorize(_user(["leader"]), Permission.CREATE_INCOMING, HOME)
    assert refused.value.status == 403
    assert "documents.create_incoming" in refused.value.message


def test_every_permission_has_a_rule():
    user = _user(["specialist"])
    for permission in Permission:
        can(user, permission, StoredFile(uploaded_by_id=2, agency_id=HOME))
