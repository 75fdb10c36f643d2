"""Changes to accounts that other features follow (the live room ends the connections of ended sessions).

Published once the change has committed; accounts know nothing of their subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# subscriber(session_ids, reason, code): the reason is a message for whoever held those sessions, the code
# (eoffice.errors) what their devices must do: `unauthorized` log in again, `device_revoked` wipe first.
Subscriber = Callable[[list[str], str, str], Any]
_on_sessions_ended: list[Subscriber] = []


def on_sessions_ended(subscriber: Subscriber) -> None:
    """subscriber(session_ids, reason, code) runs after each commit that ended sessions: a logout, a reused
    refresh token, a password reset, a disabled account, a revoked device."""
    if subscriber not in _on_sessions_ended:
        _on_sessions_ended.append(subscriber)


def sessions_ended(session_ids: list[str], reason: str, code: str = "unauthorized") -> None:
    for subscriber in list(_on_sessions_ended):
        subscriber(session_ids, reason, code)
