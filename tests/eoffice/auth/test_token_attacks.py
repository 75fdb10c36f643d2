"""Every forged, altered or stale access token is refused with 401."""

from __future__ import annotations

import base64
import json
import time

import pytest
from jose import jwt

from eoffice.auth.models import AuthSession
from eoffice.extensions import db
from eoffice.runtime import settings
from tests.factories import create_user

# The live session the forged tokens name (tokens naming another are the subject of their own tests).
SESSION_ID = "a" * 32


@pytest.fixture
def user(agency):
    user = create_user("chuyenvien", roles=["specialist"])
    db.session.add(AuthSession(id=SESSION_ID, user_id=user.id))
    db.session.commit()
    return user


def _claims(user_id: int, **changes) -> dict:
    now = int(time.time())
    config = settings()
    claims = {
        "iss": config.jwt_issuer,
        "aud": config.jwt_audience,
        "sub": str(user_id),
        "sid": SESSION_ID,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "x",
        "typ": "access",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict, key: str | None = None, kid: str = "test-1", algorithm: str = "HS256") -> str:
    key = key if key is not None else settings().jwt_keys["test-1"]
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _me(client, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_correct_token_is_accepted(client, user):
    assert _me(client, _sign(_claims(user.id))).status_code == 200


def test_alg_none_is_refused(client, user):
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'test-1'})}.{_b64(_claims(user.id))}."
    response = _me(client, token)
    assert response.status_code == 401
    assert "not allowed" in response.get_json()["error"]["message"]


def test_alg_none_with_uppercase_spelling_is_refused(client, user):
    token = f"{_b64({'alg': 'None', 'kid': 'test-1'})}.{_b64(_claims(user.id))}."
    assert _me(client, token).status_code == 401


def test_a_token_signed_with_another_algorithm_is_refused(client, user):
    token = _sign(_claims(user.id), algorithm="HS512")
    assert _me(client, token).status_code == 401


def test_a_token_signed_with_a_wrong_key_is_refused(client, user):
    assert _me(client, _sign(_claims(user.id), key="z" * 48)).status_code == 401


def test_a_token_naming_an_unknown_kid_is_refused(client, user):
    assert _me(client, _sign(_claims(user.id), kid="other")).status_code == 401


def test_a_tampered_payload_is_refused(client, user, agency):
    other = create_user("lanhdao", roles=["leader"])
    header, _, signature = _sign(_claims(user.id)).split(".")
    forged = f"{header}.{_b64(_claims(other.id))}.{signature}"
    assert _me(client, forged).status_code == 401


def test_a_wrong_audience_is_refused(client, user):
    assert _me(client, _sign(_claims(user.id, aud="national-axis"))).status_code == 401


def test_a_wrong_issuer_is_refused(client, user):
    assert _me(client, _sign(_claims(user.id, iss="someone-else"))).status_code == 401


def test_an_expired_token_is_refused(client, user):
    past = int(time.time()) - 600
    response = _me(client, _sign(_claims(user.id, iat=past, nbf=past, exp=past + 300)))
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]["message"].lower()


@pytest.mark.parametrize("claim", ["exp", "aud", "iss", "sid"])
def test_a_token_without_a_required_claim_is_refused(client, user, claim):
    response = _me(client, _sign(_claims(user.id, **{claim: None})))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("kid", [7, ["test-1"], {"id": "test-1"}, None])
def test_a_token_whose_kid_is_not_a_string_is_refused(client, user, kid):
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": kid})
    _, payload, signature = _sign(_claims(user.id)).split(".")
    response = _me(client, f"{header}.{payload}.{signature}")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_refresh_token_cannot_be_used_as_an_access_token(client, user):
    pair = client.post(
        "/api/v1/auth/login", json={"username": "chuyenvien", "password": "Mật-khẩu-2026"}
    ).get_json()
    assert _me(client, pair["refresh_token"]).status_code == 401
    assert _me(client, _sign(_claims(user.id, typ="refresh"))).status_code == 401


def test_garbage_is_refused(client, user):
    assert _me(client, "not.a.token").status_code == 401
    assert _me(client, "").status_code == 401


def test_rotated_keys_keep_verifying_old_tokens(tmp_path, database_url, user):
    """A token signed by the previous key stays valid while that key is still listed."""
    from eoffice import create_app
    from tests.conftest import make_settings

    old_token = _sign(_claims(user.id))
    rotated = create_app(
        make_settings(
            tmp_path / "rotated",
            EOFFICE_DATABASE_URL=database_url,
            EOFFICE_JWT_KEYS="test-2:" + "n" * 48 + ",test-1:" + "k" * 48,
        )
    )
    client = rotated.test_client()
    with rotated.app_context():
        assert _me(client, old_token).status_code == 200
        new = client.post("/api/v1/auth/login", json={"username": "chuyenvien", "password": "Mật-khẩu-2026"})
        assert jwt.get_unverified_header(new.get_json()["access_token"])["kid"] == "test-2"
        db.session.remove()
        db.engine.dispose()


def test_a_token_of_a_disabled_user_is_refused(client, user):
    token = _sign(_claims(user.id))
    user.is_active = False
    db.session.commit()
    assert _me(client, token).status_code == 401


def test_a_token_naming_a_session_of_another_user_is_refused(client, user):
    other = create_user("lanhdao", roles=["leader"])
    assert _me(client, _sign(_claims(other.id))).status_code == 401


@pytest.mark.parametrize("sid", ["b" * 32, 5, ["a" * 32]])
def test_a_token_naming_no_live_session_is_refused(client, user, sid):
    response = _me(client, _sign(_claims(user.id, sid=sid)))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
