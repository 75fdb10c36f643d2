"""Rate limits of live room events: a token bucket per socket and one per user, in this process.

A refused event costs a dictionary look-up and a lock, no database: a flooding tablet cannot take the
database connections the rest of the hall (and /readyz) need. All of a user's connections share a
budget of `user_factor` times one connection's (a person may have a few devices), so opening more
sockets buys no more events; the user's bucket outlives the connections, so one cut off for flooding
does not come back with a fresh burst. A connection (or a user) refused more than its flood limit of
events before it calms down (until its bucket is full again) is disconnected.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


class Verdict(enum.Enum):
    ADMITTED = "admitted"
    REFUSED = "refused"
    # Refused, and the refusals since the connection last calmed down just passed the limit.
    FLOODING = "flooding"
    # Refused, and the refusals to all of the user's connections just passed the user's limit.
    USER_FLOODING = "user_flooding"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    refused: int = 0


class _Budget:
    """Buckets of one kind (per connection, or per user) sharing a rate, a burst and a flood limit."""

    # A sweep of calm buckets happens when the count doubles past this: memory stays bounded by the
    # keys active lately, and a sweep costs once per doubling, not once per new key.
    SWEEP_FROM = 1024

    def __init__(self, rate: float, burst: float, flood_limit: int):
        self.rate = rate
        self.burst = burst
        self.flood_limit = flood_limit
        self.buckets: dict[Hashable, _Bucket] = {}
        self._sweep_at = self.SWEEP_FROM

    def refilled(self, key: Hashable, now: float) -> _Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self._sweep_at:
                self._sweep(now)
            bucket = self.buckets[key] = _Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.burst:
            # Quiet long enough to send a whole burst again: past refusals are forgiven. A flood
            # never lets the bucket fill, whatever the rate lets through meanwhile.
            bucket.refused = 0
        return bucket

    def refuse(self, bucket: _Bucket) -> bool:
        """Count a refusal: True when it is the one just past the flood limit."""
        bucket.refused += 1
        return bucket.refused == self.flood_limit + 1

    def _sweep(self, now: float) -> None:
        # A bucket that would be full now is no different from a new one.
        self.buckets = {
            key: bucket
            for key, bucket in self.buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate < self.burst
        }
        self._sweep_at = max(self.SWEEP_FROM, 2 * len(self.buckets))


class EventLimiter:
    """Each connection may send `burst` events at once, then `rate` a second; all connections of one
    user together `user_factor` times that."""

    def __init__(
        self,
        rate: float,
        burst: int,
        flood_limit: int,
        user_factor: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._connections = _Budget(rate, burst, flood_limit)
        self._users = _Budget(rate * user_factor, burst * user_factor, int(flood_limit * user_factor))
        self._clock = clock
        self._guard = threading.Lock()

    def admit(self, sid: str, user_id: int | None = None) -> Verdict:
        now = self._clock()
        with self._guard:
            connection = self._connections.refilled(sid, now)
            user = self._users.refilled(user_id, now) if user_id is not None else None
            if connection.tokens >= 1 and (user is None or user.tokens >= 1):
                connection.tokens -= 1
                if user is not None:
                    user.tokens -= 1
                return Verdict.ADMITTED
            user_floods = user is not None and user.tokens < 1 and self._users.refuse(user)
            connection_floods = connection.tokens < 1 and self._connections.refuse(connection)
            if user_floods:
                return Verdict.USER_FLOODING
            return Verdict.FLOODING if connection_floods else Verdict.REFUSED

    def forget(self, sid: str) -> None:
        """The connection closed; its user's bucket stays (a reconnection gets no fresh allowance)."""
        with self._guard:
            self._connections.buckets.pop(sid, None)
