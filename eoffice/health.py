"""Liveness and readiness probes for process supervisors and load balancers."""

from __future__ import annotations

import logging

import marshmallow as ma
import redis
from sqlalchemy import text

from eoffice.api_base import ApiSchema, Blueprint, ErrorSchema, error_response
from eoffice.errors import ErrorCode
from eoffice.extensions import db
from eoffice.runtime import settings, storage

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, description="Health probes")


class LivenessSchema(ApiSchema):
    status = ma.fields.String(required=True, metadata={"description": "Always `ok`"})


class ReadinessSchema(ApiSchema):
    status = ma.fields.String(required=True, metadata={"description": "Always `ready`"})
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "Each part checked (database, object_store, redis) and its state"},
    )


@blp.get("/healthz")
@blp.doc(security=[])
@blp.response(200, LivenessSchema)
def healthz():
    return {"status": "ok"}


def _check_database() -> None:
    db.session.execute(text("SELECT 1"))


def _check_redis(url: str, timeout: float) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


@blp.get("/readyz")
@blp.doc(security=[])
@blp.response(200, ReadinessSchema)
@blp.alt_response(
    503, schema=ErrorSchema, description="A part is unreachable: `details` holds each part's state"
)
def readyz():
    checks = {"database": _check_database, "object_store": storage().check}
    redis_url, redis_timeout = settings().redis_url, settings().redis_timeout
    if redis_url:
        checks["redis"] = lambda: _check_redis(redis_url, redis_timeout)
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - whatever the failure, the part is not ready
            log.warning("readiness check %s failed: %s", name, exc)
            results[name] = f"unavailable: {type(exc).__name__}"
            if name == "database":
                db.session.rollback()
    failing = [name for name, result in results.items() if result != "ok"]
    if failing:
        return error_response(
            503, ErrorCode.NOT_READY, f"not ready: {', '.join(failing)} unreachable", results
        )
    return {"status": "ready", "checks": results}
