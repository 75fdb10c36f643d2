"""The axis's HTTP calls (docs/axis-protocol.md, "Transport"): thin routes over operations."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from national_axis import operations
from national_axis.auth import issue_token, require_admin, require_system
from national_axis.errors import AxisError, Problems, problem

bp = Blueprint("axis", __name__, url_prefix="/api/v1")


def _json_body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise AxisError(400, "bad_request", "a JSON object body is required")
    return payload


def _xml_body(field: str) -> bytes:
    body = request.get_data(cache=False)
    if not body:
        raise Problems([problem(field, "the body is empty: one XML document is expected")])
    return body


def _limit(default: int = 100, maximum: int = 1000) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Problems([problem("limit", f"must be a whole number from 1 to {maximum}")])
    return int(raw)


@bp.post("/admin/systems")
@require_admin
def register_system():
    system, secret = operations.register_system(request.get_json(silent=True))
    return jsonify({"system_id": system.id, "secret": secret}), 201


@bp.post("/token")
def token():
    payload = _json_body()
    return jsonify(issue_token(payload.get("system_id"), payload.get("secret")))


@bp.get("/agencies")
@require_system
def agencies():
    return jsonify(
        {
            "agencies": [
                {"id": row.id, "name": row.name, "parent": row.parent_id, "system_id": row.system_id}
                for row in operations.list_agencies()
            ]
        }
    )


@bp.post("/edocs")
@require_system
def send_edoc():
    message = operations.accept_package(g.caller, _xml_body("package"))
    return jsonify({"message_id": message.id, "document_id": message.document_id}), 202


@bp.post("/statuses")
@require_system
def send_status():
    message = operations.accept_status(g.caller, _xml_body("status"))
    return jsonify({"message_id": message.id}), 202


@bp.get("/messages/pending")
@require_system
def pending_messages():
    rows = operations.pending(g.caller, _limit())
    return jsonify(
        {
            "messages": [
                {
                    "message_id": row.id,
                    "type": row.kind,
                    "from": row.from_organ_id,
                    "to": row.organ_id,
                    "received_at": row.received_at.isoformat(),
                }
                for row in rows
            ]
        }
    )


@bp.get("/messages/<message_id>")
@require_system
def get_message(message_id: str):
    _, body = operations.message_body(g.caller, message_id)
    return Response(body, mimetype="application/xml")


@bp.post("/messages/<message_id>/ack")
@require_system
def ack_message(message_id: str):
    payload = request.get_json(silent=True) if request.content_length else None
    organ_id = payload.get("to") if isinstance(payload, dict) else None
    if organ_id is not None and not isinstance(organ_id, str):
        raise Problems([problem("to", "must be the OrganId of one addressee")])
    operations.ack(g.caller, message_id, organ_id)
    return jsonify({"message_id": message_id, "acked": True})


@bp.get("/edocs/sent")
@require_system
def sent_edocs():
    raw_cursor = request.args.get("cursor")
    if raw_cursor is not None and not raw_cursor.isdigit():
        raise Problems([problem("cursor", "not a cursor this axis gave out")])
    edocs, next_cursor = operations.sent(g.caller, _limit(), int(raw_cursor) if raw_cursor else None)
    return jsonify({"edocs": edocs, "next_cursor": str(next_cursor) if next_cursor is not None else None})
