"""Token endpoints: log in, refresh (with rotation), log out, and who am I."""

from __future__ import annotations

from eoffice.accounts.schemas import MeSchema
from eoffice.api_base import ApiError, Blueprint
from eoffice.auth import operations
from eoffice.auth.schemas import LoginSchema, RefreshTokenSchema, TokenPairSchema
from eoffice.auth.session import client_address, current_user, login_required
from eoffice.devices.operations import device_from_headers
from eoffice.devices.schemas import DEVICE_PARAMETERS
from eoffice.extensions import db

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Log in and tokens")


def _commit_then_raise(error: ApiError):
    # Failed attempts and revocations must persist even though the request fails.
    db.session.commit()
    raise error


@blp.post("/auth/login")
@blp.doc(security=[], parameters=DEVICE_PARAMETERS)
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, description="Wrong username or password; `device_revoked` from a revoked device")
@blp.alt_response(429, description="Throttled after repeated failures; see Retry-After")
def login(body):
    try:
        pair = operations.log_in(body["username"], body["password"], client_address(), device_from_headers())
    except operations.LoginFailed as error:
        _commit_then_raise(error)
    db.session.commit()
    return pair


@blp.post("/auth/refresh")
@blp.doc(security=[], parameters=DEVICE_PARAMETERS)
@blp.arguments(RefreshTokenSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(
    401,
    description="Refresh token invalid, expired, revoked or reused; `device_revoked` from a revoked device",
)
def refresh(body):
    try:
        pair = operations.refresh_tokens(body["refresh_token"], client_address(), device_from_headers())
    except ApiError as error:
        _commit_then_raise(error)
    db.session.commit()
    return pair


@blp.post("/auth/logout")
@blp.doc(security=[])
@blp.arguments(RefreshTokenSchema)
@blp.response(204)
@blp.alt_response(401, description="Refresh token invalid or already revoked")
def logout(body):
    operations.log_out(body["refresh_token"], client_address())
    db.session.commit()


@blp.get("/me")
@blp.response(200, MeSchema)
@login_required
def me():
    return current_user()
