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
    """Seeded throws, one sequence per route (method and rule), shared by the process's threads: the
    n-th call to a route meets the same fault whatever other calls (a client's polls, the other
    side's) came in between, so that a seed repeats what a test needs of, say, the sends."""

    def __init__(self, settings: Settings):
        self.rate = settings.fault_rate
        self.hang_rate = settings.fault_hang_rate
        self.hang_seconds = settings.fault_hang_seconds
        self._seed = settings.fault_seed
        self._streams: dict[str, random.Random] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0 or self.hang_rate > 0

    def throw(self, route: str = "") -> str | None:
        """ "fail", "hang" or None (answer normally), for the next call to `route`."""
        with self._lock:
            stream = self._streams.get(route)
            if stream is None:
                seed = None if self._seed is None else f"{self._seed}:{route}"
                stream = self._streams[route] = random.Random(seed)
            value = stream.random()
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
        rule = request.url_rule.rule if request.url_rule is not None else request.path
        outcome = dice.throw(f"{request.method} {rule}")
        if outcome is None:
            return None
        if outcome == "hang":
            time.sleep(dice.hang_seconds)
        setting = "AXIS_FAULT_RATE" if outcome == "fail" else "AXIS_FAULT_HANG_RATE"
        message = f"injected fault ({setting}): nothing was done, try again"
        return error_response(503, "unavailable", message, None, {"Retry-After": "1"})
