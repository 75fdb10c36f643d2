"""PDFs made range-friendly ("fast web view"): qpdf --linearize puts page 1 and what it needs first, with
hint tables, so that a viewer reading by HTTP ranges shows the first page before the rest has arrived.

Before that, a flat page tree (ReportLab's and qpdf's own output: every page under the one /Pages node) is
made balanced, at most FANOUT kids per node. pdf.js checks the last page on opening and walks the tree to
it: under one flat node it reads every page object, scattered over the whole linearised file, whereas
under small /Pages nodes (kept together near the end of the file) it reads only those nodes. qpdf keeps
the tree it is given but cannot build one, so the new nodes come from its JSON (--json, then
--update-from-json on the same run as --linearize).

qpdf runs as a child bounded in wall time, CPU time and memory (prlimit, where the system has it), in a
folder of its own, with no environment of the server's; whatever goes wrong, the original is kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

QPDF = "qpdf"
# A signature covers the file's exact bytes (/ByteRange): rewriting them would break it.
_SIGNED = b"/ByteRange"
_SCAN_CHUNK = 1024 * 1024
# Kids per /Pages node: pdf.js reads at most this many small nodes per level on its way to a page.
FANOUT = 32
# Attributes a page takes from its nearest ancestor that has them (PDF 32000-1, 7.7.3.4).
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
# The description of a PDF is read into the server's memory: past this (thousands of pages of thousands of
# objects) the tree stays as it is rather than the process growing.
_MAX_DESCRIPTION = 8 * 1024 * 1024


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


def _bounded(command: list[str], timeout: float, max_memory: int, max_output: int | None = None) -> list[str]:
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return command
    limits = [f"--as={max_memory}", f"--cpu={math.ceil(timeout)}"]
    if max_output is not None:
        limits.append(f"--fsize={max_output}")
    return [prlimit, *limits, "--", *command]


def balanced_page_tree(described: dict[str, Any], fanout: int = FANOUT) -> dict[str, Any] | None:
    """The qpdf JSON update (for --update-from-json) that hangs the pages of a PDF described by
    `qpdf --json=2 --json-key=pages --json-key=qpdf` under /Pages nodes of at most `fanout` kids, in the
    same order, each page holding the attributes it inherited; None when the tree is already so bounded
    or is one this does not rewrite (a page listed twice, a /Parent chain that loops or breaks)."""
    header, objects = described["qpdf"]
    pages = [entry["object"] for entry in described["pages"]]
    if len(pages) <= fanout or len(set(pages)) != len(pages):
        return None
    if all(len(value.get("/Kids", ())) <= fanout for value in _dictionaries(objects)):
        return None
    updated: dict[str, Any] = {}
    for ref in pages:
        page = _dictionary(objects, ref)
        if page is None:
            return None
        inherited = _inherited(objects, page)
        if inherited is None:
            return None
        updated[ref] = {**inherited, **page}
    root = _root_pages(objects)
    if root is None:
        return None
    next_id = header["maxobjectid"] + 1
    level = pages
    while True:
        groups = [level[start : start + fanout] for start in range(0, len(level), fanout)]
        if len(groups) == 1:
            break
        parents = []
        for group in groups:
            ref = f"{next_id} 0 R"
            next_id += 1
            updated[ref] = {"/Type": "/Pages", "/Kids": group, "/Count": _count(updated, group)}
            parents.append(ref)
        for group, parent in zip(groups, parents, strict=True):
            for kid in group:
                updated[kid]["/Parent"] = parent
        level = parents
    root_ref, root_value = root
    for kid in level:
        updated[kid]["/Parent"] = root_ref
    updated[root_ref] = {**root_value, "/Kids": level, "/Count": len(pages)}
    header = {
        "jsonversion": 2,
        "pushedinheritedpageresources": False,
        "calledgetallpages": False,
        "maxobjectid": header["maxobjectid"],
    }
    return {"qpdf": [header, _as_objects(updated)]}


def _dictionaries(objects: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in objects.values():
        if isinstance(entry, dict) and isinstance(entry.get("value"), dict):
            yield entry["value"]


def _dictionary(objects: dict[str, Any], ref: Any) -> dict[str, Any] | None:
    entry = objects.get(f"obj:{ref}") if isinstance(ref, str) else None
    value = entry.get("value") if isinstance(entry, dict) else None
    return value if isinstance(value, dict) else None


def _ancestors(objects: dict[str, Any], page: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]] | None]:
    """The /Pages nodes above a page, nearest first; None where the chain loops or breaks."""
    seen: set[str] = set()
    ref = page.get("/Parent")
    while ref is not None:
        node = _dictionary(objects, ref)
        if node is None or ref in seen:
            yield None
            return
        seen.add(ref)
        yield ref, node
        ref = node.get("/Parent")


def _inherited(objects: dict[str, Any], page: dict[str, Any]) -> dict[str, Any] | None:
    inherited: dict[str, Any] = {}
    for ancestor in _ancestors(objects, page):
        if ancestor is None:
            return None
        for key in _INHERITED:
            if key in ancestor[1] and key not in page:
                inherited.setdefault(key, ancestor[1][key])
    return inherited


def _root_pages(objects: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    trailer = objects.get("trailer", {}).get("value", {})
    catalog = _dictionary(objects, trailer.get("/Root")) or {}
    ref = catalog.get("/Pages")
    node = _dictionary(objects, ref)
    return (ref, node) if node is not None else None


def _count(updated: dict[str, Any], kids: list[str]) -> int:
    return sum(updated[kid].get("/Count", 1) if updated[kid].get("/Type") == "/Pages" else 1 for kid in kids)


def _as_objects(values: dict[str, Any]) -> dict[str, Any]:
    return {f"obj:{ref}": {"value": value} for ref, value in values.items()}


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
        linearize = [QPDF, "--linearize"]
        if (update := _page_tree_update(given, work, timeout, max_memory)) is not None:
            linearize.append(f"--update-from-json={update}")
        bounded = _bounded([*linearize, "--", str(given), str(output)], timeout, max_memory)
        if not _run(bounded, work, timeout, "linearise"):
            yield None
            return
        with output.open("rb") as result:
            yield result


def _page_tree_update(given: Path, work: Path, timeout: float, max_memory: int) -> Path | None:
    """The file of the update that balances the PDF's page tree; None when it needs none or qpdf could not
    describe the PDF (then it is linearised as it is)."""
    described = work / "described.json"
    command = [QPDF, "--json=2", "--json-key=pages", "--json-key=qpdf", "--json-stream-data=none", str(given)]
    with described.open("wb") as written:
        bounded = _bounded(command, timeout, max_memory, _MAX_DESCRIPTION)
        if not _run(bounded, work, timeout, "describe", stdout=written):
            return None
    if described.stat().st_size >= _MAX_DESCRIPTION:
        log.warning("a PDF's description passes %d bytes: its page tree is kept as it is", _MAX_DESCRIPTION)
        return None
    with described.open("rb") as read:
        try:
            update = balanced_page_tree(json.load(read))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("qpdf described a PDF in a way not understood (%r): its page tree is kept", error)
            return None
    described.unlink()
    if update is None:
        return None
    path = work / "page-tree.json"
    path.write_text(json.dumps(update))
    return path


def _run(command: list[str], work: Path, timeout: float, task: str, stdout: BinaryIO | None = None) -> bool:
    try:
        process = subprocess.Popen(
            command,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "TMPDIR": str(work)},
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=stdout or subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        log.warning("qpdf is not installed: PDFs are stored as uploaded, not linearised")
        return False
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("qpdf did not %s a PDF within %g s", task, timeout)
        return False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # 3 is "succeeded with warnings": a damaged file qpdf repaired as it could; the original is safer.
    if process.returncode != 0:
        log.warning(
            "qpdf could not %s a PDF (exit status %s): %s",
            task,
            process.returncode,
            errors.decode("utf-8", "replace")[-1000:],
        )
        return False
    return True
