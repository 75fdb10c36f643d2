"""Benchmark: what reading a PDF in the bounded child process (eoffice/untrusted.py) costs per call.

Reads the text of a one-page PDF N times through the child, and N times with PDFium in this process
(as before the child existed), and prints the wall time and CPU per call of each; the difference is
the child's overhead (an interpreter start and one import of PDFium). Wall times depend on what else
the machine runs; the CPU figures less so.

    python bench/untrusted_parser.py --calls 50
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eoffice.pdfgen import text_pdf  # noqa: E402
from eoffice.untrusted import Limits, pdf_text  # noqa: E402


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    calls = parser.parse_args().calls
    pdf = text_pdf("Quyết định", ["Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc."])
    limits = Limits(max_memory=512 * 1024 * 1024, timeout=30, max_pages=2000, max_output=1024 * 1024)

    pdf_text(io.BytesIO(pdf), limits)
    started, children = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    for _ in range(calls):
        assert pdf_text(io.BytesIO(pdf), limits).failure is None
    child_wall = (time.perf_counter() - started) / calls * 1000
    child_cpu = (_cpu(resource.RUSAGE_CHILDREN) - children) / calls * 1000

    import pypdfium2

    started, own = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    for _ in range(calls):
        document = pypdfium2.PdfDocument(pdf)
        document[0].get_textpage().get_text_range()
        document.close()
    inline_wall = (time.perf_counter() - started) / calls * 1000
    inline_cpu = (_cpu(resource.RUSAGE_SELF) - own) / calls * 1000

    print(f"{calls} calls, one-page PDF of {len(pdf)} bytes")
    print(f"child process:  {child_wall:6.1f} ms wall, {child_cpu:6.1f} ms CPU of the child per call")
    print(f"in process:     {inline_wall:6.1f} ms wall, {inline_cpu:6.1f} ms CPU per call")
    print(f"overhead:       {child_wall - inline_wall:6.1f} ms wall per call")


if __name__ == "__main__":
    main()
