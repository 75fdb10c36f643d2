"""Who is calling: the admin by its token, a connected system by a short-lived HS256 access token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, request
from jose import JWTError, jwt

from national_axis.database import session
from national_axis.errors import AxisError
from national_axis.models import Agency, System

ALGORITHM = "HS256"
ISSUER = "national-axis-mock"
AUDIENCE = "national-axis"


@dataclass(frozen=True)
class Caller:
    system_id: str
    organ_ids: frozenset[str]


def new_secret() -> tuple[str, str]:
    """(secret, its sha256): the secret is 256 random bits, so a fast hash is as safe as a slow one."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(system_id: str, secret: str) -> dict:
    system = session().get(System, system_id) if isinstance(system_id, str) else None
    # Compare even for an unknown system, so both failures take the same time.
    expected = system.secret_sha256 if system is not None else hash_secret(secrets.token_urlsafe(32))
    given = hash_secret(secret) if isinstance(secret, str) else ""
    if system is None or not hmac.compare_digest(expected, given):
        raise AxisError(401, "invalid_credentials", "unknown system_id or wrong secret")
    settings = current_app.extensions["national_axis"]["settings"]
    now = int(time.time())
    ttl = settings.token_ttl_seconds
    claims = {"sub": system.id, "iat": now, "exp": now + ttl, "iss": ISSUER, "aud": AUDIENCE}
    token = jwt.encode(claims, _token_key(), algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl_seconds}


def _token_key() -> str:
    return current_app.extensions["national_axis"]["token_key"]


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AxisError(
            401, "unauthorized", "missing bearer token", headers={"WWW-Authenticate": 'Bearer realm="axis"'}
        )
    return token.strip()


def require_system(view: Callable) -> Callable:
    """Lets the call through with g.caller set, or answers 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = _bearer()
        try:
            claims = jwt.decode(token, _token_key(), algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER)
        except JWTError as exc:
            raise AxisError(
                401,
                "invalid_token",
                f"invalid or expired access token: {exc}",
                headers={"WWW-Authenticate": 'Bearer realm="axis", error="invalid_token"'},
            ) from None
        system_id = claims.get("sub")
        if not isinstance(system_id, str) or session().get(System, system_id) is None:
            raise AxisError(401, "invalid_token", "the token names no connected system")
        organ_ids = session().scalars(sa.select(Agency.id).where(Agency.system_id == system_id))
        g.caller = Caller(system_id=system_id, organ_ids=frozenset(organ_ids))
        return view(*args, **kwargs)

    return wrapped


def require_admin(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        configured = current_app.extensions["national_axis"]["settings"].admin_token
        if configured is None:
            raise AxisError(403, "admin_disabled", "admin calls are disabled: set AXIS_ADMIN_TOKEN")
        given = _bearer()
        if not hmac.compare_digest(given.encode("utf-8"), configured.encode("utf-8")):
            raise AxisError(401, "unauthorized", "wrong admin token")
        return view(*args, **kwargs)

    return wrapped
