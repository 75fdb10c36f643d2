"""The one vocabulary of error codes: every REST error and every live-room refusal carries one of these.

The client has a Vietnamese and an English message for each (frontend/src/i18n/errors.*.ts, checked
against frontend/src/i18n/errorCodes.json, which `python -m eoffice.errors` writes from this enum).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum


class ErrorCode(StrEnum):
    # What HTTP itself says: the status's own code when nothing more precise applies.
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    LENGTH_REQUIRED = "length_required"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    VALIDATION_ERROR = "validation_error"
    TOO_MANY_REQUESTS = "too_many_requests"
    INTERNAL_ERROR = "internal_error"
    UNAVAILABLE = "unavailable"
    # A status with no code of its own (406, 414, ...).
    ERROR = "error"

    # Parts of the platform that may be down for a moment: the client may retry.
    STORAGE_UNAVAILABLE = "storage_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    NOT_READY = "not_ready"
    RATE_LIMITED = "rate_limited"

    # Sessions and links.
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_TOKEN = "invalid_token"
    INVALID_LINK = "invalid_link"
    LINK_EXPIRED = "link_expired"

    # A step the state of the document, meeting or message does not allow now.
    INVALID_STATE = "invalid_state"
    NOTATION_UNAVAILABLE = "notation_unavailable"

    # PDFs and signatures.
    NOT_A_PDF = "not_a_pdf"
    PDF_NOT_CHECKABLE = "pdf_not_checkable"
    PDF_NOT_SIGNABLE = "pdf_not_signable"
    TIME_STAMP_UNAVAILABLE = "time_stamp_unavailable"
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_NOT_YET_VALID = "certificate_not_yet_valid"
    CERTIFICATE_NOT_FOR_SIGNING = "certificate_not_for_signing"
    CERTIFICATE_REVOKED = "certificate_revoked"
    SIGNING_KEY_MISSING = "signing_key_missing"
    SIGNING_CERTIFICATE_EXPIRED = "signing_certificate_expired"
    SIGNING_CERTIFICATE_MISSING = "signing_certificate_missing"
    SIGNING_CERTIFICATE_REVOKED = "signing_certificate_revoked"
    SIGNING_CERTIFICATE_UNUSABLE = "signing_certificate_unusable"
    SIGNING_FAILED = "signing_failed"
    SIGNING_PIN_INVALID = "signing_pin_invalid"
    SIGNING_PIN_REQUIRED = "signing_pin_required"
    SIGNING_TOKEN_UNAVAILABLE = "signing_token_unavailable"

    # Meetings: the room, votes, speakers, opinion polls.
    ALREADY_ANSWERED = "already_answered"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_VOTED = "already_voted"
    DEADLINE_PASSED = "deadline_passed"
    NOT_CHECKED_IN = "not_checked_in"
    NOT_WAITING = "not_waiting"
    STALE_VERSION = "stale_version"
    VOTE_CLOSED = "vote_closed"
    VOTE_OPEN = "vote_open"

    # Records: case files and the archive.
    ALREADY_FILED = "already_filed"
    CASE_FILE_CODE_TAKEN = "case_file_code_taken"

    # Devices and the offline meeting book.
    DEVICE_REVOKED = "device_revoked"
    NOT_INVITED = "not_invited"
    OFFLINE_EXPIRED = "offline_expired"


def codes_json() -> str:
    """What frontend/src/i18n/errorCodes.json holds: the client's tests read the codes from it."""
    return json.dumps(sorted(code.value for code in ErrorCode), indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(codes_json())
