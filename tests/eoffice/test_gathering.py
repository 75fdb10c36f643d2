"""eoffice.gathering: values noted one by one, sent together once per interval."""

from __future__ import annotations

import pytest

from eoffice.gathering import Gathered


class Killed(BaseException):
    """What a killed greenlet's sender sees (gevent's GreenletExit and Timeout are BaseExceptions)."""


def test_a_sender_killed_while_sending_leaves_its_values_to_the_next_one():
    sent: list[tuple[object, list[int]]] = []
    kill = [True]

    def send(_app, bucket, values):
        if kill.pop() if kill else False:
            raise Killed
        sent.append((bucket, sorted(values)))

    # The sender runs at once, in the caller (a greenlet or thread in the server).
    gathered = Gathered("numbers", 1.0, send, lambda seconds: None, lambda task, *args: task(*args))
    with pytest.raises(Killed):
        gathered.add(None, "room", 1, 1)
    assert sent == []
    gathered.add(None, "room", 2, 2)
    assert sent == [("room", [1, 2])]


def test_a_failed_send_is_tried_again_with_what_came_since():
    sent: list[list[int]] = []
    failures = [RuntimeError("database restarting")]
    sleeps = []

    def send(_app, _bucket, values):
        if failures:
            raise failures.pop()
        sent.append(sorted(values))

    def sleep(seconds):
        sleeps.append(seconds)

    gathered = Gathered("numbers", 0.5, send, sleep, lambda task, *args: task(*args))
    gathered.add(None, "room", 1, 1)
    assert sent == [[1]] and sleeps == [0.5, 0.5, 0.5]
