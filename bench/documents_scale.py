"""Benchmark: the document flow at provincial scale, measured through the production server.

1. Seeds PostgreSQL with N documents (default 1,000,000) spread over 256 agencies and 8,192 users,
   with assignments, participants and searchable text, straight in SQL.
2. Starts the server that answers /api/ in production on that database: the API workers of
   `make serve` (`gunicorn -c gunicorn_api.conf.py wsgi:app`), or with `--server live` the single
   Socket.IO process (`gunicorn -c gunicorn.conf.py wsgi:app`). Measures over HTTP: the first page of
   a specialist's default incoming list, of a clerk's list of everything, and full-text queries of
   common and of rare words, by a clerk and by a platform admin (p50/p95 of sequential requests).
3. Registers incoming documents with a 1 MB PDF through the API from concurrent clients and prints
   documents/s, with the CPU each document cost the server, PostgreSQL and the load generator.

The load generator runs on the same 2 cores as the server and PostgreSQL: it sends prebuilt
request bodies over kept-alive connections (http.client) so that it takes little of them.

    python bench/documents_scale.py --documents 1000000 --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENCIES = 256
USERS_PER_AGENCY = 32  # 1 clerk, 2 leaders, 29 specialists
PASSWORD = "bench-password"


def vocabulary() -> list[str]:
    """The syllables of bench/vietnamese_subjects.txt, most frequent first (ties: first seen first)."""
    counts: dict[str, int] = {}
    for line in (ROOT / "bench" / "vietnamese_subjects.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for word in re.findall(r"[^\W\d_]+", line.lower().replace("v/v", "về việc")):
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda word: -counts[word])


# Subjects are drawn word by word with Zipf's law over these ranks (the word of rank r with a
# weight of about 1/r), as words are in real text: a few words are in most subjects, most are rare.
WORDS = vocabulary()
# Query words: the 12 most frequent each occur in 13-50 % of the subjects; from rank 150 on, a word
# occurs in under 1 % (0.5 % for the last).
COMMON_WORDS = WORDS[:12]
RARE_FROM_RANK = 150


def search_queries(engine: sa.Engine, agency_id: str, count: int) -> tuple[list[str], list[str]]:
    """(common, rare) two-word queries: two of the most frequent words; or a rare word with another word
    of the same subject (an existing subject of the agency, so that the query finds something)."""
    common = [" ".join(random.sample(COMMON_WORDS, 2)) for _ in range(count)]
    rank = {word: index for index, word in enumerate(WORDS)}
    with engine.connect() as db:
        subjects = db.scalars(
            sa.text("SELECT subject FROM documents WHERE agency_id = :agency ORDER BY random() LIMIT 2000"),
            {"agency": agency_id},
        ).all()
    rare = []
    for subject in subjects:
        words = [word for word in dict.fromkeys(subject.split()) if word in rank]
        if not words:
            continue  # a document registered by an earlier run of this benchmark
        rarest = max(words, key=rank.__getitem__)
        if len(words) > 1 and rank[rarest] >= RARE_FROM_RANK:
            other = random.choice([word for word in words if word != rarest])
            rare.append(" ".join(random.sample([rarest, other], 2)))
    return common, rare[:count]


def seed(url: str, documents: int) -> None:
    from eoffice.accounts.passwords import hash_password
    from eoffice.documents.fulltext import fold

    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(
            sa.text("""
            INSERT INTO agencies (id, name, abbreviation, created_at)
            SELECT '000.' || lpad((i / 100)::text, 2, '0') || '.' || lpad((i % 100)::text, 2, '0') || '.H49',
                   'Cơ quan số ' || i, 'CQ' || i, now()
            FROM generate_series(0, :n - 1) i"""),
            {"n": AGENCIES},
        )
        db.execute(
            sa.text("""
            INSERT INTO units (agency_id, name, abbreviation, created_at)
            SELECT a.id, 'Phòng ' || u, 'P' || u, now() FROM agencies a, generate_series(1, 4) u""")
        )
        db.execute(
            sa.text("""
            INSERT INTO users (id, username, password_hash, full_name, email, agency_id, unit_id, language,
                               is_active, is_platform_admin, created_at, updated_at)
            SELECT a * :per + k + 1, 'u' || a || '.' || k, :hash, 'Người dùng ' || a || '.' || k,
                   'u' || a || '.' || k || '@bench.gov.vn',
                   '000.' || lpad((a / 100)::text, 2, '0') || '.' || lpad((a % 100)::text, 2, '0') || '.H49',
                   a * 4 + (k % 4) + 1, 'vi', true, false, now(), now()
            FROM generate_series(0, :agencies - 1) a, generate_series(0, :per - 1) k"""),
            {"per": USERS_PER_AGENCY, "agencies": AGENCIES, "hash": hash_password(PASSWORD)},
        )
        db.execute(
            sa.text("""
            INSERT INTO user_roles (user_id, role)
            SELECT id, CASE WHEN (id - 1) % :per = 0 THEN 'clerk'
                            WHEN (id - 1) % :per IN (1, 2) THEN 'leader' ELSE 'specialist' END
            FROM users"""),
            {"per": USERS_PER_AGENCY},
        )
        db.execute(sa.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
        # One platform admin (a leader of agency 0 who also administers the platform): searches every agency.
        db.execute(sa.text("UPDATE users SET is_platform_admin = true WHERE username = 'u0.2'"))
        db.execute(
            sa.text(
                "INSERT INTO user_roles (user_id, role) SELECT id, 'admin' FROM users WHERE username = 'u0.2'"
            )
        )
        # Document i belongs to agency i % 256; its handler is specialist 3 + i % 29 of that agency.
        db.execute(sa.text("SELECT setseed(0.2026)"))
        db.execute(
            sa.text("""
            INSERT INTO documents (id, agency_id, direction, status, version, channel, issuer_id, issuer_name,
                document_type, number, notation, issued_date, subject, urgency, confidentiality, language,
                arrival_number, arrival_year, arrival_date, registered_at, is_legal_normative, review_round,
                created_by_id, created_at, updated_at, completed_at, directing_leader_id, series, number_year)
            SELECT i,
                '000.' || lpad(((i % :agencies) / 100)::text, 2, '0') || '.'
                    || lpad(((i % :agencies) % 100)::text, 2, '0') || '.H49',
                CASE WHEN i % 5 = 0 THEN 'outgoing' ELSE 'incoming' END,
                CASE WHEN i % 5 = 0 THEN 'issued'
                     ELSE (ARRAY['completed','completed','completed','completed','completed','completed',
                                 'in_progress','in_progress','assigned','registered','awaiting_direction',
                                 'completed'])[1 + (i / 5) % 12] END,
                1, 'upload', '000.00.99.H49', 'Sở Tài chính tỉnh Quảng Nam',
                CASE WHEN i % 3 = 0 THEN 'QĐ' ELSE 'CV' END, i / :agencies, 'STC-NS',
                DATE '2024-01-01' + (i % 1000),
                (SELECT string_agg(w, ' ') FROM (
                    SELECT (CAST(:words AS text[]))[
                        LEAST(:nwords, floor(power(:nwords + 1, random()))::int)] w
                    FROM generate_series(1, 8 + i % 5) g) s),
                'normal', 'none', 'vi',
                CASE WHEN i % 5 = 0 THEN NULL ELSE i / :agencies END,
                CASE WHEN i % 5 = 0 THEN NULL ELSE 2026 END,
                DATE '2024-01-01' + (i % 1000),
                now() - make_interval(secs => (:n - i) * 60),
                false, 0,
                (i % :agencies) * :per + 1,
                now() - make_interval(secs => (:n - i) * 60), now(),
                CASE WHEN i % 5 <> 0 AND (i / 5) % 12 IN (0,1,2,3,4,5,11) THEN now() END,
                (i % :agencies) * :per + 2,
                CASE WHEN i % 5 = 0 THEN 'general' END,
                CASE WHEN i % 5 = 0 THEN 2026 END
            FROM generate_series(1, :n) i"""),
            {
                "n": documents,
                "agencies": AGENCIES,
                "per": USERS_PER_AGENCY,
                "words": WORDS,
                "nwords": len(WORDS),
            },
        )
        db.execute(sa.text("SELECT setval('documents_id_seq', :n)"), {"n": documents})
        # The counters continue where the seeded numbers stop, as they would have in real use.
        db.execute(
            sa.text("""
            INSERT INTO number_counters (agency_id, year, series, last_number)
            SELECT agency_id, 2026, 'arrival', max(arrival_number) FROM documents
            WHERE arrival_number IS NOT NULL GROUP BY agency_id
            UNION ALL
            SELECT agency_id, 2026, 'general', max(number) FROM documents
            WHERE direction = 'outgoing' GROUP BY agency_id""")
        )
        db.execute(
            sa.text("""
            INSERT INTO document_assignments
                (id, document_id, assigned_by_id, direction_text, deadline, created_at)
            SELECT id, id, (id % :agencies) * :per + 2, 'Giao xử lý',
                   current_date + (id % 30) - 10, created_at
            FROM documents
            WHERE status IN ('assigned', 'in_progress', 'completed') AND direction = 'incoming'"""),
            {"agencies": AGENCIES, "per": USERS_PER_AGENCY},
        )
        db.execute(
            sa.text(
                "SELECT setval('document_assignments_id_seq', (SELECT max(id) FROM document_assignments))"
            )
        )
        db.execute(
            sa.text("""
            INSERT INTO document_assignment_members (assignment_id, role, user_id)
            SELECT id, 'primary', (id % :agencies) * :per + 4 + (id / :agencies) % 29
            FROM document_assignments"""),
            {"agencies": AGENCIES, "per": USERS_PER_AGENCY},
        )
        db.execute(
            sa.text("""
            INSERT INTO document_participants (document_id, user_id, named_at)
            SELECT a.document_id, m.user_id, a.created_at
            FROM document_assignments a JOIN document_assignment_members m ON m.assignment_id = a.id
            UNION ALL
            SELECT id, directing_leader_id, created_at FROM documents WHERE direction = 'incoming'""")
        )
        # Fold the subjects the way the application does (same characters in, same characters out).
        letters = sorted({char for word in WORDS for char in word.lower() if fold(char) != char})
        db.execute(
            sa.text("""
            INSERT INTO document_search (document_id, agency_id, body, file_text)
            SELECT id, agency_id,
                   translate(lower(subject), :source, :target) || ' ' || lpad(number::text, 2, '0')
                       || ' stc ns',
                   ''
            FROM documents"""),
            {"source": "".join(letters), "target": "".join(fold(char) for char in letters)},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def remove_registered(url: str) -> None:
    """Delete the documents the registration step added to a kept database: the next run searches the seed.

    Foreign-key triggers are off for this transaction (faster than firing them row by row), so every
    table that points at the deleted rows is named here.
    """
    registered = "SELECT id FROM documents WHERE issuer_id = '000.00.98.H49'"
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in (
            "document_files",
            "document_participants",
            "document_trace",
            "document_search",
            "document_text_extractions",
        ):
            db.execute(sa.text(f"DELETE FROM {table} WHERE document_id IN ({registered})"))
        db.execute(
            sa.text("DELETE FROM stored_files WHERE id NOT IN (SELECT stored_file_id FROM document_files)")
        )
        db.execute(sa.text(f"DELETE FROM documents WHERE id IN ({registered})"))
    # The deleted rows sit at the newest end of one agency's documents, where its lists and searches
    # start: vacuumed now, as autovacuum would have in time, so the next run does not walk over them.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(sa.text("VACUUM ANALYZE documents, document_search, document_trace, document_files"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def timed_gets(session: requests.Session, url: str, params_list: list[dict]) -> list[float]:
    samples = []
    for params in params_list:
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=60)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return samples


def one_megabyte_pdf(index: int) -> bytes:
    """Three pages of Vietnamese text and a 1 MB attachment: the size of a scanned official letter."""
    from pypdf import PdfReader, PdfWriter

    from eoffice.pdfgen import text_pdf

    pages = text_pdf(f"Công văn số {index}", [" ".join(random.choices(WORDS, k=60)) for _ in range(30)])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages)))
    writer.add_attachment("phu-luc.bin", os.urandom(1024 * 1024 - len(pages)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def measure_reads(url, documents_url, specialist, clerk, admin_session, count: int) -> None:
    timed_gets(specialist, documents_url, [{"direction": "incoming"}] * 5)
    mine = [{"direction": "incoming"}] * count
    everything = [{"direction": "incoming", "status": "all"}] * count
    engine = sa.create_engine(url)
    common, rare = search_queries(engine, "000.00.17.H49", count)
    engine.dispose()
    common_params = [{"q": q, "status": "all"} for q in common]
    rare_params = [{"q": q, "status": "all"} for q in rare]
    for label, session, params in [
        ("specialist, default incoming list, first page", specialist, mine),
        ("clerk, all incoming documents, first page", clerk, everything),
        ("clerk, full-text, 2 common words", clerk, common_params),
        ("clerk, full-text, a rare word and another", clerk, rare_params),
        ("platform admin (all agencies), 2 common words", admin_session, common_params),
        ("platform admin (all agencies), a rare word", admin_session, rare_params),
    ]:
        print(f"{label:48} {percentiles(timed_gets(session, documents_url, params))}")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--uploads", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--only",
        choices=["lists", "registration"],
        nargs="+",
        default=["lists", "registration"],
        help="measure only the lists and searches, or only registration",
    )
    parser.add_argument(
        "--server",
        choices=["api", "live"],
        default="api",
        help="api: the API workers (gunicorn_api.conf.py); live: the Socket.IO process (gunicorn.conf.py)",
    )
    parser.add_argument("--api-workers", type=int, help="EOFFICE_API_WORKERS for --server api")
    parser.add_argument(
        "--text-extraction",
        choices=["background", "inline"],
        default="background",
        help="EOFFICE_TEXT_EXTRACTION: background (the default on PostgreSQL) runs "
        "`flask document-text-worker` beside the server at nice 19, as `make serve` does",
    )
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="seed database NAME once and keep it; later runs with the same NAME measure it again",
    )
    args = parser.parse_args()

    name = args.keep or f"eoffice_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="eoffice-docs-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")}
    env |= {
        "EOFFICE_INSTANCE_PATH": str(workdir),
        "EOFFICE_DATABASE_URL": url,
        "EOFFICE_PORT": str(port),
        "EOFFICE_API_PORT": str(port),
        "EOFFICE_HOST": "127.0.0.1",
        "EOFFICE_LOG_LEVEL": "WARNING",
        "EOFFICE_LOGIN_MAX_FAILURES": "1000",
        "EOFFICE_TEXT_EXTRACTION": args.text_extraction,
    }
    bin_dir = Path(sys.executable).parent
    server = text_worker = None
    try:
        subprocess.run(
            [str(bin_dir / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        if exists:
            print(f"database {name} kept from an earlier run")
        else:
            started = time.perf_counter()
            seed(url, args.documents)
            print(f"seeded {args.documents} documents in {time.perf_counter() - started:.0f} s")
        config = "gunicorn_api.conf.py" if args.server == "api" else "gunicorn.conf.py"
        if args.api_workers:
            env["EOFFICE_API_WORKERS"] = str(args.api_workers)
        print(f"server: gunicorn -c {config} (load average {os.getloadavg()[0]:.1f})")
        server = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-c", config, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes = {"server": server.pid}
        if args.text_extraction == "background":
            text_worker = subprocess.Popen(
                ["nice", "-n", "19", str(bin_dir / "flask"), "--app", "wsgi", "document-text-worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes["text worker"] = text_worker.pid
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)

        def session_for(username: str) -> requests.Session:
            session = requests.Session()
            token = session.post(
                f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30
            ).json()["access_token"]
            session.headers["Authorization"] = f"Bearer {token}"
            return session

        specialist, clerk, admin_session = session_for("u17.3"), session_for("u17.0"), session_for("u0.2")
        documents_url = f"{base}/api/v1/documents"
        if "lists" in args.only:
            measure_reads(url, documents_url, specialist, clerk, admin_session, args.requests)
        if "registration" in args.only:
            load = os.getloadavg()[0]
            print(f"registration (load average {load:.1f}; the load generator shares the machine's cores)")
            authorization = clerk.headers["Authorization"]
            measure_registration(url, port, authorization, args.uploads, args.clients, processes)
    finally:
        for process in (server, text_worker):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if args.keep:
            remove_registered(url)
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
