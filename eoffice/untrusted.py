"""Parsers of untrusted files, run in a child process bounded in memory, CPU and wall time, and output.

A PDF of a few hundred kilobytes can inflate to gigabytes inside a parser; in the server's own process
that took the server down. Here each parse is a child (eoffice/untrusted_child.py) that sets its own
limits before it reads the file, and that the server kills when it overstays; a file over the limits
gives a Parsed naming the reason instead of an exception. Works with threads and under gevent (whose
monkey-patched subprocess waits without blocking the other greenlets).
"""

from __future__ import annotations

import logging
import math
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

if TYPE_CHECKING:
    from eoffice.config import Settings

log = logging.getLogger(__name__)

CHILD = str(Path(__file__).with_name("untrusted_child.py"))


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


def _run_child(
    task: str, source: BinaryIO | Iterable[bytes], limits: Limits, arguments: Sequence[str]
) -> Parsed:
    with (
        tempfile.TemporaryFile() as given,
        tempfile.TemporaryFile() as output,
        tempfile.TemporaryFile() as errors,
    ):
        if hasattr(source, "read"):
            start = source.tell()
            shutil.copyfileobj(source, given, 1024 * 1024)
            source.seek(start)
        else:
            for chunk in source:
                given.write(chunk)
        given.seek(0)
        command = [
            sys.executable,
            # Isolated: no user site, no environment variables, no current folder on the path.
            "-I",
            CHILD,
            task,
            str(limits.max_memory),
            str(math.ceil(limits.timeout)),
            str(limits.max_pages),
            str(limits.max_output),
            *arguments,
        ]
        # No environment: the child reads hostile files and needs none of the server's secrets.
        child = subprocess.Popen(command, stdin=given, stdout=output, stderr=errors, close_fds=True, env={})
        try:
            returncode = child.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            return Parsed(failure=Failure.TIMED_OUT, reason=f"not finished within {limits.timeout:g} s")
        finally:
            # Whatever ended the wait (the timeout, a greenlet killed, an exception), no child outlives it.
            if child.poll() is None:
                child.kill()
                child.wait()
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
