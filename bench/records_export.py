"""Benchmark: peak memory and throughput of streaming a hand-over's archive package.

Builds a throw-away instance (SQLite and the local object store, or EOFFICE_BENCH_DATABASE_URL) holding
one received hand-over of `--documents` documents with a `--file-mb` file each, 100 to a case file, then
streams the export package (eoffice.records.package.export_package, what the export route sends) to
/dev/null while it samples this process's resident memory. Flat memory means the peak stays near the
baseline whatever the number of documents. Run with the project's interpreter:

    .venv/bin/python bench/records_export.py --documents 2000 --file-mb 1
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eoffice import create_app  # noqa: E402
from eoffice.accounts import operations as accounts  # noqa: E402
from eoffice.config import Settings  # noqa: E402
from eoffice.documents.models import Document, DocumentFile  # noqa: E402
from eoffice.extensions import db  # noqa: E402
from eoffice.records.models import CaseFile, CaseFileDocument, Handover  # noqa: E402
from eoffice.records.package import export_package  # noqa: E402
from eoffice.runtime import storage  # noqa: E402
from eoffice.storage.operations import store_file  # noqa: E402

MiB = 1024 * 1024
AGENCY = "000.00.00.H49"
PER_CASE_FILE = 100
SAMPLE_INTERVAL = 0.02


def build(documents: int, file_size: int) -> None:
    """The hand-over, written straight into the tables (the operations are measured by the tests)."""
    accounts.create_agency(AGENCY, "Ủy ban nhân dân tỉnh Quảng Nam", abbreviation="UBND")
    now = datetime.now(UTC)
    handover = Handover(
        agency_id=AGENCY, status="received", deadline=date(2027, 12, 31), proposed_at=now, received_at=now
    )
    db.session.add(handover)
    randomness = random.Random(30)
    case_file = None
    for index in range(documents):
        if index % PER_CASE_FILE == 0:
            case_file = CaseFile(
                agency_id=AGENCY,
                year=2026,
                notation=f"VX-{index // PER_CASE_FILE + 1:03d}",
                title=f"Hồ sơ số {index // PER_CASE_FILE + 1}",
                retention_years=10,
                status="archived",
                responsible_name="Lê Thị Thu Trang",
                handover=handover,
            )
            db.session.add(case_file)
        stored = store_file(
            io.BytesIO(b"%PDF-1.7\n" + randomness.randbytes(file_size - 9)),
            f"van-ban-{index}.pdf",
            uploaded_by=None,
        )
        document = Document(
            agency_id=AGENCY,
            direction="incoming",
            status="completed",
            issuer_id="000.00.12.H49",
            issuer_name="Sở Tài chính tỉnh Quảng Nam",
            document_type="CV",
            number=index + 1,
            notation="STC-NS",
            issued_date=date(2026, 1 + index % 12, 1 + index % 28),
            subject=f"V/v hướng dẫn lập dự toán ngân sách năm 2027, văn bản {index + 1}",
            page_count=3,
        )
        document.files.append(DocumentFile(stored_file=stored, role="main", position=0))
        case_file.entries.append(
            CaseFileDocument(agency_id=AGENCY, document=document, ordinal=index % PER_CASE_FILE + 1)
        )
        if index % 100 == 99:
            db.session.commit()
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--file-mb", type=float, default=1.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="records-bench-") as folder:
        env = {
            "EOFFICE_INSTANCE_PATH": folder,
            "EOFFICE_SECRET_KEY": "bench-secret-" + "x" * 40,
            "EOFFICE_JWT_KEYS": "bench-1:" + "k" * 48,
            "EOFFICE_AUTO_MIGRATE": "true",
            "EOFFICE_LOG_LEVEL": "WARNING",
        }
        if os.environ.get("EOFFICE_BENCH_DATABASE_URL"):
            env["EOFFICE_DATABASE_URL"] = os.environ["EOFFICE_BENCH_DATABASE_URL"]
        app = create_app(Settings.from_env(env))
        with app.app_context():
            started = time.perf_counter()
            build(args.documents, int(args.file_mb * MiB))
            print(f"built {args.documents} documents in {time.perf_counter() - started:.1f} s")
            db.session.expunge_all()
            handover = db.session.scalars(db.select(Handover)).one()

            process = psutil.Process()
            baseline = process.memory_info().rss
            peak = baseline
            done = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, process.memory_info().rss)
                    time.sleep(SAMPLE_INTERVAL)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            written = 0
            started = time.perf_counter()
            with open(os.devnull, "wb") as sink:
                for chunk in export_package(handover, storage()):
                    written += len(chunk)
                    sink.write(chunk)
            elapsed = time.perf_counter() - started
            done.set()
            sampler.join()
            db.session.remove()
            db.engine.dispose()

    print(f"package: {written / MiB:.0f} MiB for {args.documents} documents in {elapsed:.1f} s")
    print(f"throughput: {written / MiB / elapsed:.0f} MiB/s, {args.documents / elapsed:.0f} documents/s")
    growth = (peak - baseline) / MiB
    print(f"resident memory: {baseline / MiB:.0f} MiB before, peak {peak / MiB:.0f} MiB (+{growth:.0f} MiB)")


if __name__ == "__main__":
    main()
