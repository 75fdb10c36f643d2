"""eoffice.gathering: values noted one by one, sent together once per interval."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from eoffice.gathering import Coalesced, Gathered


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


# Coalesced: reads asked for one by one, made together.


class Reads:
    """A read function that holds its first read until let go, recording the keys of each read."""

    def __init__(self, values: dict[str, int], fail: list[BaseException] | None = None):
        self.values = values
        self.reads: list[list[str]] = []
        self.fail = fail or []
        self.reading = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, keys):
        self.reads.append(list(keys))
        if len(self.reads) == 1:
            self.reading.set()
            assert self.go_on.wait(10)
        if self.fail:
            raise self.fail.pop()
        return {key: self.values[key] for key in keys if key in self.values}


def asked_behind_a_held_read(
    coalesced: Coalesced, reads: Reads, first: str, keys: list[str]
) -> tuple[object, dict[str, object]]:
    """`first` asked alone, its read held; then every key of `keys` asked, each in a thread, while it
    is held; then the read let go: (first's answer, the others' answers by key), a failure as itself."""
    answers: dict[str, object] = {}

    def ask(key: str) -> None:
        try:
            answers[key] = coalesced.get(key)
        except Exception as error:  # noqa: BLE001 - the answer under test
            answers[key] = error

    leader = threading.Thread(target=ask, args=(first,))
    leader.start()
    assert reads.reading.wait(10)
    threads = [threading.Thread(target=ask, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for _ in range(1000):
        if len(coalesced._asked) == len(keys):
            break
        time.sleep(0.005)
    reads.go_on.set()
    for thread in [leader, *threads]:
        thread.join(10)
    return answers.pop(first), answers


def test_a_caller_alone_reads_his_key_at_once():
    reads = Reads({"a": 1})
    reads.go_on.set()
    coalesced = Coalesced(reads)

    assert coalesced.get("a") == 1
    assert coalesced.get("zzz") is None
    assert reads.reads == [["a"], ["zzz"]]


def test_callers_asking_during_a_read_are_answered_by_one_read_after_it():
    reads = Reads({"first": 0, **{f"k{i}": i for i in range(1, 30)}})
    keys = [f"k{i}" for i in range(1, 31)]  # k30 has no value
    first, later = asked_behind_a_held_read(Coalesced(reads), reads, "first", keys)

    assert first == 0
    assert later == {f"k{i}": (i if i < 30 else None) for i in range(1, 31)}
    assert len(reads.reads) == 2
    assert sorted(reads.reads[1]) == sorted(keys)


def test_a_read_takes_at_most_its_limit_and_the_rest_read_next():
    reads = Reads({f"k{i}": i for i in range(10)})
    _, answers = asked_behind_a_held_read(
        Coalesced(reads, most=4), reads, "k0", [f"k{i}" for i in range(1, 10)]
    )

    assert answers == {f"k{i}": i for i in range(1, 10)}
    assert [len(keys) for keys in reads.reads] == [1, 4, 4, 1]


def test_a_failed_read_fails_each_of_its_callers_and_the_next_caller_reads_anew():
    reads = Reads({"a": 1, "b": 2, "c": 3}, fail=[OSError("database restarting")])
    coalesced = Coalesced(reads)
    first, later = asked_behind_a_held_read(coalesced, reads, "a", ["b", "c"])

    assert isinstance(first, OSError)
    assert later == {"b": 2, "c": 3}
    assert coalesced.get("a") == 1


KILLED_WAITER = """
from gevent import monkey; monkey.patch_all()
import gevent, gevent.event
from eoffice.gathering import Coalesced

go_on = gevent.event.Event()
reads = []
def read(keys):
    reads.append(sorted(keys))
    if len(reads) == 1:
        go_on.wait()
    return {key: key.upper() for key in keys}

coalesced = Coalesced(read)
leader = gevent.spawn(coalesced.get, "a")
gevent.sleep(0.01)
doomed = gevent.spawn(coalesced.get, "b")   # first in line: would lead the next read
waiting = gevent.spawn(coalesced.get, "c")
gevent.sleep(0.01)
doomed.kill()
go_on.set()
print(leader.get(timeout=5), waiting.get(timeout=5), reads)
"""


def test_a_caller_killed_while_waiting_leaves_the_next_read_to_the_others():
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WAITER], capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["A", "C", "[['a'],", "['c']]"]
