"""The API object and the one JSON error shape every endpoint answers with."""

from __future__ import annotations

import datetime
import json
import logging
import threading
from tempfile import SpooledTemporaryFile
from typing import IO, Any

import flask_smorest
import marshmallow as ma
from flask import Flask, Request, jsonify, request
from flask_smorest import Api
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from webargs.core import missing
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter, UnicodeConverter

from eoffice.errors import ErrorCode, ReasonCode
from eoffice.storage.backend import StorageError

log = logging.getLogger(__name__)

# An uploaded file up to this size stays in memory while the request lasts; a larger one is spooled
# to a temporary file from here on. Werkzeug's default (500 KB) would write every scanned letter of a
# megabyte to disk and read it back, for nothing.
UPLOAD_MEMORY_SIZE = 2 * 1024 * 1024


# PostgreSQL's `integer`, the type of every id and count column: a larger number is refused as input
# instead of failing in the database ("out of range") or in SQLite's driver (OverflowError).
DB_INT_MAX = 2**31 - 1
# Dates a client may send: Python's date arithmetic (a day before or after, a time zone's offset)
# and the database's timestamps must still hold them.
EARLIEST_DATE = datetime.date(1000, 1, 1)
LATEST_DATE = datetime.date(9998, 12, 31)
# PostgreSQL text cannot hold NUL: a string with one failed inside the database.
NUL_MESSAGE = "must not contain NUL characters"


class ApiRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            # json.loads recurses once per level: a body nested thousands deep is bad input, not a crash.
            raise BadRequest("Failed to decode JSON object: nested too deeply") from None

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return SpooledTemporaryFile(max_size=UPLOAD_MEMORY_SIZE, mode="rb+")


ERROR_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    411: ErrorCode.LENGTH_REQUIRED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.TOO_MANY_REQUESTS,
    500: ErrorCode.INTERNAL_ERROR,
    503: ErrorCode.UNAVAILABLE,
}


class ApiError(Exception):
    """An error the client can act on; rendered as {"error": {"code","message","details"}}.

    The code is one of ErrorCode (a code outside it fails here, not in a client that has no message for it);
    the message is for logs and API users, the client shows its own message for the code.
    """

    def __init__(
        self,
        status: int,
        code: ErrorCode | str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = ErrorCode(code)
        self.message = message
        self.details = details
        self.headers = headers or {}


class _Exactly:
    """A Boolean field's truthy or falsy set holding one bool only: 1 == True, so {True} would take 1."""

    def __init__(self, value: bool):
        self.value = value

    def __contains__(self, item: object) -> bool:
        return item is self.value

    def __bool__(self) -> bool:
        return True


class ApiSchema(ma.Schema):
    """Every request schema: what the database and Python can hold is checked at the door.

    Integers within the database's `integer`, dates within EARLIEST_DATE..LATEST_DATE, no NUL in a
    string, booleans only true and false; each refusal is a 422 naming the field.
    """

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        _bound(field_obj)


def _refuse_nul(value: str) -> None:
    if "\x00" in value:
        raise ma.ValidationError(NUL_MESSAGE)


def _within_dates(value: datetime.date) -> None:
    # A datetime's own calendar day: converting it first could itself overflow.
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ma.ValidationError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")


def _bound(field: ma.fields.Field) -> None:
    if field.dump_only:
        return
    if isinstance(field, ma.fields.Integer):
        # A field that states its own upper bound (a Unix time, never stored) keeps it.
        if not any(isinstance(v, ma.validate.Range) and v.max is not None for v in field.validators):
            field.validators.append(ma.validate.Range(-DB_INT_MAX, DB_INT_MAX))
    elif isinstance(field, ma.fields.DateTime | ma.fields.Date):
        field.validators.append(_within_dates)
    elif isinstance(field, ma.fields.String):
        field.validators.append(_refuse_nul)
    elif isinstance(field, ma.fields.Boolean):
        field.truthy, field.falsy = _Exactly(True), _Exactly(False)
    elif isinstance(field, ma.fields.List):
        _bound(field.inner)
    elif isinstance(field, ma.fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                _bound(inner)


class ApiParser(FlaskParser):
    def load_json(self, req: Request, schema: ma.Schema) -> Any:
        data = super().load_json(req, schema)
        # A PATCH or PUT with no body changes nothing; it is a client's mistake, not a success.
        if data is missing and req.method in ("PATCH", "PUT"):
            raise ma.ValidationError("a JSON body is required")
        return data

    def _raw_load_json(self, req: Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # A non-empty doc: webargs takes an empty one for a missing body.
            raise json.JSONDecodeError("nested too deeply", "[", 0) from None


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint, parsing JSON bodies with ApiParser."""

    ARGUMENTS_PARSER = ApiParser()


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in a route: an id past the database's integer is no such resource (404)."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class NulFreeConverter(UnicodeConverter):
    """A string segment of a route, which never matches a NUL (404), as no key holds one."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def install_converters(app: Flask) -> None:
    app.url_map.converters.update(int=BoundedIntConverter, default=NulFreeConverter, string=NulFreeConverter)


def json_body() -> Any:
    """The request's JSON, {} for an empty body (an action with no arguments)."""
    if not request.get_data(cache=True):
        return {}
    return request.get_json()


def invalid(
    field: str,
    message: str,
    location: str = "json",
    *,
    code: ErrorCode = ErrorCode.VALIDATION_ERROR,
    reason: ReasonCode | None = None,
) -> ApiError:
    """422 naming the field; a Socket.IO event's payload is the location "json" too. `reason`: why, for
    the client to say in its reader's language (the message is English, for the API)."""
    reasons = {field: reason} if reason else None
    return invalid_fields({field: [message]}, location, code=code, reasons=reasons)


def invalid_fields(
    fields: dict[str, Any],
    location: str = "json",
    *,
    code: ErrorCode = ErrorCode.VALIDATION_ERROR,
    reasons: dict[str, ReasonCode] | None = None,
) -> ApiError:
    """422 naming every field: details {location: {field: [messages]}}, the shape webargs gives to a
    schema's errors, so that a client reads every 422 one way; with reasons, details["reasons"] gives a
    field's reason code."""
    details: dict[str, Any] = {location: fields}
    message = _describe_validation(details)
    if reasons:
        details["reasons"] = {field: str(reason) for field, reason in reasons.items()}
    return ApiError(422, code, message, details)


def load_input(schema: ma.Schema, data: Any, location: str = "json") -> dict[str, Any]:
    """`data` loaded by a request schema outside a route (a live room event's payload): refused as a
    route's input is, a 422 whose details are {location: {field: [messages]}}."""
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        raise invalid_fields(exc.normalized_messages(), location) from None


def error_response(status: int, code: ErrorCode, message: str, details: Any = None, headers=None):
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
    details = ma.fields.Raw(
        allow_none=True,
        metadata={
            "description": "For field errors {location: {field: [messages]}}, and for some fields "
            "reasons {field: reason code} (eoffice.errors.ReasonCode)"
        },
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class JsonErrorApi(Api):
    ERROR_SCHEMA = ErrorSchema

    # The OpenAPI document is written when it is first read, not at start-up: documenting the
    # blueprints costs ~0.1 s of CPU per application (each server worker, each test's application)
    # and only /api/v1/openapi.json and `flask openapi` read it. Routes are registered at once.
    def __init__(self, *args, **kwargs):
        self._undocumented: list[tuple[flask_smorest.Blueprint, str, Any]] = []
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    @property
    def spec(self):
        if self._undocumented:
            with self._documenting:
                while self._undocumented:
                    blp, name, parameters = self._undocumented.pop(0)
                    blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                    self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def _register_error_handlers(self):
        self._app.register_error_handler(HTTPException, self.handle_http_exception)
        self._app.register_error_handler(ApiError, self.handle_api_error)
        self._app.register_error_handler(StorageError, self.handle_storage_error)
        self._app.register_error_handler(DBAPIError, self.handle_database_error)

    def handle_storage_error(self, error: StorageError):
        # Wherever the store fails (a download streams from it, a listing asks it), the client may retry.
        log.warning("object store unavailable: %s", error)
        return error_response(
            503, ErrorCode.STORAGE_UNAVAILABLE, "the object store is unavailable; try again"
        )

    def handle_database_error(self, error: DBAPIError):
        from eoffice.extensions import db

        # Whatever the request wrote is rolled back with the failed transaction.
        db.session.rollback()
        if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
            log.warning("database unavailable: %s", error)
            return error_response(
                503, ErrorCode.DATABASE_UNAVAILABLE, "the database is unavailable; try again"
            )
        # Any other database error is a defect: on to Flask's 500 (logged by handle_http_exception).
        raise error

    def handle_api_error(self, error: ApiError):
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        code = ERROR_CODES.get(status, ErrorCode.ERROR)
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
