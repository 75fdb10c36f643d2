"""Login, refresh with rotation, logout, throttling and /me over the HTTP API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jose import jwt
from sqlalchemy import func, select

from eoffice.audit.models import AuditEvent
from eoffice.auth import throttle
from eoffice.auth.models import AuthSession, LoginFailure, RefreshToken
from eoffice.db import utcnow
from eoffice.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import create_user


@pytest.fixture
def clerk(agency):
    return create_user("vanthu", roles=["clerk"], full_name="Nguyễn Thị Hoa", unit_id=agency.units[0].id)


def _login(client, username="vanthu", password=TEST_PASSWORD, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _events(name):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)).all()


def test_login_returns_a_token_pair_that_opens_me(client, clerk, agency):
    response = _login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    expected = {
        "id": clerk.id,
        "username": "vanthu",
        "full_name": "Nguyễn Thị Hoa",
        "roles": ["clerk"],
        "agency_id": "000.00.00.H49",
        "unit_id": agency.units[0].id,
        "agency_name": "Ủy ban nhân dân tỉnh Quảng Nam",
    }
    assert {key: me.get_json()[key] for key in expected} == expected
    assert [e.actor_id for e in _events("auth.login_succeeded")] == [clerk.id]


def test_username_is_case_insensitive(client, clerk):
    assert _login(client, username="VanThu").status_code == 200


@pytest.mark.parametrize("username, password", [("vanthu", "wrong password"), ("nobody", TEST_PASSWORD)])
def test_wrong_credentials_are_refused_alike_and_audited(client, clerk, username, password):
    response = _login(client, username=username, password=password)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    failures = _events("auth.login_failed")
    assert [(e.actor_username, e.address) for e in failures] == [(username, "10.0.0.1")]


def test_disabled_account_cannot_log_in(client, clerk):
    clerk.is_active = False
    db.session.commit()
    assert _login(client).status_code == 401


def test_me_requires_a_bearer_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_refresh_rotates_and_the_old_refresh_token_stops_working(client, clerk):
    first = _login(client).get_json()
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code
        == 200
    )
    assert len(_events("auth.token_refreshed")) == 1

    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.get_json()["error"]["code"] == "invalid_token"


def test_reusing_a_rotated_refresh_token_ends_the_whole_session(client, clerk):
    first = _login(client).get_json()
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).get_json()
    other_session = _login(client).get_json()

    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).status_code == 401
    )
    # The thief's replay also revoked the legitimate successor…
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code
        == 401
    )
    # …but not a separate login of the same user.
    assert (
        client.post(
            "/api/v1/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
        ).status_code
        == 200
    )
    # Both replays of revoked tokens are recorded.
    assert len(_events("auth.refresh_reused")) == 2


def test_expired_refresh_token_is_refused(client, clerk):
    pair = _login(client).get_json()
    for row in db.session.scalars(select(RefreshToken)):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    )


def test_unknown_refresh_token_is_refused(client, clerk):
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})
    assert response.status_code == 401


def test_logout_revokes_the_refresh_token(client, clerk):
    pair = _login(client).get_json()
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code == 204
    )
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    )
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    )
    assert db.session.scalar(select(func.count()).where(RefreshToken.revoked_at.is_(None))) == 0
    assert len(_events("auth.logout")) == 1


def _me_status(client, pair) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code


def test_logout_refuses_the_access_token_of_that_session_at_once(client, clerk):
    ended = _login(client).get_json()
    other = _login(client).get_json()
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": ended["refresh_token"]}).status_code == 204
    )

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {ended['access_token']}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert _me_status(client, other) == 200


def test_reuse_of_a_refresh_token_refuses_every_access_token_of_the_session(client, clerk):
    first = _login(client).get_json()
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).get_json()
    assert _me_status(client, second) == 200

    client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert _me_status(client, first) == 401
    assert _me_status(client, second) == 401


def test_access_tokens_name_their_session(client, clerk):
    pair = _login(client).get_json()
    session = db.session.scalar(select(AuthSession))
    assert jwt.get_unverified_claims(pair["access_token"])["sid"] == session.id
    assert session.user_id == clerk.id and session.revoked_at is None


def _failed(username: str, address: str, times: int) -> None:
    """Failed logins just now, through the throttle's own bookkeeping (no argon2 per failure)."""
    for _ in range(times):
        throttle.record_failure(username, address)
    db.session.commit()


def _age_failures(seconds: int) -> None:
    for row in db.session.scalars(select(LoginFailure)):
        row.failed_at -= timedelta(seconds=seconds)
    db.session.commit()


def _retry_after(response) -> int:
    assert response.status_code == 429, response.get_json()
    assert response.get_json()["error"]["code"] == "too_many_requests"
    return int(response.headers["Retry-After"])


class TestThrottling:
    def test_failures_of_an_account_from_an_address_delay_it_progressively_up_to_a_minute(
        self, client, clerk
    ):
        for _ in range(5):
            assert _login(client, password="wrong").status_code == 401
        _failed("vanthu", "10.0.0.1", 3)  # 8 failures: 8 seconds
        assert 0 < _retry_after(_login(client)) <= 8
        _failed("vanthu", "10.0.0.1", 20)  # far more: the cap, not a lock-out of 15 minutes
        assert 8 < _retry_after(_login(client)) <= 60
        _age_failures(61)
        assert _login(client).status_code == 200

    def test_failures_from_other_addresses_never_keep_the_owner_out_of_his_address(self, client, clerk):
        assert _login(client, address="10.0.0.1").status_code == 200
        for index in range(30):
            _failed("vanthu", f"198.51.100.{index}", 2)
        assert _login(client, address="10.0.0.1").status_code == 200
        # From an address he never used (a new laptop), his first attempt is not held back by the attack:
        # the account-wide count slows only the addresses that failed on this account themselves.
        assert _login(client, address="10.9.9.9").status_code == 200
        assert _login(client, address="10.9.9.10", password="wrong").status_code == 401
        assert 0 < _retry_after(_login(client, address="10.9.9.10")) <= 60

    def test_many_failed_usernames_from_a_shared_address_do_not_lock_out_its_users(self, client, clerk):
        assert _login(client, address="203.0.113.7").status_code == 200
        newcomer = create_user("chuyenvien", roles=["specialist"])
        for index in range(40):
            _failed(f"guess{index}", "203.0.113.7", 1)
        assert _login(client, address="203.0.113.7").status_code == 200
        # Unknown usernames, and an account never used from there, are slowed (a minute at most).
        assert 0 < _retry_after(_login(client, username="guess99", address="203.0.113.7")) <= 60
        assert 0 < _retry_after(_login(client, username=newcomer.username, address="203.0.113.7")) <= 60
        assert _login(client, username=newcomer.username, address="203.0.113.8").status_code == 200

    def test_throttling_ends_when_the_failures_leave_the_window(self, client, clerk):
        _failed("vanthu", "10.0.0.1", 12)
        assert _login(client).status_code == 429
        _age_failures(901)
        assert _login(client).status_code == 200
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0

    def test_success_clears_earlier_failures_of_the_account_from_that_address(self, client, clerk):
        for _ in range(4):
            _login(client, password="wrong")
        assert _login(client).status_code == 200
        for _ in range(4):
            assert _login(client, password="wrong").status_code == 401
        assert _login(client).status_code == 200

    def test_throttled_attempts_are_not_checked_nor_counted(self, client, clerk):
        _failed("vanthu", "10.0.0.1", 12)
        before = db.session.scalar(select(func.count()).select_from(LoginFailure))
        assert _login(client, password="wrong").status_code == 429
        assert _login(client).status_code == 429
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == before


class TestBehindAProxy:
    @pytest.fixture
    def app_env(self):
        return {"EOFFICE_PROXY_COUNT": "1"}

    def test_the_address_the_proxy_forwards_is_the_one_throttled(self, client, clerk):
        def through_proxy(client_address, password="wrong"):
            return client.post(
                "/api/v1/auth/login",
                json={"username": "vanthu", "password": password},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
                headers={"X-Forwarded-For": f"10.66.0.1, {client_address}"},
            )

        assert through_proxy("10.0.0.1", TEST_PASSWORD).status_code == 200
        assert through_proxy("198.51.100.4").status_code == 401
        assert [f.address for f in db.session.scalars(select(LoginFailure))] == ["198.51.100.4"]
        _failed("vanthu", "198.51.100.4", 30)
        assert through_proxy("198.51.100.4", TEST_PASSWORD).status_code == 429
        assert through_proxy("10.0.0.1", TEST_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [({}, "username"), ({"username": "vanthu"}, "password"), ({"username": 5, "password": "x"}, "username")],
)
def test_malformed_login_names_the_field(client, body, field):
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["message"]
    assert field in error["details"]["json"]
