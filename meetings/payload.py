"""Typed access to a live room event's payload: a missing or mistyped field is refused by name."""

from __future__ import annotations

from typing import Any

from meetings.room.common import bad_input


class Payload:
    """Typed access to an event's payload; a missing or mistyped field is refused by name."""

    def __init__(self, data: Any):
        if not isinstance(data, dict):
            raise bad_input("payload", "must be an object")
        self.data = data

    def integer(self, name: str, *, minimum: int = 1, optional: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None and optional:
            return None
        if value is None:
            raise bad_input(name, "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_input(name, "must be an integer")
        if value < minimum:
            raise bad_input(name, f"must be at least {minimum}")
        return value

    def text(self, name: str, *, max_length: int = 500) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise bad_input(name, "must be a non-empty string")
        if len(value) > max_length:
            raise bad_input(name, f"at most {max_length} characters")
        return value.strip()

    def string(self, name: str, *, max_length: int) -> str | None:
        """Text that may be empty (a section emptied on purpose); None when the field is absent."""
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, str):
            raise bad_input(name, "must be a string")
        if len(value) > max_length:
            raise bad_input(name, f"at most {max_length} characters")
        return value

    def integer_or_null(self, name: str, meaning: str) -> int | None:
        """A required key whose null has a meaning of its own (so a forgotten field is not taken for it)."""
        if name not in self.data:
            raise bad_input(name, f"is required (null for {meaning})")
        return self.integer(name, optional=True)

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise bad_input(name, "must be true or false")
        return value

    def integers(self, name: str) -> list[int]:
        value = self.data.get(name)
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise bad_input(name, "must be a list of integers")
        return value

    def options(self, name: str) -> list[str]:
        value = self.data.get(name, ["Tán thành", "Không tán thành", "Không biểu quyết"])
        if (
            not isinstance(value, list)
            or not 2 <= len(value) <= 20
            or any(not isinstance(v, str) or not v.strip() or len(v) > 100 for v in value)
        ):
            raise bad_input(name, "must be 2 to 20 non-empty strings of at most 100 characters")
        cleaned = [v.strip() for v in value]
        if len(set(cleaned)) != len(cleaned):
            raise bad_input(name, "options must differ")
        return cleaned

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise bad_input(name, "must be an object")
        return value
