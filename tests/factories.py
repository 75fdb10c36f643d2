"""Factories that build rows through the same operations the API uses."""

from __future__ import annotations

from eoffice.accounts import operations
from eoffice.accounts.models import Agency, User
from eoffice.extensions import db
from tests.conftest import TEST_PASSWORD


def create_agency(
    agency_id: str, name: str, *, units: list[str] = (), abbreviation: str | None = None
) -> Agency:
    agency = operations.create_agency(agency_id, name, abbreviation=abbreviation)
    for unit_name in units:
        operations.create_unit(agency, unit_name)
    db.session.commit()
    return agency


def create_user(
    username: str,
    *,
    agency_id: str = "000.00.00.H49",
    roles: list[str] = (),
    password: str = TEST_PASSWORD,
    is_platform_admin: bool = False,
    unit_id: int | None = None,
    full_name: str | None = None,
) -> User:
    user = operations.create_user(
        username=username,
        password=password,
        full_name=full_name or username.title(),
        email=f"{username}@example.gov.vn",
        agency_id=agency_id,
        unit_id=unit_id,
        roles=list(roles),
        is_platform_admin=is_platform_admin,
    )
    db.session.commit()
    return user
