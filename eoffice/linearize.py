"""PDFs made range-friendly ("fast web view"): qpdf --linearize puts page 1 and what it needs first, with
hint tables, so that a viewer reading by HTTP ranges shows the first page before the rest has arrived.

qpdf runs as a child bounded in wall time, CPU time and memory (prlimit, where the system has it), in a
folder of its own, with no environment of the server's; whatever goes wrong, the original is kept.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

QPDF = "qpdf"
# A signature covers the file's exact bytes (/ByteRange): rewriting them would break it.
_SIGNED = b"/ByteRange"
_SCAN_CHUNK = 1024 * 1024


def _is_unsigned_pdf(stream: BinaryIO) -> bool:
    start = stream.tell()
    try:
        if stream.read(5) != b"%PDF-":
            return False
        stream.seek(start)
        tail = b""
        while chunk := stream.read(_SCAN_CHUNK):
            if _SIGNED in tail + chunk:
                return False
            tail = chunk[-len(_SIGNED) :]
        return True
    finally:
        stream.seek(start)


def _command(source: Path, target: Path, timeout: float, max_memory: int) -> list[str]:
    command = [QPDF, "--linearize", "--", str(source), str(target)]
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return command
    return [prlimit, f"--as={max_memory}", f"--cpu={math.ceil(timeout)}", "--", *command]


@contextlib.contextmanager
def linearized(source: BinaryIO, *, timeout: float, max_memory: int) -> Iterator[BinaryIO | None]:
    """The linearised copy of a PDF read from a seekable stream (rewound afterwards), open while the block
    runs; None for anything else, a signed PDF, or when qpdf fails, is missing or overstays."""
    if not _is_unsigned_pdf(source):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="eoffice-linearize-") as folder:
        work = Path(folder)
        given, output = work / "given.pdf", work / "linearized.pdf"
        start = source.tell()
        with given.open("wb") as written:
            shutil.copyfileobj(source, written, _SCAN_CHUNK)
        source.seek(start)
        if not _run(_command(given, output, timeout, max_memory), work, timeout):
            yield None
            return
        with output.open("rb") as result:
            yield result


def _run(command: list[str], work: Path, timeout: float) -> bool:
    try:
        process = subprocess.Popen(
            command,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "TMPDIR": str(work)},
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        log.warning("qpdf is not installed: PDFs are stored as uploaded, not linearised")
        return False
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("qpdf did not linearise a PDF within %g s; stored as uploaded", timeout)
        return False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # 3 is "succeeded with warnings": a damaged file qpdf repaired as it could; the original is safer.
    if process.returncode != 0:
        log.warning(
            "qpdf could not linearise a PDF (exit status %s): %s; stored as uploaded",
            process.returncode,
            errors.decode("utf-8", "replace")[-1000:],
        )
        return False
    return True
