"""The process that forks a process for each untrusted file to parse, one per kind of parser and script.

It runs untrusted_child.py --fork: it has imported its parser and holds no file, no secret and no limit, so
a file's parse starts at once instead of waiting for a new interpreter to import the parser.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO

log = logging.getLogger(__name__)


@dataclass
class Forker:
    """untrusted_child.py --fork: its parser imported, it forks a process for each file sent on `channel`
    (with the file's descriptors) and answers on the request's own socket."""

    process: subprocess.Popen
    channel: socket.socket
    owner: int


# One forking process per kind and script in each process of the server; forked processes (gunicorn's
# workers) start their own.
_FORKERS: dict[tuple[str, str], Forker] = {}
_FORKERS_LOCK = threading.Lock()


def _start_forker(kind: str, script: str) -> Forker:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        process = subprocess.Popen(
            # Isolated: no user site, no environment variables, no current folder on the path.
            [sys.executable, "-I", script, "--fork", kind, str(theirs.fileno())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
            # No environment: its children read hostile files and need none of the server's secrets.
            env={},
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    return Forker(process, ours, os.getpid())


def forker_for(kind: str, script: str) -> Forker | None:
    """This process's forking process for `kind` running `script`, started if there is none (or it died);
    None when none can be started."""
    with _FORKERS_LOCK:
        forker = _FORKERS.get((kind, script))
        if forker is not None and forker.owner == os.getpid() and forker.process.poll() is None:
            return forker
        if forker is not None and forker.owner == os.getpid():
            _stop(forker)
        try:
            forker = _FORKERS[(kind, script)] = _start_forker(kind, script)
        except OSError as exc:
            log.warning("no forking parser process could be started: %s", exc)
            _FORKERS.pop((kind, script), None)
            return None
        return forker


def _stop(forker: Forker) -> None:
    forker.channel.close()
    if forker.process.poll() is None:
        forker.process.kill()
        forker.process.wait()


def waiting_children() -> list[int]:
    """The process ids of this process's children that wait for files (the forking ones: none reads one)."""
    with _FORKERS_LOCK:
        return [
            forker.process.pid
            for forker in _FORKERS.values()
            if forker.owner == os.getpid() and forker.process.poll() is None
        ]


class ForkerGone(Exception):
    """The forking process did not fork for the file (it died): nothing was parsed."""


def fork_parse(forker: Forker, request: bytes, files: tuple[IO[bytes], ...], timeout: float) -> int | None:
    """The exit status of the process forked for this file (a signal as its negative number); None when
    it overstayed the timeout and was ended.

    files: the file, then the files for its output and its errors, which the forked process writes."""
    deadline = time.monotonic() + timeout
    answers, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    process = None
    try:
        try:
            socket.send_fds(forker.channel, [request], [*(f.fileno() for f in files), theirs.fileno()])
        except OSError as exc:
            log.warning("the forking parser process is gone: %s", exc)
            with _FORKERS_LOCK:
                _stop(forker)
            raise ForkerGone from exc
        theirs.close()
        with answers.makefile("rb") as reader:
            answers.settimeout(timeout)
            line = reader.readline(32)
            if not line:
                raise ForkerGone
            process = _Forked(int(line))
            answers.settimeout(max(deadline - time.monotonic(), 0.001))
            line = reader.readline(32)
        if not line:
            # The watcher was killed (the server stops): the parse is ended with it, below.
            return -signal.SIGKILL
        process.ended = True
        return int(line)
    except TimeoutError:
        return None
    finally:
        theirs.close()
        answers.close()
        # Whatever ended the wait (the timeout, a greenlet killed, an exception), no parse outlives it.
        if process is not None:
            process.end()


class _Forked:
    """A parse process forked for a file, held by a pidfd: ending it can never signal another process
    that later took its id."""

    def __init__(self, pid: int):
        self.ended = False
        try:
            self.pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.pidfd, self.ended = -1, True

    def end(self) -> None:
        if not self.ended:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        if self.pidfd >= 0:
            os.close(self.pidfd)
