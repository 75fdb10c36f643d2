"""Parsers of untrusted files, run in a child process bounded in memory, CPU and wall time, and output.

A PDF of a few hundred kilobytes can inflate to gigabytes inside a parser; in the server's own process
that took the server down. Here each parse is a child (eoffice/untrusted_child.py) that sets its own
limits before it reads the file, and that the server kills when it overstays; a file over the limits
gives a Parsed naming the reason instead of an exception. Each child reads one file and ends.

Children are forked, one per file, by a waiting process per kind of parser (untrusted_child.py
--fork, started by the first parse of its kind in each server process): it has imported its parser
and holds no file, no secret and no limit, so a file's parse starts in a few milliseconds however
close together files arrive (started as a new interpreter, a signature check waited ~0.4 s for
pyHanko's import whenever the one started ahead was not ready). Works with threads and under gevent
(whose monkey-patched sockets and subprocess wait without blocking the other greenlets).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from eoffice.runtime import settings

if TYPE_CHECKING:
    from eoffice.config import Settings

log = logging.getLogger(__name__)

_OWN_CHILD = str(Path(__file__).with_name("untrusted_child.py"))
CHILD = _OWN_CHILD


class Failure(StrEnum):
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Limits:
    """What one parse may use: address space (bytes), seconds (wall and CPU), pages, output bytes."""

    max_memory: int
    timeout: float
    max_pages: int
    max_output: int
    concurrency: int = 2

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            max_memory=settings.parser_max_memory,
            timeout=settings.parser_timeout,
            max_pages=settings.parser_max_pages,
            max_output=settings.parser_max_output,
            concurrency=settings.parser_concurrency,
        )


@dataclass(frozen=True)
class Parsed:
    """What a parser gave: its output, or why there is none (failure and a sentence saying why)."""

    output: str = ""
    failure: Failure | None = None
    reason: str = ""


# Children running at once in this process, per configured concurrency (one setting per process in
# practice); threading's semaphore is gevent's once gevent has patched the process.
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(concurrency: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(concurrency, threading.BoundedSemaphore(concurrency))


def run_parser(
    task: str, source: BinaryIO | Iterable[bytes], limits: Limits, arguments: Sequence[str] = ()
) -> Parsed:
    """Run one task of untrusted_child.py (pdf_text, pdf_pages, ...) over a file given as a stream or chunks.

    arguments: the task's own, after the limits on the child's command line.

    At most limits.concurrency children run at once; a parse that finds no free one within the
    timeout is refused as timed out rather than queued without end.
    """
    slots = _slots(limits.concurrency)
    if not slots.acquire(timeout=limits.timeout):
        return Parsed(
            failure=Failure.TIMED_OUT,
            reason=f"the server was busy reading other files for {limits.timeout:g} s",
        )
    try:
        return _run_child(task, source, limits, arguments)
    finally:
        slots.release()


@dataclass
class _Child:
    """A child started for one file (a stand-in for untrusted_child.py, or when no forking process can
    be had): it waits for one request line on `control`; its stdin, stdout and stderr are temporary
    files that only it and this process hold."""

    process: subprocess.Popen
    control: int
    given: IO[bytes]
    output: IO[bytes]
    errors: IO[bytes]


# The kind of parser a task needs: a forking process imports only that one (pyHanko's import costs many
# times PDFium's CPU, which a text extraction should not pay).
def _kind(task: str) -> str:
    return "signatures" if task == "pdf_signatures" else "pdfium"


@dataclass
class _Forker:
    """untrusted_child.py --fork: its parser imported, it forks a process for each file sent on `channel`
    (with the file's descriptors) and answers on the request's own socket."""

    process: subprocess.Popen
    channel: socket.socket
    owner: int


# One forking process per kind and script in each process of the server; forked processes (gunicorn's
# workers) start their own.
_FORKERS: dict[tuple[str, str], _Forker] = {}
_FORKERS_LOCK = threading.Lock()


def _start_forker(kind: str) -> _Forker:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        process = subprocess.Popen(
            # Isolated: no user site, no environment variables, no current folder on the path.
            [sys.executable, "-I", CHILD, "--fork", kind, str(theirs.fileno())],
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
    return _Forker(process, ours, os.getpid())


def _forker(kind: str) -> _Forker | None:
    """This process's forking process for `kind`, started if there is none (or it died); None when none
    can be started."""
    with _FORKERS_LOCK:
        forker = _FORKERS.get((kind, CHILD))
        if forker is not None and forker.owner == os.getpid() and forker.process.poll() is None:
            return forker
        if forker is not None and forker.owner == os.getpid():
            _stop(forker)
        try:
            forker = _FORKERS[(kind, CHILD)] = _start_forker(kind)
        except OSError as exc:
            log.warning("no forking parser process could be started: %s", exc)
            _FORKERS.pop((kind, CHILD), None)
            return None
        return forker


def _stop(forker: _Forker) -> None:
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


def _request(task: str, limits: Limits, arguments: Sequence[str]) -> bytes:
    call = [
        task,
        str(limits.max_memory),
        str(math.ceil(limits.timeout)),
        str(limits.max_pages),
        str(limits.max_output),
        *arguments,
    ]
    return json.dumps(call).encode()


def _copy(source: BinaryIO | Iterable[bytes], given: IO[bytes]) -> None:
    if hasattr(source, "read"):
        start = source.tell()
        shutil.copyfileobj(source, given, 1024 * 1024)
        source.seek(start)
    else:
        for chunk in source:
            given.write(chunk)
    given.flush()


def _run_child(
    task: str, source: BinaryIO | Iterable[bytes], limits: Limits, arguments: Sequence[str]
) -> Parsed:
    kind = _kind(task)
    files = tuple(tempfile.TemporaryFile() for _ in range(3))
    try:
        _copy(source, files[0])
        if CHILD == _OWN_CHILD:
            for _attempt in range(2):
                forker = _forker(kind)
                if forker is None:
                    break
                try:
                    returncode = _fork_parse(forker, _request(task, limits, arguments), files, limits)
                except _ForkerGone:
                    continue  # it died before it forked: the next attempt starts another one
                return _outcome(task, returncode, limits, *files[1:])
        return _parse_in(_start_child(kind, files), task, _request(task, limits, arguments), limits)
    finally:
        for stream in files:
            stream.close()


class _ForkerGone(Exception):
    """The forking process did not fork for the file (it died): nothing was parsed."""


def _fork_parse(forker: _Forker, request: bytes, files: tuple[IO[bytes], ...], limits: Limits) -> int | None:
    """The exit status of the process forked for this file (a signal as its negative number); None when
    it overstayed the timeout and was ended."""
    deadline = time.monotonic() + limits.timeout
    answers, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    process = None
    try:
        try:
            socket.send_fds(forker.channel, [request], [*(f.fileno() for f in files), theirs.fileno()])
        except OSError as exc:
            log.warning("the forking parser process is gone: %s", exc)
            with _FORKERS_LOCK:
                _stop(forker)
            raise _ForkerGone from exc
        theirs.close()
        with answers.makefile("rb") as reader:
            answers.settimeout(limits.timeout)
            line = reader.readline(32)
            if not line:
                raise _ForkerGone
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


def _start_child(kind: str, files: tuple[IO[bytes], ...]) -> _Child:
    given, output, errors = files
    control, command_end = os.pipe()
    try:
        process = subprocess.Popen(
            # Isolated: no user site, no environment variables, no current folder on the path.
            [sys.executable, "-I", CHILD, "--wait", kind, str(control)],
            stdin=given,
            stdout=output,
            stderr=errors,
            pass_fds=(control,),
            # No environment: the child reads hostile files and needs none of the server's secrets.
            env={},
        )
    except BaseException:
        os.close(command_end)
        raise
    finally:
        os.close(control)
    return _Child(process, command_end, given, output, errors)


def _parse_in(child: _Child, task: str, request: bytes, limits: Limits) -> Parsed:
    try:
        # The child reads its file only once this line has come: the file is whole by then.
        try:
            os.write(child.control, request + b"\n")
        except BrokenPipeError:
            pass  # a child that did not wait for its request (it died): its exit status says why
        os.close(child.control)
        child.control = -1
        returncode = child.process.wait(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        returncode = None
    finally:
        if child.control >= 0:
            os.close(child.control)
        # Whatever ended the wait (the timeout, a greenlet killed, an exception), no child outlives it.
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait()
    return _outcome(task, returncode, limits, child.output, child.errors)


def _outcome(
    task: str, returncode: int | None, limits: Limits, output: IO[bytes], errors: IO[bytes]
) -> Parsed:
    if returncode is None:
        return Parsed(failure=Failure.TIMED_OUT, reason=f"not finished within {limits.timeout:g} s")
    if returncode != 0:
        return _died(task, returncode, limits, errors)
    output.seek(0)
    # The child writes at most max_output bytes and a line; more is not read whatever it wrote.
    status, _, payload = output.read(limits.max_output + 4096).partition(b"\n")
    text = payload.decode("utf-8", "replace")
    if status == b"ok":
        return Parsed(output=text)
    try:
        return Parsed(failure=Failure(status.decode("ascii")), reason=text)
    except (UnicodeDecodeError, ValueError):
        return Parsed(failure=Failure.UNREADABLE, reason=f"the parser answered {status[:40]!r}")


def _died(task: str, returncode: int, limits: Limits, errors: IO[bytes]) -> Parsed:
    if returncode == -signal.SIGXCPU:
        return Parsed(
            failure=Failure.TIMED_OUT, reason=f"used more than {math.ceil(limits.timeout)} s of CPU time"
        )
    if returncode == -signal.SIGXFSZ:
        return Parsed(failure=Failure.TOO_LARGE, reason=f"output over the limit of {limits.max_output} bytes")
    if returncode in (-signal.SIGABRT, -signal.SIGKILL):
        # PDFium aborts when an allocation fails (with RLIMIT_AS set, at the memory limit); the kernel's
        # out-of-memory killer sends SIGKILL.
        return Parsed(
            failure=Failure.TOO_LARGE,
            reason=f"needed more than the memory limit of {limits.max_memory} bytes",
        )
    if returncode < 0:
        return Parsed(
            failure=Failure.UNREADABLE, reason=f"the parser crashed ({signal.Signals(-returncode).name})"
        )
    errors.seek(0, 2)
    errors.seek(max(0, errors.tell() - 2000))
    log.error("parser %s exited with %s: %s", task, returncode, errors.read().decode("utf-8", "replace"))
    return Parsed(failure=Failure.UNREADABLE, reason=f"the parser failed (exit status {returncode})")


def pdf_text(source: BinaryIO | Iterable[bytes], limits: Limits | None = None) -> Parsed:
    """The text layer of a PDF ("" for a scan), of at most max_pages pages and max_output bytes.

    Limits default to the application's settings (EOFFICE_PARSER_*).
    """
    return run_parser("pdf_text", source, limits or Limits.of(settings()))


def pdf_page_count(source: BinaryIO | Iterable[bytes], limits: Limits | None = None) -> Parsed:
    """The number of pages of a PDF, as digits; too_large beyond max_pages."""
    return run_parser("pdf_pages", source, limits or Limits.of(settings()))


def pdf_page_boxes(source: BinaryIO | Iterable[bytes], limits: Limits | None = None) -> Parsed:
    """The visible box of every page, one "left bottom right top" line (points) a page; too_large beyond
    max_pages."""
    return run_parser("pdf_pages", source, limits or Limits.of(settings()), ["boxes"])


def pdf_text_box(
    source: BinaryIO | Iterable[bytes], page: int, text: str, limits: Limits | None = None
) -> Parsed:
    """Where `text` is last printed on a page (negative: from the end): "left bottom right top" in
    points, or "" when it is not there; the PDF's pages are counted against max_pages."""
    return run_parser("pdf_text_box", source, limits or Limits.of(settings()), [str(page), text])
