"""Connected systems: registration by the admin, secrets kept only as hashes, short-lived tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import sqlalchemy as sa
from jose import jwt

from national_axis.auth import AUDIENCE, ISSUER
from national_axis.models import Agency, System
from tests.fixtures.axis import unique_organ_id
from tests.fixtures.edxml import make_identity
from tests.national_axis.conftest import ADMIN_TOKEN


def _rows(app, model):
    engine = app.extensions["national_axis"]["engine"]
    with engine.connect() as connection:
        return list(connection.execute(sa.select(model)))


def test_registration_answers_a_secret_and_keeps_only_its_hash(axis_app, axis_api, identities):
    top, unit = unique_organ_id(), unique_organ_id()
    reply = axis_api.register_raw(
        {
            "name": "VPĐT tỉnh Mẫu",
            "agencies": [
                {"id": top, "name": "UBND tỉnh Mẫu"},
                {"id": unit, "name": "Sở Nội vụ", "parent": top},
            ],
            "certificate": identities[0].certificate_pem,
        }
    )
    assert reply.status == 201
    system_id, secret = reply.json["system_id"], reply.json["secret"]
    (system,) = _rows(axis_app, System)
    assert system.id == system_id
    assert system.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(tuple(system))
    assert system.certificate_pem == identities[0].certificate_pem
    agencies = {row.id: row for row in _rows(axis_app, Agency)}
    assert agencies[unit].parent_id == top and agencies[unit].system_id == system_id
    assert agencies[top].parent_id is None


def test_registration_needs_the_admin_token(axis_app, axis_api, identities):
    payload = {"name": "X", "agencies": [{"id": unique_organ_id(), "name": "X"}], "certificate": "x"}
    assert axis_api.register_raw(payload, token="wrong-token").status == 401
    missing = axis_api.transport("POST", "/api/v1/admin/systems", json=payload)
    assert missing.status == 401
    assert missing.json["error"]["code"] == "unauthorized"
    assert _rows(axis_app, System) == []


def test_an_agency_already_spoken_for_is_refused_with_409(axis_app, axis_api, identities):
    shared = unique_organ_id()
    axis_api.register_system("A", [(shared, "Cơ quan chung")], identities[0].certificate_pem)
    reply = axis_api.register_raw(
        {
            "name": "B",
            "agencies": [{"id": unique_organ_id(), "name": "Mới"}, {"id": shared, "name": "Cơ quan chung"}],
            "certificate": identities[1].certificate_pem,
        }
    )
    assert reply.status == 409
    assert shared in reply.json["error"]["message"]
    assert len(_rows(axis_app, System)) == 1
    assert len(_rows(axis_app, Agency)) == 1


def test_registration_names_every_bad_field(axis_app, axis_api):
    reply = axis_api.register_raw(
        {
            "name": "",
            "agencies": [{"id": "00.00.00.H97", "name": "Sai mã"}, {"id": unique_organ_id(), "name": ""}],
            "certificate": "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n",
        }
    )
    assert reply.status == 422
    fields = {item["field"] for item in reply.problems}
    assert fields == {"name", "agencies[0].id", "agencies[1].name", "certificate"}
    assert _rows(axis_app, System) == []


def test_token_for_the_right_secret_only(axis_api, party_a):
    good = axis_api.token(party_a.system.system_id, party_a.system.secret)
    assert good.status == 200
    assert good.json["token_type"] == "Bearer" and 0 < good.json["expires_in"] <= 300
    claims = jwt.get_unverified_claims(good.json["access_token"])
    assert claims["sub"] == party_a.system.system_id
    wrong = axis_api.token(party_a.system.system_id, party_a.system.secret + "x")
    unknown = axis_api.token("no-such-system", party_a.system.secret)
    assert wrong.status == unknown.status == 401
    assert wrong.json["error"]["message"] == unknown.json["error"]["message"]
    assert axis_api.transport("POST", "/api/v1/token", json=["not", "an", "object"]).status == 400


def _b64url(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _call_with(axis_api, token: str):
    return axis_api.transport("GET", "/api/v1/agencies", headers={"Authorization": f"Bearer {token}"})


def test_expired_forged_and_unsigned_tokens_are_refused(axis_app, axis_api, party_a):
    key = axis_app.extensions["national_axis"]["token_key"]
    now = int(time.time())
    base = {"sub": party_a.system.system_id, "iss": ISSUER, "aud": AUDIENCE, "iat": now - 600}
    expired = jwt.encode({**base, "exp": now - 1}, key, algorithm="HS256")
    forged = jwt.encode({**base, "exp": now + 300}, "another-key-" + "x" * 40, algorithm="HS256")
    unsigned = ".".join([_b64url({"alg": "none", "typ": "JWT"}), _b64url({**base, "exp": now + 300}), ""])
    for token in (expired, forged, unsigned, "not-a-token"):
        reply = _call_with(axis_api, token)
        assert reply.status == 401, token
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    valid = jwt.encode({**base, "exp": now + 300}, key, algorithm="HS256")
    assert _call_with(axis_api, valid).status == 200
    assert axis_api.transport("GET", "/api/v1/agencies").status == 401


def test_agencies_lists_every_connected_agency_with_its_system(axis_api, party_a, party_b):
    reply = party_a.session.agencies()
    assert reply.status == 200
    listed = {item["id"]: item for item in reply.json["agencies"]}
    assert set(listed) == set(party_a.agencies) | set(party_b.agencies)
    department = listed[party_b.agencies[1]]
    assert department == {
        "id": party_b.agencies[1],
        "name": "Sở Nội vụ tỉnh Mẫu B",
        "parent": party_b.agency,
        "system_id": party_b.system.system_id,
    }


def test_admin_calls_are_disabled_without_an_admin_token(axis_database_url, identities):
    from national_axis import create_app
    from national_axis.config import Settings

    app = create_app(Settings(database_url=axis_database_url, secret_key="k" * 32))
    try:
        reply = app.test_client().post(
            "/api/v1/admin/systems",
            json={"name": "X", "agencies": [], "certificate": identities[0].certificate_pem},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert reply.status_code == 403
        assert "AXIS_ADMIN_TOKEN" in reply.get_json()["error"]["message"]
    finally:
        app.extensions["national_axis"]["engine"].dispose()


def test_unknown_paths_and_methods_answer_the_json_error_shape(axis_api):
    missing = axis_api.transport("GET", "/api/v1/nothing-here")
    assert missing.status == 404
    assert set(missing.json["error"]) == {"code", "message", "details"}
    wrong_method = axis_api.transport("DELETE", "/api/v1/token")
    assert wrong_method.status == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"


def test_a_certificate_with_a_1024_bit_rsa_key_is_not_registered(axis_app, axis_api):
    weak = make_identity("Khóa yếu", key_size=1024)
    reply = axis_api.register_raw(
        {
            "name": "X",
            "agencies": [{"id": unique_organ_id(), "name": "X"}],
            "certificate": weak.certificate_pem,
        }
    )
    assert reply.status == 422
    assert [(p["field"], p["problem"]) for p in reply.problems] == [
        ("certificate", "its RSA key has 1024 bits, fewer than 2048")
    ]
    assert _rows(axis_app, System) == []


def test_an_agency_id_in_lookalike_fullwidth_digits_is_not_registered(axis_app, axis_api, identities):
    lookalike = "0" + unique_organ_id()[1:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    reply = axis_api.register_raw(
        {
            "name": "X",
            "agencies": [{"id": lookalike, "name": "X"}],
            "certificate": identities[0].certificate_pem,
        }
    )
    assert reply.status == 422
    assert [p["field"] for p in reply.problems] == ["agencies[0].id"]
    assert _rows(axis_app, System) == []
