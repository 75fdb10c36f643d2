"""Creating and changing agencies, units and users; every rule about them lives here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.accounts.models import Agency, Unit, User, UserRole, is_valid_agency_id
from eoffice.accounts.passwords import hash_password
from eoffice.api_base import ApiError, invalid
from eoffice.audit.operations import record_event
from eoffice.auth.operations import end_all_sessions
from eoffice.extensions import db


def create_agency(
    agency_id: str,
    name: str,
    *,
    abbreviation: str | None = None,
    parent_id: str | None = None,
    email: str | None = None,
    actor: User | None = None,
) -> Agency:
    if not is_valid_agency_id(agency_id):
        raise invalid("id", "must be a 13-character agency identifier like 000.00.00.H49")
    if db.session.get(Agency, agency_id) is not None:
        raise ApiError(409, "conflict", f"agency {agency_id} already exists")
    if parent_id is not None and db.session.get(Agency, parent_id) is None:
        raise invalid("parent_id", f"unknown agency {parent_id}")
    agency = Agency(id=agency_id, name=name, abbreviation=abbreviation, parent_id=parent_id, email=email)
    db.session.add(agency)
    db.session.flush()
    record_event(
        "agency.created", actor=actor, agency_id=agency_id, target_type="agency", target_id=agency_id
    )
    return agency


def update_agency(agency: Agency, changes: dict[str, Any], *, actor: User) -> Agency:
    for name, value in changes.items():
        setattr(agency, name, value)
    db.session.flush()
    record_event(
        "agency.updated",
        actor=actor,
        agency_id=agency.id,
        target_type="agency",
        target_id=agency.id,
        details={"fields": sorted(changes)},
    )
    return agency


def create_unit(
    agency: Agency, name: str, *, abbreviation: str | None = None, actor: User | None = None
) -> Unit:
    if db.session.scalar(select(Unit).where(Unit.agency_id == agency.id, Unit.name == name)):
        raise ApiError(409, "conflict", f"unit {name!r} already exists in agency {agency.id}")
    unit = Unit(agency_id=agency.id, name=name, abbreviation=abbreviation)
    db.session.add(unit)
    db.session.flush()
    record_event("unit.created", actor=actor, agency_id=agency.id, target_type="unit", target_id=unit.id)
    return unit


def update_unit(unit: Unit, changes: dict[str, Any], *, actor: User) -> Unit:
    if "name" in changes and db.session.scalar(
        select(Unit).where(Unit.agency_id == unit.agency_id, Unit.name == changes["name"], Unit.id != unit.id)
    ):
        raise ApiError(409, "conflict", f"unit {changes['name']!r} already exists in agency {unit.agency_id}")
    for name, value in changes.items():
        setattr(unit, name, value)
    db.session.flush()
    record_event("unit.updated", actor=actor, agency_id=unit.agency_id, target_type="unit", target_id=unit.id)
    return unit


def _check_unit(unit_id: int | None, agency_id: str) -> None:
    if unit_id is None:
        return
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.agency_id != agency_id:
        raise invalid("unit_id", f"no unit {unit_id} in agency {agency_id}")


def create_user(
    *,
    username: str,
    password: str,
    full_name: str,
    agency_id: str,
    email: str | None = None,
    unit_id: int | None = None,
    roles: list[str] | None = None,
    language: str = "vi",
    is_platform_admin: bool = False,
    actor: User | None = None,
) -> User:
    username = username.strip().lower()
    if db.session.get(Agency, agency_id) is None:
        raise invalid("agency_id", f"unknown agency {agency_id}")
    _check_unit(unit_id, agency_id)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ApiError(409, "conflict", f"username {username!r} is taken")
    user = User(
        username=username,
        password_hash=hash_password(password),
        full_name=full_name,
        email=email,
        agency_id=agency_id,
        unit_id=unit_id,
        language=language,
        is_platform_admin=is_platform_admin,
        role_rows=[UserRole(role=role) for role in sorted(set(roles or []))],
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        "user.created",
        actor=actor,
        agency_id=agency_id,
        target_type="user",
        target_id=user.id,
        details={"username": username, "roles": user.roles, "is_platform_admin": is_platform_admin},
    )
    return user


def _ensure_another_platform_admin_remains(user: User, changes: dict[str, Any]) -> None:
    """409 when the change would leave no active platform admin: nobody could then create agencies."""
    leaves = changes.get("is_platform_admin") is False or changes.get("is_active") is False
    if not (user.is_platform_admin and user.is_active and leaves):
        return
    # Locked on PostgreSQL: two platform admins demoting each other at once must not both pass.
    others = db.session.scalars(
        select(User.id)
        .where(User.is_platform_admin.is_(True), User.is_active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise ApiError(
            409,
            "conflict",
            "the last active platform admin cannot be demoted or deactivated; make another one first",
        )


def update_user(user: User, changes: dict[str, Any], *, actor: User) -> User:
    changes = dict(changes)
    _ensure_another_platform_admin_remains(user, changes)
    # Whoever held the old password, or a session from before a deactivation, is out at once.
    ends_sessions = "password" in changes or changes.get("is_active", user.is_active) != user.is_active
    if "unit_id" in changes:
        _check_unit(changes["unit_id"], user.agency_id)
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
        record_event(
            "user.password_changed",
            actor=actor,
            agency_id=user.agency_id,
            target_type="user",
            target_id=user.id,
        )
    if "roles" in changes:
        new_roles = sorted(set(changes.pop("roles")))
        if new_roles != user.roles:
            record_event(
                "user.roles_changed",
                actor=actor,
                agency_id=user.agency_id,
                target_type="user",
                target_id=user.id,
                details={"from": user.roles, "to": new_roles},
            )
            user.role_rows = [UserRole(role=role) for role in new_roles]
    if "is_platform_admin" in changes and changes["is_platform_admin"] != user.is_platform_admin:
        record_event(
            "user.platform_admin_changed",
            actor=actor,
            agency_id=user.agency_id,
            target_type="user",
            target_id=user.id,
            details={"to": changes["is_platform_admin"]},
        )
    if "is_active" in changes and changes["is_active"] != user.is_active:
        record_event(
            "user.activated" if changes["is_active"] else "user.deactivated",
            actor=actor,
            agency_id=user.agency_id,
            target_type="user",
            target_id=user.id,
        )
    for name, value in changes.items():
        setattr(user, name, value)
    if ends_sessions:
        # A reactivation finds no live session to end: the deactivation ended them.
        end_all_sessions(
            user.id, "account disabled" if not user.is_active else "password reset; log in again"
        )
    db.session.flush()
    return user
