"""The one error vocabulary: every code the server can send is in ErrorCode, and the client has its list."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from eoffice.api_base import ApiError, invalid
from eoffice.errors import ErrorCode, ReasonCode, codes_json

ROOT = Path(__file__).resolve().parents[2]
CLIENT_CODES = ROOT / "frontend" / "src" / "i18n" / "errorCodes.json"
CLIENT_REASONS = ROOT / "frontend" / "src" / "i18n" / "reasonCodes.json"

# Where a code is given, as (callable's name, index of the code among its positional arguments).
_CODE_ARGUMENT = {
    "ApiError": 1,
    "error_response": 1,
    "SigningRefused": 0,
    "CertificateRefused": 0,
    "_error": 0,
    "say_farewell": 1,
}


def _written_codes() -> list[tuple[str, str]]:
    """(place, code) for every code written as a literal where an error is built, in the server's code."""
    found = []
    for package in ("eoffice", "meetings"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            # super().__init__(status, code, ...) in a subclass of ApiError gives a code as ApiError does.
            in_api_errors = {
                id(node)
                for cls in ast.walk(tree)
                if isinstance(cls, ast.ClassDef)
                and any(getattr(b, "id", None) == "ApiError" for b in cls.bases)
                for node in ast.walk(cls)
            }
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "__init__" and id(node) in in_api_errors:
                    name = "ApiError"
                candidates = [kw.value for kw in node.keywords if kw.arg == "code" and name != "queue_notice"]
                index = _CODE_ARGUMENT.get(name)
                if index is not None and len(node.args) > index:
                    candidates.append(node.args[index])
                for value in candidates:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.append((f"{path.relative_to(ROOT)}:{node.lineno}", value.value))
    return found


def test_every_code_written_in_the_server_is_in_the_vocabulary():
    written = _written_codes()
    assert len(written) > 20  # the scan sees the error sites (most name their code as a literal)
    assert [(place, code) for place, code in written if code not in set(ErrorCode)] == []


def test_an_error_with_a_code_outside_the_vocabulary_cannot_be_raised():
    with pytest.raises(ValueError):
        ApiError(409, "a_code_no_client_knows", "refused")
    assert ApiError(409, "vote_closed", "vote 7 is closed").code is ErrorCode.VOTE_CLOSED


def test_the_clients_list_of_codes_is_the_enum():
    # The client's test checks that each code listed there has a Vietnamese and an English message;
    # after changing ErrorCode: .venv/bin/python -m eoffice.errors > frontend/src/i18n/errorCodes.json
    assert CLIENT_CODES.read_text() == codes_json()


def test_the_clients_list_of_reasons_is_the_enum():
    # The client's test checks that each reason listed there has a Vietnamese and an English message; after
    # changing ReasonCode: .venv/bin/python -m eoffice.errors reasons > frontend/src/i18n/reasonCodes.json
    assert CLIENT_REASONS.read_text() == codes_json(ReasonCode)


def test_a_field_refused_with_a_reason_names_it_beside_the_message():
    error = invalid(
        "password", "the password does not open this PKCS#12 file", "form", reason=ReasonCode.WRONG_PASSWORD
    )
    assert error.details == {
        "form": {"password": ["the password does not open this PKCS#12 file"]},
        "reasons": {"password": "wrong_password"},
    }
    assert error.message == "password: the password does not open this PKCS#12 file"
