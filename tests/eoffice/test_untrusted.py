"""Untrusted files are parsed in a child process that is killed over its memory or time, whose output is
bounded, and whose failure is a reason, not an exception; with threads and under gevent."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pypdf
import pytest

from eoffice import untrusted, untrusted_forker
from eoffice.pdfgen import text_pdf
from eoffice.untrusted import Failure, Limits, pdf_page_boxes, pdf_page_count, pdf_text
from tests.fixtures.hostile_pdfs import MB, PeakRss, inflating_pdf

ROOT = Path(__file__).resolve().parents[2]
ENDLESS_PARSER = ROOT / "tests" / "fixtures" / "endless_parser.py"
ROOMY = Limits(max_memory=512 * MB, timeout=60, max_pages=100, max_output=MB)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # 300 MB of content in ~300 KB: PDFium needs ~620 MB to read it.
    return inflating_pdf(300 * MB)


def no_children_left() -> bool:
    """Whether no parser process of this process that was given a file is still running (the suite's own
    servers, their own parser processes and the browser's helpers may come and go beside it; the
    processes that fork parsers wait for files). A parse's watcher ends just after its answer: a few
    seconds are allowed for that."""
    scripts = (Path(untrusted.CHILD).name, ENDLESS_PARSER.name)

    def is_parser(child: psutil.Process) -> bool:
        try:
            return child.status() != psutil.STATUS_ZOMBIE and any(
                script in part for part in child.cmdline() for script in scripts
            )
        except psutil.Error:
            return False

    for _ in range(50):
        waiting = untrusted_forker.waiting_children()
        if not any(
            is_parser(child)
            for child in psutil.Process().children(recursive=True)
            if child.pid not in waiting
        ):
            return True
        time.sleep(0.1)
    return False


def test_the_text_layer_and_page_count_of_a_pdf_are_read():
    pdf = text_pdf(
        "Quyết định", ["Điều 1. Ban hành Quy chế làm việc.", "Điều 2. Hiệu lực."], page_per_paragraph=True
    )

    text = pdf_text(io.BytesIO(pdf), ROOMY)
    pages = pdf_page_count(iter([pdf[:100], pdf[100:]]), ROOMY)

    assert text.failure is None and "Quy chế làm việc" in text.output and "Hiệu lực" in text.output
    assert (pages.failure, pages.output) == (None, "2")


def test_the_visible_box_of_each_page_is_read():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    landscape = writer.add_blank_page(842, 595)
    landscape.cropbox = pypdf.generic.RectangleObject((20, 30, 800, 580))
    pdf = io.BytesIO()
    writer.write(pdf)

    boxes = pdf_page_boxes(io.BytesIO(pdf.getvalue()), ROOMY)

    assert boxes.failure is None
    assert [[float(v) for v in line.split()] for line in boxes.output.splitlines()] == [
        [0, 0, 595, 842],
        [20, 30, 800, 580],
    ]


def test_a_broken_pdf_is_unreadable_with_pdfiums_reason():
    parsed = pdf_text(io.BytesIO(b"%PDF-1.7 broken"), ROOMY)

    assert (parsed.failure, parsed.output) == (Failure.UNREADABLE, "")
    assert "Failed to load document" in parsed.reason


def test_the_child_over_its_memory_limit_dies_and_the_server_stays_small(bomb):
    # Time enough for any machine, however loaded: only the memory limit can stop this parse.
    with PeakRss() as peak:
        parsed = pdf_text(
            io.BytesIO(bomb), Limits(max_memory=256 * MB, timeout=600, max_pages=10, max_output=MB)
        )

    assert (parsed.failure, parsed.output) == (Failure.TOO_LARGE, "")
    assert "memory limit of 268435456 bytes" in parsed.reason
    # Stated bound: this process grows by less than 200 MB (reading the bomb in it took ~620 MB).
    assert peak.growth < 200 * MB
    assert no_children_left()


def test_the_child_over_its_time_is_killed(monkeypatch):
    # A child that never ends, however fast the machine: only the clock stops it.
    monkeypatch.setattr(untrusted, "CHILD", str(ENDLESS_PARSER))

    parsed = pdf_text(io.BytesIO(text_pdf("Công văn")), Limits(512 * MB, 0.5, max_pages=10, max_output=MB))

    assert (parsed.failure, parsed.output) == (Failure.TIMED_OUT, "")
    assert parsed.reason == "not finished within 0.5 s"
    assert no_children_left()


def test_text_stops_at_the_page_and_output_limits():
    pages = [f"Trang {n}: " + "quy định chung " * 200 for n in range(1, 4)]
    pdf = text_pdf("Quy chế", pages, page_per_paragraph=True)

    two_pages = pdf_text(io.BytesIO(pdf), Limits(512 * MB, 60, max_pages=2, max_output=MB))
    short = pdf_text(io.BytesIO(pdf), Limits(512 * MB, 60, max_pages=100, max_output=1024))
    counted = pdf_page_count(io.BytesIO(pdf), Limits(512 * MB, 60, max_pages=2, max_output=MB))

    assert "Trang 2" in two_pages.output and "Trang 3" not in two_pages.output
    assert short.failure is None and 0 < len(short.output.encode("utf-8")) <= 1024
    assert counted.failure == Failure.TOO_LARGE and "3 pages, more than the limit of 2" in counted.reason


def test_the_stream_given_is_left_where_it_was():
    stream = io.BytesIO(text_pdf("Công văn"))
    stream.seek(3)

    pdf_text(stream, ROOMY)

    assert stream.tell() == 3


def pdfium_forker() -> int:
    """This process's forking process for PDFium (other tests in it may have started pyHanko's too)."""
    return untrusted_forker._FORKERS[("pdfium", untrusted.CHILD)].process.pid


def test_each_file_is_read_by_a_process_of_its_own_forked_by_one_that_reads_none(monkeypatch):
    forked = []
    real = untrusted_forker._Forked
    monkeypatch.setattr(untrusted_forker, "_Forked", lambda pid: forked.append(pid) or real(pid))

    first = pdf_text(io.BytesIO(text_pdf("Công văn")), ROOMY)
    forker = pdfium_forker()
    second = pdf_text(io.BytesIO(text_pdf("Quyết định")), ROOMY)

    assert "Công văn" in first.output and "Quyết định" in second.output
    # The same waiting process forked both; each file had a process of its own, gone once it answered.
    assert pdfium_forker() == forker and forker in untrusted_forker.waiting_children()
    assert len(set(forked)) == 2 and forker not in forked
    assert not any(psutil.pid_exists(pid) for pid in forked)
    assert no_children_left()


def test_a_forking_process_that_died_is_replaced_and_the_parse_still_answers():
    pdf_page_count(io.BytesIO(text_pdf("Công văn")), ROOMY)
    forker = pdfium_forker()
    psutil.Process(forker).kill()
    psutil.Process(forker).wait(10)

    parsed = pdf_page_count(io.BytesIO(text_pdf("Quyết định")), ROOMY)

    assert (parsed.failure, parsed.output) == (None, "1")
    assert pdfium_forker() != forker


GEVENT_SCRIPT = """
from gevent import monkey
monkey.patch_all()
import io, json, sys
import gevent
from eoffice import untrusted, untrusted_forker
from eoffice.untrusted import Limits, pdf_text
from tests.fixtures.hostile_pdfs import MB, inflating_pdf

bomb = inflating_pdf(300 * MB)
ticks = []

def tick():
    while True:
        gevent.sleep(0.01)
        ticks.append(1)

ticker = gevent.spawn(tick)
forked = []
real_forked = untrusted_forker._Forked
untrusted_forker._Forked = lambda pid: forked.append(pid) or real_forked(pid)
results = {}
for name, child, limits in [
    # Time enough for any machine: only the memory limit stops the bomb.
    ("memory", untrusted.CHILD, Limits(max_memory=256 * MB, timeout=600, max_pages=10, max_output=MB)),
    # A child that never ends: only the clock stops it.
    ("time", ENDLESS_PARSER, Limits(max_memory=512 * MB, timeout=0.5, max_pages=10, max_output=MB)),
]:
    untrusted.CHILD = child
    before = len(ticks)
    parsed = pdf_text(io.BytesIO(bomb), limits)
    # Read before this greenlet yields: ticks counted here happened while the parser ran.
    results[name] = {"failure": parsed.failure, "ticks_meanwhile": len(ticks) - before}
# The forking process outlives the file it was given, as it does without gevent.
untrusted.CHILD = untrusted._OWN_CHILD
forker = untrusted_forker._FORKERS[("pdfium", untrusted.CHILD)].process
small = pdf_text(
    io.BytesIO(b"%PDF-1.7 not really"), Limits(max_memory=256 * MB, timeout=60, max_pages=10, max_output=MB)
)
results["forking"] = {
    "forked": len(forked),
    "same_forker": untrusted_forker._FORKERS[("pdfium", untrusted.CHILD)].process is forker,
    "alive": forker.poll() is None,
    "answered": small.failure,
}
ticker.kill()
json.dump(results, sys.stdout)
"""


def test_under_gevent_the_limits_hold_and_other_greenlets_run_meanwhile():
    # A process of its own: monkey-patching cannot be undone in this one.
    done = subprocess.run(
        [sys.executable, "-c", f"ENDLESS_PARSER = {str(ENDLESS_PARSER)!r}\n{GEVENT_SCRIPT}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["memory"]["failure"] == "too_large" and results["time"]["failure"] == "timed_out"
    assert results["memory"]["ticks_meanwhile"] > 0 and results["time"]["ticks_meanwhile"] > 0
    # Both real parses were forked by one forking process, still waiting for the next file: gevent's
    # non-blocking sockets once made it die on its first read, and every parse started an interpreter.
    assert results["forking"] == {"forked": 2, "same_forker": True, "alive": True, "answered": "unreadable"}
