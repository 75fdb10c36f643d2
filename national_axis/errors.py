"""The one JSON error shape of the axis: {"error": {"code", "message", "details"}}, as e-office answers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
    503: "unavailable",
}


class AxisError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


class Problems(AxisError):
    """422 listing every problem found, each {"field", "problem"}."""

    def __init__(self, problems: list[dict[str, str]], message: str = "the request was refused"):
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(422, "validation_error", f"{message}: {summary}{more}", problems)


def problem(field: str, text: str) -> dict[str, str]:
    return {"field": field, "problem": text}


def error_response(status: int, code: str, message: str, details: Any = None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AxisError)
    def _axis_error(error: AxisError):
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        headers = {}
        if status == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        message = error.description or error.name
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the body is larger than the axis accepts ({limit} bytes, AXIS_MAX_PACKAGE_BYTES)"
        return error_response(status, ERROR_CODES.get(status, "error"), message, None, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.error("unhandled error", exc_info=error)
        return error_response(500, "internal_error", "internal error")
