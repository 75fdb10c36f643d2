"""Per-connection rate limits of live room events: a token bucket per socket, in this process.

A refused event costs a dictionary look-up and a lock, no database: a flooding tablet cannot take the
database connections the rest of the hall (and /readyz) need. A connection refused more than
`flood_limit` events before it calms down (until its bucket is full again) is disconnected.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Verdict(enum.Enum):
    ADMITTED = "admitted"
    REFUSED = "refused"
    # Refused, and the refusals since the connection last calmed down just passed the limit.
    FLOODING = "flooding"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    refused: int = 0


class EventLimiter:
    """Each connection may send `burst` events at once, then `rate` a second."""

    def __init__(
        self, rate: float, burst: int, flood_limit: int, clock: Callable[[], float] = time.monotonic
    ):
        self.rate = rate
        self.burst = burst
        self.flood_limit = flood_limit
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._guard = threading.Lock()

    def admit(self, sid: str) -> Verdict:
        now = self._clock()
        with self._guard:
            bucket = self._buckets.get(sid)
            if bucket is None:
                bucket = self._buckets[sid] = _Bucket(tokens=self.burst, updated=now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= self.burst:
                # Quiet long enough to send a whole burst again: past refusals are forgiven. A flood
                # never lets the bucket fill, whatever the rate lets through meanwhile.
                bucket.refused = 0
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return Verdict.ADMITTED
            bucket.refused += 1
            return Verdict.FLOODING if bucket.refused == self.flood_limit + 1 else Verdict.REFUSED

    def forget(self, sid: str) -> None:
        with self._guard:
            self._buckets.pop(sid, None)
