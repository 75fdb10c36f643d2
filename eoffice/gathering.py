"""Things a process notes one by one and sends together, once per interval; reads asked for one by one
and made together.

A hall's thousand tablets act within seconds: a broadcast or a write per action would cost a thousand
times what one for all of them costs. `Gathered` keeps what came in by bucket (a meeting, say), the
latest value per key, and hands each bucket's values to `send` once per interval while they keep coming;
a quiet bucket holds no task. What `send` fails on is kept for the next interval, unless newer values
replaced it. `flush()` sends everything now (a stopping process: its interval may never come).

`sleep(seconds)` and `start(task, *args)` are the Socket.IO server's (a greenlet under gevent, a thread
otherwise).

`Coalesced` is the same for reads that a caller waits for: the first caller reads at once; those asking
while a read is out wait for it to end, and the next read answers all of them, led by the first of them.
A caller alone waits for nothing more than his own read; a hundred arriving together cost a few reads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from flask import Flask, current_app

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Gathered:
    def __init__(
        self,
        what: str,
        interval: float,
        send: Callable[[Flask, Hashable, list[Any]], None],
        sleep: Callable[[float], None],
        start: Callable[..., Any],
    ):
        self.what = what
        self.interval = interval
        self._send, self._sleep, self._start = send, sleep, start
        # bucket -> key -> the latest value noted
        self._waiting: dict[Hashable, dict[Hashable, Any]] = {}
        self._sending: set[Hashable] = set()
        self._guard = threading.Lock()
        self._app: Flask | None = None

    def add(self, app: Flask, bucket: Hashable, key: Hashable, value: Any) -> None:
        """`value` goes out with the others of its bucket at the end of the interval."""
        with self._guard:
            self._app = app
            self._waiting.setdefault(bucket, {})[key] = value
            if bucket in self._sending:
                return
            self._sending.add(bucket)
        try:
            self._start(self._send_while_waiting, app, bucket)
        except BaseException:
            self._stopped(bucket, None)
            raise

    def _send_while_waiting(self, app: Flask, bucket: Hashable) -> None:
        values = None
        try:
            while True:
                self._sleep(self.interval)
                with self._guard:
                    values = self._waiting.pop(bucket, None)
                    if not values:
                        self._sending.discard(bucket)
                        return
                try:
                    self._send(app, bucket, list(values.values()))
                except Exception:  # noqa: BLE001 - kept for the next interval
                    log.exception("%s of %s not sent", self.what, bucket)
                    self._keep(bucket, values)
                values = None
        except BaseException:
            # Killed (a greenlet's kill, a timeout): the next value starts a sender again, and what this
            # one held waits for it.
            self._stopped(bucket, values)
            raise

    def _keep(self, bucket: Hashable, values: dict[Hashable, Any]) -> None:
        with self._guard:
            # Values that came in meanwhile are newer: they stay.
            self._waiting[bucket] = {**values, **self._waiting.get(bucket, {})}

    def _stopped(self, bucket: Hashable, values: dict[Hashable, Any] | None) -> None:
        if values:
            self._keep(bucket, values)
        with self._guard:
            self._sending.discard(bucket)

    def flush(self) -> None:
        """Send everything still waiting now. The senders find nothing left when they wake, and end."""
        with self._guard:
            waiting, self._waiting = self._waiting, {}
        for bucket, values in waiting.items():
            try:
                self._send(self._app, bucket, list(values.values()))
            except Exception:  # noqa: BLE001 - a stopping process: logged, nothing to retry with
                log.exception("%s of %s not sent while stopping", self.what, bucket)


class _Ask(Generic[K, V]):
    __slots__ = ("key", "answered", "leads", "value", "error")

    def __init__(self, key: K):
        self.key = key
        self.answered = threading.Event()
        self.leads = False  # woken to make the next read, not answered
        self.value: V | None = None
        self.error: BaseException | None = None


class Coalesced(Generic[K, V]):
    """`get(key)`: the value `read(keys)` gives for `key` (None if it gives none), read together with the
    other keys asked for meanwhile, at most `most` a read. A failed read fails each of its callers."""

    def __init__(self, read: Callable[[Sequence[K]], dict[K, V]], most: int = 500):
        self._read = read
        self._most = most
        self._asked: list[_Ask[K, V]] = []
        self._reading = False
        self._guard = threading.Lock()

    def get(self, key: K) -> V | None:
        ask: _Ask[K, V] = _Ask(key)
        with self._guard:
            self._asked.append(ask)
            leads, self._reading = not self._reading, True
        if not leads:
            try:
                ask.answered.wait()
            except BaseException:  # killed while waiting: not asked any more, nor to lead
                self._abandon(ask)
                raise
        if leads or ask.leads:
            self._read_for(ask)
        if ask.error is not None:
            raise ask.error
        return ask.value

    def _read_for(self, ask: _Ask[K, V]) -> None:
        with self._guard:
            others = [other for other in self._asked if other is not ask][: self._most - 1]
            batch = [ask, *others]
            taken = set(map(id, batch))
            self._asked = [other for other in self._asked if id(other) not in taken]
        try:
            values = self._read([each.key for each in batch])
            for each in batch:
                each.value = values.get(each.key)
        except BaseException as error:  # failed, or this caller killed: every caller of the read learns it
            for each in batch:
                each.error = error
            raise
        finally:
            self._hand_over()
            for each in others:
                each.answered.set()

    def _abandon(self, ask: _Ask[K, V]) -> None:
        with self._guard:
            if ask not in self._asked:
                return  # in a read being made: answered to no one
            self._asked.remove(ask)
        if ask.leads:
            self._hand_over()

    def _hand_over(self) -> None:
        """The next read to the first who asked meanwhile; none asked, no read is out."""
        with self._guard:
            if not self._asked:
                self._reading = False
                return
            following = self._asked[0]
            following.leads = True
        following.answered.set()


def coalesced(name: str, read: Callable[[Sequence[K]], dict[K, V]]) -> Coalesced[K, V]:
    """The application's Coalesced reads of that name (one per application: its reads use its database)."""
    extensions = current_app.extensions["eoffice"]
    reads = extensions.get(name)
    if reads is None:
        reads = extensions[name] = Coalesced(read)
    return reads


def server_tasks(namespace: Any) -> tuple[Callable[[float], None], Callable[..., Any]]:
    """`sleep` and `start` of the Socket.IO server a namespace is (or will be) registered on."""
    return (
        lambda seconds: namespace.server.sleep(seconds),
        lambda task, *args: namespace.server.start_background_task(task, *args),
    )
