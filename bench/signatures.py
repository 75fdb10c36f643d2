"""Benchmark: the two signatures of an outgoing document and the signature check, through the server.

Seeds one agency (tests/fixtures/agency_server.py: its people, a demo CA, their PKCS#12 keys) in a
fresh database, starts the API workers as `make serve` does (`gunicorn -c gunicorn_api.conf.py`;
the background text and signature workers are not started: the figures are the requests' own), and
measures over HTTP, logged in as the people who do it:

  (a) the signer's approval, which makes the signer's PAdES B-LT signature, and the issuance, which
      fills the number and date and makes the agency's signature, on a draft whose main file is a
      realistic PDF (text pages and photographs) of 1 MB and of 20 MB: p50/p95 of sequential runs;
  (b) POST /api/v1/signatures/verify of the issued PDFs (two signatures each), back to back and
      one every --verify-pause seconds: p50/p95;
  (c) issuance throughput: documents/s from approved-for-signing to issued (both signatures), with
      2 concurrent clients, everything (server, database, load generator) on the machine's cores;
  (d) (a) and (c) again with the keys in a SoftHSM2 token (EOFFICE_SIGNING_KEY_STORE=pkcs11).

    python bench/signatures.py --runs 20 --large-runs 5 --throughput-documents 20
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.axis_exchange import database  # noqa: E402
from tests.fixtures.agency_server import PEOPLE, AgencyServer  # noqa: E402

AGENCY_ID, AGENCY_NAME = "000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Nam"
SIGNER = "lanhdao"
MB = 1024 * 1024


def realistic_pdf(index: int, size: int) -> bytes:
    """An A4 decision: pages of Vietnamese text, two photographs (incompressible, like a scan's), the
    signer's printed name at the end; about `size` bytes."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from eoffice.pdfgen import REGULAR, register_fonts

    register_fonts()
    rng = random.Random(index)
    words = (
        "quyết định ban hành quy chế làm việc của ủy ban nhân dân tỉnh về việc triển khai kế hoạch".split()
    )
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    text_pages = 6
    # Each photograph: RGB bytes that Flate cannot shrink, which ReportLab stores in ASCII85 (5 for 4).
    side = int(((size - 60_000) / 1.25 / 2 / 3) ** 0.5)
    for number in range(text_pages):
        page.setFont(REGULAR, 12)
        y = height - 25 * mm
        if number == 0:
            page.drawCentredString(width / 2, y, f"QUYẾT ĐỊNH số {index} về việc ban hành quy chế")
            y -= 12 * mm
        while y > 30 * mm:
            page.drawString(25 * mm, y, " ".join(rng.choice(words) for _ in range(14)))
            y -= 6 * mm
        if number in (1, 3):
            photo = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
            page.drawImage(ImageReader(photo), 40 * mm, 60 * mm, 120 * mm, 120 * mm)
        if number == text_pages - 1:
            page.setFillColorRGB(1, 1, 1)
            page.rect(100 * mm, 20 * mm, 90 * mm, 60 * mm, fill=1, stroke=0)
            page.setFillColorRGB(0, 0, 0)
            page.drawCentredString(150 * mm, 70 * mm, "CHỦ TỊCH")
            page.drawCentredString(150 * mm, 30 * mm, PEOPLE[SIGNER][1])
        page.showPage()
    page.save()
    return buffer.getvalue()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(len(ordered) * 0.95) - 1))]
    return statistics.median(ordered), p95


class Flow:
    """The people of the agency, logged in over HTTP, taking drafts through the workflow."""

    def __init__(self, server: AgencyServer):
        self.server = server
        self.url = server.url
        self.sessions = {name: server.client(name) for name in PEOPLE}

    def post(self, who: str, path: str, **kwargs) -> dict:
        response = self.sessions[who].post(f"{self.url}{path}", timeout=300, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{who} POST {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def draft_awaiting_signature(self, index: int, pdf: bytes) -> int:
        metadata = {
            "document_type": "QĐ",
            "subject": f"Quyết định ban hành quy chế làm việc đợt {index}",
            "recipients": [{"user_id": self.server.user_ids["chuyenvien"]}],
        }
        created = self.post(
            "chuyenvien",
            "/api/v1/documents/outgoing",
            data={"metadata": json.dumps(metadata)},
            files=[("files", (f"quyet-dinh-{index}.pdf", pdf, "application/pdf"))],
        )
        reviewer, signer = self.server.user_ids["truongphong"], self.server.user_ids[SIGNER]
        self.act("chuyenvien", created["id"], "submit", {"reviewer_ids": [reviewer], "signer_id": signer})
        self.act("truongphong", created["id"], "approve")
        return created["id"]

    def act(self, who: str, document_id: int, action: str, body: dict | None = None) -> dict:
        return self.post(who, f"/api/v1/documents/{document_id}/actions/{action}", json=body or {})

    def timed_act(self, who: str, document_id: int, action: str) -> float:
        started = time.perf_counter()
        self.act(who, document_id, action)
        return (time.perf_counter() - started) * 1000

    def main_file(self, document_id: int) -> bytes:
        document = (
            self.sessions["vanthu"].get(f"{self.url}/api/v1/documents/{document_id}", timeout=60).json()
        )
        main = next(item for item in document["files"] if item["role"] == "main")
        response = self.sessions["vanthu"].get(
            f"{self.url}/api/v1/documents/{document_id}/files/{main['id']}", timeout=120
        )
        response.raise_for_status()
        return response.content

    def timed_verify(self, pdf: bytes) -> float:
        started = time.perf_counter()
        answer = self.post(
            "chuyenvien",
            "/api/v1/signatures/verify",
            files=[("file", ("van-ban.pdf", pdf, "application/pdf"))],
        )
        elapsed = (time.perf_counter() - started) * 1000
        signatures = answer["signatures"]
        if len(signatures) != 2 or not all(s["intact"] and s["trusted"] for s in signatures):
            raise RuntimeError(f"the issued PDF does not verify: {signatures}")
        return elapsed


def measure_signing(flow: Flow, size: int, runs: int, rows: list, label: str) -> list[int]:
    """(a): sequential signer approvals and issuances; the issued documents' ids."""
    pdfs = [realistic_pdf(n, size) for n in range(2)]
    # One round not counted: the workers' first signature loads pyHanko's and the fonts' caches.
    warm = flow.draft_awaiting_signature(-1, pdfs[0])
    flow.act(SIGNER, warm, "approve")
    flow.act("vanthu", warm, "issue")
    signing, issuing, issued = [], [], []
    for n in range(runs):
        document_id = flow.draft_awaiting_signature(n, pdfs[n % 2])
        signing.append(flow.timed_act(SIGNER, document_id, "approve"))
        issuing.append(flow.timed_act("vanthu", document_id, "issue"))
        issued.append(document_id)
    megabytes = f"{len(pdfs[0]) / MB:.1f} MB"
    rows.append((label, f"signer's signature (approve), {megabytes}", runs, *percentiles(signing)))
    rows.append((label, f"agency's signature (issue), {megabytes}", runs, *percentiles(issuing)))
    both = [a + b for a, b in zip(signing, issuing, strict=True)]
    rows.append((label, f"both signatures, {megabytes}", runs, *percentiles(both)))
    return issued


def measure_verify(flow: Flow, documents: list[int], runs: int, rows: list, label: str, pause: float) -> None:
    """(b): the verify tool on issued PDFs (each carries both signatures): back to back, and with a
    pause between requests (the server's parser child, started when a parse ends, has then imported
    pyHanko before the next one comes; back to back, a request may wait for that import)."""
    pdfs = [flow.main_file(document_id) for document_id in documents[:2]]
    flow.timed_verify(pdfs[0])
    size = f"{len(pdfs[0]) / MB:.1f} MB"
    times = [flow.timed_verify(pdfs[n % len(pdfs)]) for n in range(runs)]
    rows.append((label, f"verify (2 signatures), {size}, back to back", runs, *percentiles(times)))
    if pause > 0:
        spaced = []
        for n in range(runs):
            time.sleep(pause)
            spaced.append(flow.timed_verify(pdfs[n % len(pdfs)]))
        rows.append((label, f"verify, {size}, one every {pause:g} s", runs, *percentiles(spaced)))


def measure_throughput(flow: Flow, size: int, documents: int, clients: int) -> str:
    """(c): drafts awaiting the signer; `clients` threads each take one, approve it, then issue it."""
    pdfs = [realistic_pdf(n, size) for n in range(2)]
    pending = [flow.draft_awaiting_signature(1000 + n, pdfs[n % 2]) for n in range(documents)]
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        while not failures:
            with lock:
                if not pending:
                    return
                document_id = pending.pop()
            try:
                flow.act(SIGNER, document_id, "approve")
                flow.act("vanthu", document_id, "issue")
            except RuntimeError as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(failures[0])
    return f"{documents / elapsed:.2f} documents/s ({documents} in {elapsed:.1f} s, {clients} clients)"


def move_keys_to_token(server: AgencyServer, workdir: Path) -> dict[str, str]:
    """The PKCS#12 keys of the signer and the agency imported into a fresh SoftHSM2 token; its settings."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from tests.fixtures.signing import SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN, init_softhsm_token

    if not shutil.which("softhsm2-util") or not Path(SOFTHSM_MODULE).is_file():
        raise SystemExit("SoftHSM2 is not installed (apt-get install softhsm2); run with --key-store pkcs12")
    folder = workdir / "softhsm"
    folder.mkdir()
    token = init_softhsm_token(folder)
    # The module, loaded in this process to import the certificates, finds the token through it too.
    os.environ.update(token.env)
    signing = server.instance / "signing"
    pin = (signing / "pin").read_text().strip().encode()
    for label in (f"person-{SIGNER}", f"agency-{AGENCY_ID}"):
        key, certificate, _ = pkcs12.load_key_and_certificates(
            (signing / "keys" / f"{label}.p12").read_bytes(), pin
        )
        token.import_key(label, key, certificate.public_bytes(serialization.Encoding.PEM), folder)
    return {
        **token.env,
        "EOFFICE_SIGNING_KEY_STORE": "pkcs11",
        "EOFFICE_SIGNING_PKCS11_MODULE": SOFTHSM_MODULE,
        "EOFFICE_SIGNING_PKCS11_TOKEN": TOKEN_LABEL,
        "EOFFICE_SIGNING_PIN": TOKEN_PIN,
    }


def run(args, workdir: Path, database_url: str) -> None:
    server = AgencyServer(workdir, AGENCY_ID, AGENCY_NAME, "UBND")
    server.seed(database_url)
    rows: list[tuple] = []
    throughput: list[tuple[str, str]] = []
    stores = ["pkcs12", "pkcs11"] if args.key_store == "both" else [args.key_store]
    for store in stores:
        server.settings = move_keys_to_token(server, workdir) if store == "pkcs11" else {}
        server.start(gunicorn_config="gunicorn_api.conf.py")
        try:
            flow = Flow(server)
            label = "file key" if store == "pkcs12" else "SoftHSM2"
            print(f"{label}: {args.runs} runs at 1 MB, {args.large_runs} at 20 MB …", flush=True)
            small = measure_signing(flow, MB, args.runs, rows, label)
            if store == "pkcs12" or args.large_on_token:
                large = measure_signing(flow, 20 * MB, args.large_runs, rows, label)
            if store == "pkcs12":
                measure_verify(flow, small, args.runs, rows, label, args.verify_pause)
                measure_verify(flow, large, args.large_runs, rows, label, args.verify_pause)
            result = measure_throughput(flow, MB, args.throughput_documents, args.clients)
            throughput.append((label, result))
        except Exception:
            report(rows, throughput, database_url)
            raise
        finally:
            server.stop()
    report(rows, throughput, database_url)


def report(rows: list[tuple], throughput: list[tuple[str, str]], database_url: str) -> None:
    print()
    print(f"{'key':10} {'what':50} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for label, what, runs, p50, p95 in rows:
        print(f"{label:10} {what:50} {runs:5d} {p50:8.0f} {p95:8.0f}")
    print()
    for label, result in throughput:
        print(f"issuance throughput, both signatures, 1 MB, {label}: {result}")
    print(f"cores: {os.cpu_count()}; database: {database_url.split(':', 1)[0]}; server: gunicorn_api.conf.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="sequential runs at 1 MB")
    parser.add_argument("--large-runs", type=int, default=5, help="sequential runs at 20 MB")
    parser.add_argument("--throughput-documents", type=int, default=20)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument(
        "--verify-pause", type=float, default=2.0, help="seconds between spaced verifications (0: none)"
    )
    parser.add_argument("--key-store", choices=["pkcs12", "pkcs11", "both"], default="both")
    parser.add_argument("--large-on-token", action="store_true", help="also 20 MB with the SoftHSM2 key")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EOFFICE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server URL (a fresh database is made on it), or 'sqlite'",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-signatures-"))
    url, drop = database(None if args.database_url == "sqlite" else args.database_url, workdir, "agency")
    try:
        run(args, workdir, url)
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
