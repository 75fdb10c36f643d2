"""Parsers of untrusted files, run in a child process bounded in memory, CPU and wall time, and output.

A PDF of a few hundred kilobytes can inflate to gigabytes inside a parser, which would take the server's
own process down with it. So each parse is a child (eoffice/untrusted_child.py) that sets its own
limits before it reads the file, and that the server kills when it overstays; a file over the limits
gives a Parsed naming the reason instead of an exception. Each child reads one file and ends.

Children are forked, one per file, by a waiting process per kind of parser (untrusted_forker.py, started
by the first parse of its kind in each server process), so that a parse does not wait for an interpreter
to import its parser however close together files arrive. Works with threads and under gevent (whose
monkey-patched sockets and subprocess wait without blocking the other greenlets).
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from eoffice.runtime import settings
from eoffice.untrusted_forker import ForkerGone, fork_parse, forker_for

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
                forker = forker_for(kind, CHILD)
                if forker is None:
                    break
                try:
                    returncode = fork_parse(forker, _request(task, limits, arguments), files, limits.timeout)
                except ForkerGone:
                    continue  # it died before it forked: the next attempt starts another one
                return _outcome(task, returncode, limits, *files[1:])
        return _parse_in(_start_child(kind, files), task, _request(task, limits, arguments), limits)
    finally:
        for stream in files:
            stream.close()


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
