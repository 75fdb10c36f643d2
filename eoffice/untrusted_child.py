"""The child process of eoffice.untrusted: limits itself, then parses one untrusted file from its stdin.

Run as a script (`python -I eoffice/untrusted_child.py <task> <memory> <cpu seconds> <pages> <output>
[task arguments]`), never imported by the server: it needs nothing of eoffice but, for pdf_signatures,
eoffice/signing/verify.py loaded alone. The server starts it ahead of its file
(`untrusted_child.py --wait <pdfium|signatures> <fd>`): it imports its parser, then waits for those
arguments as one JSON line on the pipe <fd>, so that a request does not wait for an interpreter and
its imports; it still reads one file and ends. The file arrives on stdin (a regular file, so PDFium
seeks in it instead of getting a copy in memory); stdout gets one line naming the outcome (ok,
too_large, unreadable), then the text or the reason, never more than the output limit.

`untrusted_child.py --fork <kind> <fd>` is the waiting process the server keeps instead
(serve_forks): it imports its parser once, never reads a file itself, and forks a process for each
file it is sent, which reads that file and ends as above. The first parse of a kind waits for those
imports; none after it does, however close together the files come.
"""

from __future__ import annotations

import functools
import json
import math
import os
import resource
import signal
import socket
import sys
import traceback


def limit_self(max_memory: int, cpu_seconds: int, max_output: int) -> None:
    """Set before the input is touched: over them the kernel refuses memory or ends the process."""
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    # SIGXCPU ends the process at the soft limit; the hard one kills it if SIGXCPU were ignored. The
    # limit counts from the start of the process: a child started ahead has spent some on its imports.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = math.ceil(usage.ru_utime + usage.ru_stime)
    resource.setrlimit(resource.RLIMIT_CPU, (spent + cpu_seconds, spent + cpu_seconds + 1))
    # The outcome line and its reason fit in the margin; past it SIGXFSZ ends the process.
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_output + 4096, max_output + 4096))
    # A parser aborting over its memory limit must not write a core file of that size.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


PAGE_BREAK = "\f"


def pdf_text(document, max_pages: int, max_output: int) -> str:
    """The text of the first max_pages pages, a form feed between pages (as pdftotext writes it: the
    OCR step sees which pages are scans), cut at max_output bytes of UTF-8."""
    parts: list[str] = []
    size = 0
    for index in range(min(len(document), max_pages)):
        page = document[index]
        text_page = page.get_textpage()
        chunk = text_page.get_text_range()
        text_page.close()
        page.close()
        parts.append(chunk)
        size += len(chunk.encode("utf-8")) + 1
        if size >= max_output:
            break
    return PAGE_BREAK.join(parts).encode("utf-8")[:max_output].decode("utf-8", "ignore")


def pdf_pages(document, max_pages: int, boxes: bool = False) -> str:
    """The page count; with boxes, each page's visible box instead, one "left bottom right top" line a page
    (the crop box, which defaults to the media box: what a viewer such as pdf.js shows)."""
    pages = len(document)
    if pages > max_pages:
        raise OverLimit(f"the PDF has {pages} pages, more than the limit of {max_pages}")
    if not boxes:
        return str(pages)
    lines = []
    for index in range(pages):
        page = document[index]
        lines.append(" ".join(str(value) for value in page.get_cropbox()))
        page.close()
    return "\n".join(lines)


def pdf_text_box(document, max_pages: int, page_index: int, text: str) -> str:
    """The box (left bottom right top, points) of the last place `text` is printed on a page, or ""."""
    pdf_pages(document, max_pages)
    text_page = document[page_index % len(document)].get_textpage()
    searcher = text_page.search(text, match_case=True)
    found = last = searcher.get_next()
    while found is not None:
        last, found = found, searcher.get_next()
    if last is None:
        return ""
    first_char, count = last
    boxes = [text_page.get_charbox(first_char + offset) for offset in range(count)]
    return " ".join(
        str(value)
        for value in (
            min(box[0] for box in boxes),
            min(box[1] for box in boxes),
            max(box[2] for box in boxes),
            max(box[3] for box in boxes),
        )
    )


def pdf_signatures(content: bytes, trust_file: str) -> str:
    """Every signature of the PDF validated (JSON), against the trust roots and CRLs in trust_file.

    eoffice/signing/verify.py is loaded by its path, alone: importing the eoffice package would build
    nothing of use here and cost the memory and time the limits are for.
    """
    verify = _verify_module()
    with open(trust_file, encoding="utf-8") as given:
        trust = json.load(given)
    try:
        return json.dumps(verify.validate_signatures(content, **trust))
    except verify.NotAPdf as exc:
        raise Unreadable(str(exc)) from exc


@functools.cache
def _verify_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent / "signing" / "verify.py"
    spec = importlib.util.spec_from_file_location("signature_verify", path)
    verify = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(verify)
    return verify


def _import_parser(kind: str) -> None:
    if kind == "signatures":
        _verify_module()
    else:
        import pypdfium2  # noqa: F401 - imported now, ahead of the file


def wait_for_request(kind: str, control: int) -> list[str] | None:
    """Started ahead of its file: import the parser of `kind` now, then wait for the request line (the
    arguments of a call, as JSON); None when the server closed the pipe without sending one.

    The file is on stdin by the time the line comes, written by the server after this started.
    """
    _import_parser(kind)
    with os.fdopen(control, "rb") as requests:
        line = requests.readline(64 * 1024)
    if not line:
        return None
    os.lseek(0, 0, os.SEEK_SET)
    return [str(item) for item in json.loads(line)]


class Unreadable(Exception):
    """The file is not what the task reads (not a PDF, encrypted): the message says why."""


class OverLimit(Exception):
    """The file is readable but larger than a limit the parser checks itself (pages)."""


# A request to serve_forks: the call's arguments as JSON, with four descriptors: the file (stdin of
# the parse), its stdout and stderr, and the socket on which the process's id and exit status go back.
MAX_REQUEST = 64 * 1024
REQUEST_FDS = 4


def serve_forks(kind: str, control: int) -> int:
    """Import the parser of `kind`, then fork a process for each request on the socket `control`.

    This process never reads a file: the forked one does, with its limits set first, exactly as a
    child started for one file would (`parse`). Between the two a watcher process waits for it and
    sends back its id and its exit status (a signal as its negative number), so that the server can
    end it and tell why it ended. Returns when the server closes its end (or dies).
    """
    _import_parser(kind)
    # A server under gevent makes its sockets non-blocking, and the flag travels with the descriptor:
    # this process, and each watcher's reply socket, wait the plain way.
    os.set_blocking(control, True)
    channel = socket.socket(fileno=control)
    # The watchers are reaped by the kernel: nothing here waits for them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        message, fds, _flags, _address = socket.recv_fds(channel, MAX_REQUEST, REQUEST_FDS)
        if not message:
            return 0
        if len(fds) == REQUEST_FDS and os.fork() == 0:
            channel.close()
            _watch(message, *fds)
        for fd in fds:
            os.close(fd)


def _watch(message: bytes, given: int, output: int, errors: int, reply: int) -> None:
    """The watcher: fork the process that parses, tell the server its id, wait, tell its exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.set_blocking(reply, True)
    parser = os.fork()
    if parser == 0:
        os.close(reply)
        for fd, standard in ((given, 0), (output, 1), (errors, 2)):
            os.dup2(fd, standard)
            os.close(fd)
        os.lseek(0, 0, os.SEEK_SET)
        status = 1
        try:
            status = parse([str(item) for item in json.loads(message)])
        except BaseException:  # noqa: BLE001 - as an uncaught exception would: on stderr, status 1
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    for fd in (given, output, errors):
        os.close(fd)
    try:
        os.write(reply, b"%d\n" % parser)
        _, status = os.waitpid(parser, 0)
        os.write(reply, b"%d\n" % os.waitstatus_to_exitcode(status))
    except OSError:
        pass  # the server stopped waiting (it killed the parse, or it is gone)
    os._exit(0)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--fork"]:
        return serve_forks(argv[1], int(argv[2]))
    if argv[:1] == ["--wait"]:
        request = wait_for_request(argv[1], int(argv[2]))
        if request is None:
            return 0
        argv = request
    return parse(argv)


def parse(argv: list[str]) -> int:
    """One file on stdin: limits set first, then the task; the outcome line and the output on stdout."""
    task, max_memory, cpu_seconds, max_pages, max_output = argv[0], *map(int, argv[1:5])
    arguments = argv[5:]
    limit_self(max_memory, cpu_seconds, max_output)
    out = sys.stdout.buffer
    try:
        if task == "pdf_signatures":
            # pyHanko reads the PDF itself; PDFium is not involved.
            result = pdf_signatures(sys.stdin.buffer.read(), arguments[0])
        else:
            result = _with_pdfium(task, max_pages, max_output, arguments)
    except Unreadable as exc:
        out.write(b"unreadable\n" + str(exc).encode("utf-8")[:1000])
    except OverLimit as exc:
        out.write(b"too_large\n" + str(exc).encode("utf-8"))
    except MemoryError:
        out.write(b"too_large\n" + f"needed more than the memory limit of {max_memory} bytes".encode())
    else:
        out.write(b"ok\n" + result.encode("utf-8"))
    return 0


def _with_pdfium(task: str, max_pages: int, max_output: int, arguments: list[str]) -> str:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(sys.stdin.buffer)
    except pypdfium2.PdfiumError as exc:
        raise Unreadable(str(exc)) from exc
    if task == "pdf_text":
        return pdf_text(document, max_pages, max_output)
    if task == "pdf_pages":
        return pdf_pages(document, max_pages, boxes=arguments[:1] == ["boxes"])
    if task == "pdf_text_box":
        return pdf_text_box(document, max_pages, int(arguments[0]), arguments[1])
    raise Unreadable(f"unknown task {task[:100]}")


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # The interpreter's own shutdown (finalising PDFium's or pyHanko's modules) took several times
    # the parse itself; this process holds nothing that needs it: its output is written and flushed.
    os._exit(status)
