"""Injected faults, so that a client's retries are exercised against the real service."""

from __future__ import annotations

import random
import threading
import time

from flask import Flask, request

from national_axis.config import Settings
from national_axis.errors import error_response

# Admin calls set up tests; they are not part of what a connected system has to survive.
_EXEMPT_PREFIXES = ("/api/v1/admin/",)


class FaultDice:
    """One seeded sequence of throws for the whole process, shared by its threads."""

    def __init__(self, settings: Settings):
        self.rate = settings.fault_rate
        self.hang_rate = settings.fault_hang_rate
        self.hang_seconds = settings.fault_hang_seconds
        self._random = random.Random(settings.fault_seed)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0 or self.hang_rate > 0

    def throw(self) -> str | None:
        """ "fail", "hang" or None (answer normally)."""
        with self._lock:
            value = self._random.random()
        if value < self.rate:
            return "fail"
        if value < self.rate + self.hang_rate:
            return "hang"
        return None


def init_app(app: Flask, settings: Settings) -> None:
    dice = FaultDice(settings)
    if not dice.enabled:
        return

    @app.before_request
    def _inject_fault():
        if not request.path.startswith("/api/v1/") or request.path.startswith(_EXEMPT_PREFIXES):
            return None
        outcome = dice.throw()
        if outcome is None:
            return None
        if outcome == "hang":
            time.sleep(dice.hang_seconds)
        setting = "AXIS_FAULT_RATE" if outcome == "fail" else "AXIS_FAULT_HANG_RATE"
        message = f"injected fault ({setting}): nothing was done, try again"
        return error_response(503, "unavailable", message, None, {"Retry-After": "1"})
