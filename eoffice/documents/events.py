"""Steps of documents that other features follow (the national axis tells senders how their document moves).

A subscriber runs inside the operation, in its transaction: what it records commits or rolls back
with the step. Documents know nothing of their subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eoffice.accounts.models import User
    from eoffice.documents.models import Document


@dataclass(frozen=True)
class StepTaken:
    document: Document
    action: str
    actor: User | None
    previous: str | None  # the state left (None: the document is new)
    target: str  # the state entered
    note: str | None


Subscriber = Callable[[StepTaken], Any]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def publish(event: StepTaken) -> None:
    for subscriber in list(_subscribers):
        subscriber(event)
