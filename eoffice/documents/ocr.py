"""Text of scans: OCRmyPDF (Tesseract, Vietnamese first) makes a searchable PDF of a scan, in a child
process group bounded in time and in memory (each process's address space, RLIMIT_AS, which the tools
it starts inherit), with no environment of the server's.

OCRmyPDF rather than Tesseract alone: it OCRs only the pages of a PDF that have no text (--skip-text),
grafts the recognised text as an invisible layer onto the pages as they were, and writes PDF/A.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eoffice.untrusted import Failure

log = logging.getLogger(__name__)

PAGE_BREAK = "\f"
# The sidecar names the pages OCRmyPDF left alone because they had text: "[OCR skipped on page(s) 1-3]".
_SKIPPED = re.compile(r"\s*\[OCR skipped on page\(s\) [\d\-, ]+\]\s*")
# OCRmyPDF's exit statuses (ocrmypdf.exceptions.ExitCode) that say why a file was not recognised.
_EXIT_REASONS = {
    2: (Failure.UNREADABLE, "not a PDF or image OCRmyPDF can read (or a digitally signed PDF)"),
    4: (Failure.UNREADABLE, "the searchable PDF came out invalid"),
    7: (Failure.UNREADABLE, "the PDF is malformed"),
    8: (Failure.UNREADABLE, "the PDF is encrypted"),
}
# The output is written, valid, searchable, but Ghostscript could not make it PDF/A.
_PDFA_FAILED = 10
# What a process out of address space says (Python, C++, the loader, glibc), whichever of the tools hit it.
_OUT_OF_MEMORY = re.compile(
    r"MemoryError|bad_alloc|Cannot allocate memory|failed to map segment|can't start new thread"
    r"|out of memory",
    re.IGNORECASE,
)
# Sets the limit, then becomes OCRmyPDF: the limit is in force before any of it is loaded.
_LIMITED = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); os.execvp(sys.argv[2], sys.argv[2:])"
)


@dataclass(frozen=True)
class OcrOptions:
    languages: str = "vie+eng"
    max_pages: int = 100
    jobs: int = 1
    timeout: float = 900.0
    pdfa: bool = True
    max_memory_mb: int = 2048

    @classmethod
    def of(cls, settings) -> OcrOptions:
        return cls(
            languages=settings.ocr_languages,
            max_pages=settings.ocr_max_pages,
            jobs=settings.ocr_concurrency,
            timeout=settings.ocr_timeout,
            pdfa=settings.ocr_pdfa,
            max_memory_mb=settings.ocr_max_memory_mb,
        )


@dataclass(frozen=True)
class Recognised:
    """The recognised text of the pages that had none (pages separated by a form feed) and the searchable
    PDF, or why there are none."""

    text: str = ""
    # The pages (from 1) the OCR read: those without text, up to the page limit.
    pages: tuple[int, ...] = ()
    pdf: Path | None = None
    is_pdfa: bool = False
    failure: Failure | None = None
    reason: str = ""


def pages_without_text(text: str) -> list[int]:
    """The pages (from 1) of a PDF's text layer, pages separated by a form feed, that carry no word."""
    return [number for number, page in enumerate(text.split(PAGE_BREAK), 1) if not re.search(r"\w", page)]


@contextmanager
def recognise(source: BinaryIO, *, image: bool, options: OcrOptions) -> Iterator[Recognised]:
    """OCR a scan (a PDF, or a JPEG/PNG/TIFF image when `image`); the PDF lives until the block ends."""
    with tempfile.TemporaryDirectory(prefix="eoffice-ocr-") as folder:
        work = Path(folder)
        given = work / ("scan.img" if image else "scan.pdf")
        with given.open("wb") as written:
            shutil.copyfileobj(source, written, 1024 * 1024)
        source.seek(0)
        yield _run(work, given, image=image, options=options)


def _run(work: Path, given: Path, *, image: bool, options: OcrOptions) -> Recognised:
    output, sidecar = work / "searchable.pdf", work / "text.txt"
    command = [
        "ocrmypdf",
        "--quiet",
        "--language", options.languages,
        "--skip-text",
        "--deskew",
        "--optimize", "0",
        "--jobs", str(options.jobs),
        "--output-type", "pdfa" if options.pdfa else "pdf",
        "--sidecar", str(sidecar),
        "--pages", f"1-{options.max_pages}",
    ]  # fmt: skip
    if image:
        # A scanner's image says its resolution; 300 dpi is what the OCR is tuned for when one does not.
        command += ["--image-dpi", "300"]
    command += [str(given), str(output)]
    if shutil.which("ocrmypdf", path=os.environ.get("PATH")) is None:
        return Recognised(failure=Failure.UNREADABLE, reason="OCRmyPDF is not installed on this server")
    command = [sys.executable, "-c", _LIMITED, str(options.max_memory_mb * 1024 * 1024), *command]
    # No secret of the server's reaches the tools; one OpenMP thread a Tesseract (OCRmyPDF runs --jobs).
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "TMPDIR": str(work),
        "LANG": "C.UTF-8",
        "OMP_THREAD_LIMIT": "1",
    }
    process = subprocess.Popen(
        command,
        env=environment,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    timed_out = False
    try:
        _, errors = process.communicate(timeout=options.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # Tesseract and Ghostscript run in the group: none outlives the OCR of its file.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if timed_out:
            _, errors = process.communicate()
        process.wait()
    # A tool out of memory may fail, or (a thread pool that could not start a thread) wait until the timeout.
    if process.returncode != 0 and _OUT_OF_MEMORY.search(errors.decode("utf-8", "replace")):
        log.warning("OCR out of memory: %s", errors.decode("utf-8", "replace")[-2000:])
        return Recognised(
            failure=Failure.TOO_LARGE,
            reason=f"the OCR needed more memory than its limit of {options.max_memory_mb} MiB",
        )
    if timed_out:
        return Recognised(failure=Failure.TIMED_OUT, reason=f"OCR not finished within {options.timeout:g} s")
    if process.returncode not in (0, _PDFA_FAILED) or not output.exists():
        failure, reason = _EXIT_REASONS.get(
            process.returncode, (Failure.UNREADABLE, f"OCRmyPDF failed (exit status {process.returncode})")
        )
        log.warning("OCR failed (%s): %s", process.returncode, errors.decode("utf-8", "replace")[-2000:])
        return Recognised(failure=failure, reason=reason)
    pages = (sidecar.read_text("utf-8", "replace") if sidecar.exists() else "").split(PAGE_BREAK)
    read = [(number, page) for number, page in enumerate(pages, 1) if not _SKIPPED.fullmatch(page)]
    return Recognised(
        text=PAGE_BREAK.join(page.strip() for _, page in read),
        pages=tuple(number for number, _ in read if number <= options.max_pages),
        pdf=output,
        is_pdfa=options.pdfa and process.returncode == 0,
    )
