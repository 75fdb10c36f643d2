"""Registration under load for bench/documents_scale.py: concurrent clerks over kept-alive
connections, the CPU each document cost, and when its PDF's text became searchable."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import uuid

import psutil
import sqlalchemy as sa

from bench.documents_data import one_megabyte_pdf


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class CpuMeter:
    """CPU seconds spent by named process trees (the server, the text worker), all of PostgreSQL's
    processes, this load generator and the whole machine.

    PostgreSQL's are all its processes (the server's pooled connections live through the run);
    the machine's includes whatever else runs, so that a busy neighbour shows.
    """

    def __init__(self, roots: dict[str, int]):
        self._roots = {name: psutil.Process(pid) for name, pid in roots.items()}

    def sample(self) -> dict[str, float]:
        postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] in ("postgres", "postmaster")]
        machine = psutil.cpu_times()
        return {
            **{
                name: cpu_seconds([root, *root.children(recursive=True)])
                for name, root in self._roots.items()
            },
            "PostgreSQL": cpu_seconds(postgres),
            "load generator": cpu_seconds([psutil.Process()]),
            "machine": machine.user + machine.nice + machine.system + machine.irq + machine.softirq,
        }


class IndexingWatch:
    """When the text of each registered document's PDF became searchable: the queue of the text
    worker (document_text_extractions) is read every 50 ms, and a document gone from it is indexed."""

    def __init__(self, url: str):
        self._engine = sa.create_engine(url)
        self.answered: dict[int, float] = {}  # document id: when its 201 came
        self.indexed: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        with self._engine.connect() as db:
            while not self._stop.wait(0.05):
                asked = time.perf_counter()
                queued = set(db.scalars(sa.text("SELECT document_id FROM document_text_extractions")))
                db.rollback()
                for document_id, answered in list(self.answered.items()):
                    if answered < asked and document_id not in queued and document_id not in self.indexed:
                        self.indexed[document_id] = asked

    def wait_for_all(self, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while len(self.indexed) < len(self.answered) and time.perf_counter() < deadline:
            time.sleep(0.05)
        return len(self.indexed) == len(self.answered)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


def registration_body(index: int, pdf: bytes, boundary: str) -> list[bytes]:
    """A clerk's multipart request in three pieces: the 1 MB PDF is sent as it is, never copied."""
    metadata = {
        "issuer_id": "000.00.98.H49",
        "issuer_name": "Sở Nội vụ tỉnh Quảng Nam",
        "document_type": "CV",
        "number": 100000 + index,
        "notation": "SNV-TCBC",
        "issued_date": "2026-11-20",
        "subject": f"Công văn số {index} về việc tuyển dụng",
        "urgency": "normal",
        "confidentiality": "none",
    }
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="metadata"\r\n'
        "Content-Type: application/json\r\n\r\n"
        f"{json.dumps(metadata)}\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="cv-{index}.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return [head, pdf, f"\r\n--{boundary}--\r\n".encode()]


def register_documents(
    port: int,
    authorization: str,
    pdfs: list[bytes],
    indexes: list[int],
    clients: int,
    answered: dict[int, float] | None = None,
) -> list[int]:
    """Register one document per index from `clients` threads, each on its own kept-alive connection.

    The arrival numbers given; `answered`, if given, gets each document's id and when its 201 came.
    """
    boundary = uuid.uuid4().hex
    pending = iter(indexes)
    lock = threading.Lock()
    numbers: list[int] = []
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            while not failures:
                with lock:
                    index = next(pending, None)
                if index is None:
                    return
                body = registration_body(index, pdfs[index % len(pdfs)], boundary)
                connection.request(
                    "POST",
                    "/api/v1/documents/incoming",
                    body=iter(body),
                    headers={
                        "Authorization": authorization,
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                        "Content-Length": str(sum(map(len, body))),
                    },
                )
                response = connection.getresponse()
                answer = response.read()
                if response.status != 201:
                    failures.append(f"{response.status}: {answer[:300]!r}")
                    return
                document = json.loads(answer)
                with lock:
                    numbers.append(document["arrival_number"])
                    if answered is not None:
                        answered[document["id"]] = time.perf_counter()
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"registration failed: {failures[0]}")
    return numbers


def measure_registration(
    url: str, port: int, authorization: str, uploads: int, clients: int, processes: dict[str, int]
) -> None:
    pdfs = [one_megabyte_pdf(i) for i in range(8)]
    # A first round, not counted, opens the server's database connections and warms its caches.
    warm_up_indexes = list(range(uploads, uploads + 2 * clients))
    warm_up = register_documents(port, authorization, pdfs, warm_up_indexes, clients)
    background = "text worker" in processes
    watch = IndexingWatch(url) if background else None
    meter = CpuMeter(processes)
    before = meter.sample()
    started = time.perf_counter()
    indexes = list(range(uploads))
    numbers = register_documents(
        port, authorization, pdfs, indexes, clients, watch.answered if watch else None
    )
    elapsed = time.perf_counter() - started
    after = meter.sample()
    every = sorted(warm_up + numbers)
    consecutive = every == list(range(every[0], every[0] + len(every)))
    print(
        f"registration with a 1 MB PDF, {clients} clients: {len(numbers) / elapsed:.0f} documents/s "
        f"({len(numbers)} in {elapsed:.1f} s; arrival numbers consecutive: {consecutive})"
    )

    def cpu_line(spent: dict[str, float], seconds: float) -> str:
        return (
            ", ".join(f"{name} {spent[name] / len(numbers) * 1000:.1f} ms" for name in spent)
            + f"; the machine was busy {spent['machine'] / seconds:.2f} of {psutil.cpu_count()} cores"
        )

    print("  CPU per document: " + cpu_line({name: after[name] - before[name] for name in before}, elapsed))
    if watch is None:
        return
    finished = time.perf_counter()
    complete = watch.wait_for_all(timeout=600)
    drained = time.perf_counter()
    watch.close()
    lags = sorted(watch.indexed[document_id] - watch.answered[document_id] for document_id in watch.indexed)
    p95 = lags[max(0, int(len(lags) * 0.95) - 1)]
    print(
        f"  PDF text searchable after the 201: p50 {statistics.median(lags):.1f} s, p95 {p95:.1f} s, "
        f"max {lags[-1]:.1f} s; every text indexed {drained - finished:.1f} s after the last registration"
        + ("" if complete else f" (gave up: {len(watch.answered) - len(watch.indexed)} still queued)")
    )
    total = meter.sample()
    print(
        "  CPU per document until then: "
        + cpu_line({name: total[name] - before[name] for name in before}, drained - started)
    )
