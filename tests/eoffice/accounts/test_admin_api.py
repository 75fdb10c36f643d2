"""Agency, unit and user administration: who may do what, and what ends up stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eoffice.accounts.models import Agency, Unit, User
from eoffice.audit.models import AuditEvent
from eoffice.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import create_agency, create_user

OTHER_AGENCY = "000.00.01.H49"


@pytest.fixture
def province(agency):
    create_agency(OTHER_AGENCY, "Sở Nội vụ tỉnh Quảng Nam", units=["Văn phòng Sở"])
    create_user("root", roles=["admin"], is_platform_admin=True)
    create_user("admin.ubnd", roles=["admin"])
    create_user("admin.snv", roles=["admin"], agency_id=OTHER_AGENCY)
    create_user("clerk.ubnd", roles=["clerk"])
    return agency


def _new_user(**changes):
    body = {
        "username": "chuyenvien",
        "password": "mật khẩu dài",
        "full_name": "Lê Thị Thu Trang",
        "email": "trang@quangnam.gov.vn",
        "agency_id": "000.00.00.H49",
        "roles": ["specialist"],
    }
    body.update(changes)
    return body


def test_agency_admin_creates_a_user_in_their_agency_who_can_then_log_in(client, login, province):
    unit_id = province.units[0].id
    response = client.post(
        "/api/v1/admin/users", json=_new_user(unit_id=unit_id), headers=login("admin.ubnd")
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["username"] == "chuyenvien"
    assert created["roles"] == ["specialist"]
    assert created["unit_id"] == unit_id
    assert "password" not in created and "password_hash" not in created
    stored = db.session.get(User, created["id"])
    assert stored.full_name == "Lê Thị Thu Trang" and stored.password_hash.startswith("$argon2id$")
    me = client.get("/api/v1/me", headers=login("chuyenvien", "mật khẩu dài")).get_json()
    assert me["id"] == created["id"]
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.event == "user.created", AuditEvent.target_id == str(created["id"])
        )
    )
    assert event.actor_username == "admin.ubnd" and event.agency_id == "000.00.00.H49"


def test_agency_admin_cannot_create_users_in_another_agency(client, login, province):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post(
        "/api/v1/admin/users", json=_new_user(agency_id=OTHER_AGENCY), headers=login("admin.ubnd")
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_platform_admin_creates_users_in_any_agency(client, login, province):
    response = client.post(
        "/api/v1/admin/users", json=_new_user(agency_id=OTHER_AGENCY), headers=login("root")
    )
    assert response.status_code == 201
    assert response.get_json()["agency_id"] == OTHER_AGENCY


def test_a_clerk_cannot_create_users(client, login, province):
    assert (
        client.post("/api/v1/admin/users", json=_new_user(), headers=login("clerk.ubnd")).status_code == 403
    )


def test_only_the_platform_admin_grants_platform_admin(client, login, province):
    response = client.post(
        "/api/v1/admin/users", json=_new_user(is_platform_admin=True), headers=login("admin.ubnd")
    )
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.username == "chuyenvien")) is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"username": "A B"}, "username"),
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"roles": ["emperor"]}, "roles"),
        ({"agency_id": "H49"}, "agency_id"),
        ({"unexpected": 1}, "unexpected"),
        ({"unit_id": "abc"}, "unit_id"),
    ],
)
def test_invalid_user_fields_are_named(client, login, province, changes, field):
    response = client.post("/api/v1/admin/users", json=_new_user(**changes), headers=login("root"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["message"]


def test_unit_of_another_agency_is_refused(client, login, province):
    foreign_unit = db.session.scalar(select(Unit).where(Unit.agency_id == OTHER_AGENCY))
    response = client.post(
        "/api/v1/admin/users", json=_new_user(unit_id=foreign_unit.id), headers=login("root")
    )
    assert response.status_code == 422
    assert "unit_id" in response.get_json()["error"]["message"]


def test_unknown_agency_is_refused(client, login, province):
    response = client.post(
        "/api/v1/admin/users", json=_new_user(agency_id="000.00.09.H49"), headers=login("root")
    )
    assert response.status_code in (403, 422)
    assert db.session.scalar(select(User).where(User.username == "chuyenvien")) is None


def test_duplicate_username_is_a_conflict_and_keeps_the_first_account(client, login, province):
    headers = login("admin.ubnd")
    assert client.post("/api/v1/admin/users", json=_new_user(), headers=headers).status_code == 201
    response = client.post("/api/v1/admin/users", json=_new_user(full_name="Someone Else"), headers=headers)
    assert response.status_code == 409
    users = db.session.scalars(select(User).where(User.username == "chuyenvien")).all()
    assert [u.full_name for u in users] == ["Lê Thị Thu Trang"]


def test_role_change_is_audited_and_takes_effect(client, login, province):
    clerk = db.session.scalar(select(User).where(User.username == "clerk.ubnd"))
    response = client.patch(
        f"/api/v1/admin/users/{clerk.id}", json={"roles": ["clerk", "leader"]}, headers=login("admin.ubnd")
    )
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["clerk", "leader"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.roles_changed"))
    assert event.details == {"from": ["clerk"], "to": ["clerk", "leader"]}
    assert client.get("/api/v1/me", headers=login("clerk.ubnd")).get_json()["roles"] == ["clerk", "leader"]


def test_deactivated_user_loses_access(client, login, province):
    clerk = db.session.scalar(select(User).where(User.username == "clerk.ubnd"))
    headers = login("clerk.ubnd")
    assert (
        client.patch(
            f"/api/v1/admin/users/{clerk.id}", json={"is_active": False}, headers=login("admin.ubnd")
        ).status_code
        == 200
    )
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def _sessions_of(client, username, count=2):
    pairs = []
    for _ in range(count):
        response = client.post("/api/v1/auth/login", json={"username": username, "password": TEST_PASSWORD})
        pairs.append(response.get_json())
    return pairs


def _still_works(client, pair) -> tuple[int, int]:
    """(status of /me with the access token, status of a refresh with the refresh token)."""
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    return me.status_code, refreshed.status_code


def test_a_password_reset_by_an_admin_ends_every_session_of_the_user(client, login, province):
    clerk = _user_named("clerk.ubnd")
    sessions = _sessions_of(client, "clerk.ubnd")
    response = client.patch(
        f"/api/v1/admin/users/{clerk.id}", json={"password": "mật khẩu mới dài"}, headers=login("admin.ubnd")
    )
    assert response.status_code == 200
    assert [_still_works(client, pair) for pair in sessions] == [(401, 401), (401, 401)]
    assert client.get("/api/v1/me", headers=login("clerk.ubnd", "mật khẩu mới dài")).status_code == 200


def test_deactivating_then_reactivating_a_user_leaves_no_earlier_session_working(client, login, province):
    clerk = _user_named("clerk.ubnd")
    sessions = _sessions_of(client, "clerk.ubnd")
    admin = login("admin.ubnd")
    for active in (False, True):
        response = client.patch(f"/api/v1/admin/users/{clerk.id}", json={"is_active": active}, headers=admin)
        assert response.status_code == 200
    assert [_still_works(client, pair) for pair in sessions] == [(401, 401), (401, 401)]
    assert client.get("/api/v1/me", headers=login("clerk.ubnd")).status_code == 200


def test_other_changes_to_a_user_keep_their_sessions(client, login, province):
    clerk = _user_named("clerk.ubnd")
    [pair] = _sessions_of(client, "clerk.ubnd", count=1)
    client.patch(
        f"/api/v1/admin/users/{clerk.id}", json={"full_name": "Nguyễn Văn Tư"}, headers=login("admin.ubnd")
    )
    assert _still_works(client, pair) == (200, 200)


def test_admin_cannot_lock_themselves_out(client, login, province):
    me = db.session.scalar(select(User).where(User.username == "admin.ubnd"))
    headers = login("admin.ubnd")
    assert (
        client.patch(f"/api/v1/admin/users/{me.id}", json={"is_active": False}, headers=headers).status_code
        == 409
    )
    assert (
        client.patch(f"/api/v1/admin/users/{me.id}", json={"roles": ["clerk"]}, headers=headers).status_code
        == 409
    )
    assert db.session.get(User, me.id).roles == ["admin"]


def _user_named(username):
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize(
    "changes",
    [
        {"password": "mật khẩu của kẻ chiếm quyền"},
        {"roles": ["clerk"]},
        {"is_active": False},
        {"is_platform_admin": False},
        {"full_name": "Ai đó"},
        {"email": "attacker@example.com"},
    ],
)
def test_an_agency_admin_cannot_change_a_platform_admin_of_their_agency(client, login, province, changes):
    root = _user_named("root")
    before = (root.password_hash, root.roles, root.is_active, root.full_name, root.email)
    response = client.patch(f"/api/v1/admin/users/{root.id}", json=changes, headers=login("admin.ubnd"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    root = _user_named("root")
    assert (root.password_hash, root.roles, root.is_active, root.full_name, root.email) == before
    # The takeover of the finding: his password unchanged, the agency admin cannot log in as him.
    assert client.get("/api/v1/me", headers=login("root")).get_json()["is_platform_admin"] is True


def test_a_platform_admin_manages_another_platform_admin(client, login, province):
    create_user("root2", roles=["admin"], is_platform_admin=True)
    second = _user_named("root2")
    response = client.patch(
        f"/api/v1/admin/users/{second.id}", json={"full_name": "Quản trị 2"}, headers=login("root")
    )
    assert response.status_code == 200
    assert _user_named("root2").full_name == "Quản trị 2"


def test_a_platform_admin_demoting_himself_is_refused_when_he_is_the_last(client, login, province):
    root = _user_named("root")
    response = client.patch(
        f"/api/v1/admin/users/{root.id}", json={"is_platform_admin": False}, headers=login("root")
    )
    assert response.status_code == 409
    assert "last active platform admin" in response.get_json()["error"]["message"]
    assert _user_named("root").is_platform_admin


def test_a_platform_admin_can_be_demoted_while_another_remains_and_it_is_audited(client, login, province):
    create_user("root2", roles=["admin"], is_platform_admin=True)
    root = _user_named("root")
    headers = login("root2")
    demoted = client.patch(
        f"/api/v1/admin/users/{root.id}", json={"is_platform_admin": False}, headers=headers
    )
    assert demoted.status_code == 200 and demoted.get_json()["is_platform_admin"] is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.platform_admin_changed"))
    assert (event.actor_username, event.target_id, event.details) == ("root2", str(root.id), {"to": False})
    # root2 is now the last one: demoting or deactivating himself is refused.
    root2 = _user_named("root2")
    for changes in ({"is_platform_admin": False}, {"is_active": False}):
        assert (
            client.patch(f"/api/v1/admin/users/{root2.id}", json=changes, headers=headers).status_code == 409
        )


def test_user_list_is_scoped_to_the_admins_agency_and_paginated(client, login, province):
    response = client.get("/api/v1/admin/users?page_size=2", headers=login("admin.ubnd"))
    assert response.status_code == 200
    assert {u["agency_id"] for u in response.get_json()} == {"000.00.00.H49"}
    assert len(response.get_json()) == 2
    assert '"total": 3' in response.headers["X-Pagination"]
    assert (
        client.get(f"/api/v1/admin/users?agency_id={OTHER_AGENCY}", headers=login("admin.ubnd")).status_code
        == 403
    )


def test_only_the_platform_admin_creates_agencies(client, login, province):
    body = {
        "id": "000.00.02.H49",
        "name": "Sở Tài chính tỉnh Quảng Nam",
        "abbreviation": "STC",
        "parent_id": "000.00.00.H49",
    }
    assert client.post("/api/v1/admin/agencies", json=body, headers=login("admin.ubnd")).status_code == 403
    response = client.post("/api/v1/admin/agencies", json=body, headers=login("root"))
    assert response.status_code == 201
    assert db.session.get(Agency, "000.00.02.H49").name == "Sở Tài chính tỉnh Quảng Nam"
    assert client.post("/api/v1/admin/agencies", json=body, headers=login("root")).status_code == 409


@pytest.mark.parametrize(
    "bad_id", ["000.00.00.h49", "00.00.00.H49", "000.00.00.H4", "000-00-00-H49", "000.0A.00.H49"]
)
def test_agency_identifier_shape_is_validated(client, login, province, bad_id):
    response = client.post("/api/v1/admin/agencies", json={"id": bad_id, "name": "X"}, headers=login("root"))
    assert response.status_code == 422
    assert "id" in response.get_json()["error"]["details"]["json"]


def test_agency_admin_manages_units_of_their_own_agency_only(client, login, province):
    headers = login("admin.ubnd")
    created = client.post(
        "/api/v1/admin/agencies/000.00.00.H49/units",
        json={"name": "Phòng Kinh tế", "abbreviation": "KT"},
        headers=headers,
    )
    assert created.status_code == 201
    assert (
        client.post(
            "/api/v1/admin/agencies/000.00.00.H49/units", json={"name": "Phòng Kinh tế"}, headers=headers
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/api/v1/admin/agencies/{OTHER_AGENCY}/units", json={"name": "Phòng X"}, headers=headers
        ).status_code
        == 403
    )
    renamed = client.patch(
        f"/api/v1/admin/units/{created.get_json()['id']}",
        json={"name": "Phòng Kinh tế - Ngân sách"},
        headers=headers,
    )
    assert renamed.get_json()["name"] == "Phòng Kinh tế - Ngân sách"
    names = [
        u["name"]
        for u in client.get("/api/v1/admin/agencies/000.00.00.H49/units", headers=headers).get_json()
    ]
    assert names == ["Văn phòng", "Phòng Kinh tế - Ngân sách"]


def test_audit_log_is_readable_by_admins_and_cannot_be_changed_through_the_api(client, login, province):
    headers = login("admin.ubnd")
    response = client.get("/api/v1/admin/audit-events?event=auth.login_succeeded", headers=headers)
    assert response.status_code == 200
    assert {e["agency_id"] for e in response.get_json()} == {"000.00.00.H49"}
    assert any(e["actor_username"] == "admin.ubnd" for e in response.get_json())
    assert client.get("/api/v1/admin/audit-events", headers=login("clerk.ubnd")).status_code == 403
    event_id = response.get_json()[0]["id"]
    for method in (client.put, client.patch, client.delete):
        assert method(f"/api/v1/admin/audit-events/{event_id}", headers=headers).status_code in (404, 405)
    assert client.delete("/api/v1/admin/audit-events", headers=headers).status_code == 405
