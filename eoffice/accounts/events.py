"""Changes to accounts that other features follow (the live meeting room ends a disabled user's connections).

Published once the change has committed; accounts know nothing of their subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Subscriber = Callable[[int], Any]
_on_deactivated: list[Subscriber] = []


def on_deactivated(subscriber: Subscriber) -> None:
    """subscriber(user_id) runs after each committed deactivation of an account."""
    if subscriber not in _on_deactivated:
        _on_deactivated.append(subscriber)


def deactivated(user_id: int) -> None:
    for subscriber in list(_on_deactivated):
        subscriber(user_id)
