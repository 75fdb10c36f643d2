"""The API object and the one JSON error shape every endpoint answers with."""

from __future__ import annotations

import logging
from tempfile import SpooledTemporaryFile
from typing import IO, Any

import marshmallow as ma
from flask import Request, jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# An uploaded file up to this size stays in memory while the request lasts; a larger one is spooled
# to a temporary file from here on. Werkzeug's default (500 KB) wrote every scanned letter of a
# megabyte to disk and read it back: a millisecond of CPU per upload for nothing.
UPLOAD_MEMORY_SIZE = 2 * 1024 * 1024


class ApiRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return SpooledTemporaryFile(max_size=UPLOAD_MEMORY_SIZE, mode="rb+")


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the client can act on; rendered as {"error": {"code","message","details"}}."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def invalid(field: str, message: str, location: str = "json") -> ApiError:
    """422 naming the field, in the shape webargs gives to schema errors."""
    return ApiError(422, "validation_error", f"{field}: {message}", {location: {field: [message]}})


def error_response(status: int, code: str, message: str, details: Any = None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _describe_validation(messages: dict) -> str:
    """Flatten webargs' {location: {field: [msg]}} into 'field: msg; other: msg'."""
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            parts.append(f"{prefix}: {' '.join(value)}" if prefix else " ".join(value))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}[{index}]", inner)
        else:
            parts.append(f"{prefix}: {value}")

    for location_errors in messages.values():
        walk("", location_errors)
    return "; ".join(parts) or "invalid input"


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(metadata={"description": "What went wrong, naming the field"})
    details = ma.fields.Raw(allow_none=True)


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class JsonErrorApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        self._app.register_error_handler(HTTPException, self.handle_http_exception)
        self._app.register_error_handler(ApiError, self.handle_api_error)

    def handle_api_error(self, error: ApiError):
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        code = ERROR_CODES.get(status, "error")
        data = getattr(error, "data", None) or {}
        details = data.get("errors") or data.get("messages")
        if status >= 500:
            original = getattr(error, "original_exception", None)
            if original is not None:
                log.error("unhandled error", exc_info=original)
            message = "internal error" if status == 500 else error.description
        elif details and status in (400, 422):
            message = _describe_validation(details)
        else:
            message = data.get("message") or error.description or error.name
        headers = dict(data.get("headers") or {})
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return error_response(status, code, message, details, headers)
