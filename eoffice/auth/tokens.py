"""Access tokens (JWT, HS256 only, keys chosen by kid) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from jose import jwt
from jose.exceptions import JOSEError

from eoffice.db import utcnow
from eoffice.runtime import settings

# The only algorithm accepted: a token naming any other (`none`, RS256, …) is refused.
ALLOWED_ALGORITHMS = ["HS256"]


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str


def issue_access_token(user_id: int, session_id: str) -> tuple[str, int]:
    config = settings()
    kid, key = next(iter(config.jwt_keys.items()))
    now = utcnow()
    claims = {
        "iss": config.jwt_issuer,
        "aud": config.jwt_audience,
        "sub": str(user_id),
        "sid": session_id,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=config.access_token_ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    token = jwt.encode(claims, key, algorithm=ALLOWED_ALGORITHMS[0], headers={"kid": kid})
    return token, config.access_token_ttl


def decode_access_token(token: str) -> AccessClaims:
    """The user and session the token was issued to; InvalidToken for anything not exactly right."""
    config = settings()
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise InvalidToken("token algorithm not allowed")
    kid = header.get("kid")
    # Only a string names a key: a list or an object in the header is not a key id (nor hashable).
    key = config.jwt_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidToken("unknown signing key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=ALLOWED_ALGORITHMS,
            audience=config.jwt_audience,
            issuer=config.jwt_issuer,
            # python-jose checks `aud` only when the token has one: a token without it must not pass.
            options={
                "require_aud": True,
                "require_iss": True,
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
            },
        )
    except JOSEError as exc:
        raise InvalidToken(str(exc) or "invalid token") from exc
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("malformed subject") from exc
    session_id = claims.get("sid")
    if not isinstance(session_id, str) or not session_id:
        raise InvalidToken("no session")
    return AccessClaims(user_id, session_id)


def new_refresh_secret() -> tuple[str, str]:
    """(token handed to the client, hash kept in the database)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_secret(token)


def hash_refresh_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
