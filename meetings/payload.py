"""Typed access to a live room event's payload: a missing or mistyped field is refused by name."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from eoffice.api_base import DB_INT_MAX, NUL_MESSAGE, invalid


def _refuse_nul(name: str, value: str) -> None:
    # PostgreSQL text cannot hold NUL: refused here as every request schema refuses it.
    if "\x00" in value:
        raise invalid(name, NUL_MESSAGE)


def _not_a_uuid(name: str) -> NoReturn:
    raise invalid(name, "must be a UUID")


class Payload:
    """Typed access to an event's payload; a missing or mistyped field is refused by name."""

    def __init__(self, data: Any):
        if not isinstance(data, dict):
            raise invalid("payload", "must be an object")
        self.data = data

    def integer(self, name: str, *, minimum: int = 1, optional: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None and optional:
            return None
        if value is None:
            raise invalid(name, "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, "must be an integer")
        if value < minimum:
            raise invalid(name, f"must be at least {minimum}")
        # Every id and count is the database's `integer`: a larger one is no row (SQLite's driver
        # would raise OverflowError at 2**63, before any answer).
        if value > DB_INT_MAX:
            raise invalid(name, f"must be at most {DB_INT_MAX}")
        return value

    def text(self, name: str, *, max_length: int = 500) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise invalid(name, "must be a non-empty string")
        if len(value) > max_length:
            raise invalid(name, f"at most {max_length} characters")
        _refuse_nul(name, value)
        return value.strip()

    def string(self, name: str, *, max_length: int) -> str | None:
        """Text that may be empty (a section emptied on purpose); None when the field is absent."""
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, str):
            raise invalid(name, "must be a string")
        if len(value) > max_length:
            raise invalid(name, f"at most {max_length} characters")
        _refuse_nul(name, value)
        return value

    def integer_or_null(self, name: str, meaning: str) -> int | None:
        """A required key whose null has a meaning of its own (so a forgotten field is not taken for it)."""
        if name not in self.data:
            raise invalid(name, f"is required (null for {meaning})")
        return self.integer(name, optional=True)

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise invalid(name, "must be true or false")
        return value

    def integers(self, name: str) -> list[int]:
        value = self.data.get(name)
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= DB_INT_MAX for v in value
        ):
            raise invalid(name, f"must be a list of integers from 1 to {DB_INT_MAX}")
        return value

    def options(self, name: str) -> list[str]:
        value = self.data.get(name, ["Tán thành", "Không tán thành", "Không biểu quyết"])
        if (
            not isinstance(value, list)
            or not 2 <= len(value) <= 20
            or any(not isinstance(v, str) or not v.strip() or len(v) > 100 for v in value)
        ):
            raise invalid(name, "must be 2 to 20 non-empty strings of at most 100 characters")
        for option in value:
            _refuse_nul(name, option)
        cleaned = [v.strip() for v in value]
        if len(set(cleaned)) != len(cleaned):
            raise invalid(name, "options must differ")
        return cleaned

    def uuid(self, name: str) -> str | None:
        """A UUID a device made (canonical form), or None when the field is absent or null."""
        value = self.data.get(name)
        if value is None:
            return None
        try:
            return str(uuid.UUID(value)) if isinstance(value, str) else _not_a_uuid(name)
        except ValueError:
            return _not_a_uuid(name)

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise invalid(name, "must be an object")
        return value
