"""Benchmark: OCR of Vietnamese scans (OCRmyPDF + Tesseract `vie+eng`, eoffice/documents/ocr.py).

Prints the character error rate on clean pages and on noisy ones (speckle, blur, a skew of a few
degrees, a stamp), pages recognised per second (a multi-page scanned PDF, --jobs pages at once), and
the time from a clerk's registration of a scanned page until a search for its words finds it (the
text worker's pass included). Pages are made by tests/fixtures/scans.py at 300 dpi, A4 width.

    python bench/ocr.py --pages 6 --jobs 2
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eoffice.documents.ocr import OcrOptions, recognise  # noqa: E402
from tests.fixtures.scans import (  # noqa: E402
    ADMINISTRATIVE_LINES,
    character_error_rate,
    image_bytes,
    render_page,
    scanned_pdf,
)

NOISY = {"noise": 0.02, "skew": 3.0, "stamp": True}


def _recognised_text(content: bytes, *, image: bool, options: OcrOptions) -> str:
    with recognise(io.BytesIO(content), image=image, options=options) as result:
        if result.failure is not None:
            raise SystemExit(f"OCR failed: {result.reason}")
        return result.text


def error_rates(options: OcrOptions) -> None:
    expected = "\n".join(ADMINISTRATIVE_LINES)
    for label, kind, page in (
        ("clean PNG", "PNG", render_page()),
        ("clean JPEG", "JPEG", render_page()),
        ("noisy, skewed 3°, stamped PNG", "PNG", render_page(**NOISY)),
        ("noisy, skewed 3°, stamped JPEG", "JPEG", render_page(**NOISY, seed=7)),
    ):
        recognised = _recognised_text(image_bytes(page, kind), image=True, options=options)
        rate = character_error_rate(expected, recognised)
        print(f"character error rate, {label:32s} {rate * 100:5.2f} %  ({len(expected)} characters)")


def throughput(options: OcrOptions, pages: int) -> None:
    pdf = scanned_pdf([render_page(seed=n, **(NOISY if n % 2 else {})) for n in range(pages)])
    started = time.perf_counter()
    _recognised_text(pdf, image=False, options=options)
    seconds = time.perf_counter() - started
    rate = pages / seconds
    print(f"scanned PDF of {pages} pages, {options.jobs} at once: {seconds:.1f} s, {rate:.2f} pages/s")


def time_to_searchable(options: OcrOptions) -> None:
    from eoffice import create_app
    from eoffice.demo import load_demo_data
    from eoffice.documents.tasks import index_queued_texts
    from eoffice.extensions import db
    from tests.conftest import make_settings
    from tests.factories import incoming_metadata

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            make_settings(
                Path(folder),
                EOFFICE_OCR_CONCURRENCY=str(options.jobs),
                EOFFICE_OCR_PDFA="true" if options.pdfa else "false",
            )
        )
        with app.app_context():
            load_demo_data()
            db.session.commit()
            client = app.test_client()
            token = client.post("/api/v1/auth/login", json={"username": "vanthu", "password": "Demo@2026"})
            headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
            scan = image_bytes(render_page(**NOISY), "JPEG")
            started = time.perf_counter()
            response = client.post(
                "/api/v1/documents/incoming",
                data={"metadata": json.dumps(incoming_metadata()), "files": [(io.BytesIO(scan), "scan.jpg")]},
                headers=headers,
                content_type="multipart/form-data",
            )
            assert response.status_code == 201, response.get_json()
            registered = time.perf_counter()
            while True:
                index_queued_texts()
                found = client.get(
                    "/api/v1/documents", query_string={"q": "sơ tán dân cư", "status": "all"}, headers=headers
                ).get_json()["items"]
                if found:
                    break
                time.sleep(0.1)
            searchable = time.perf_counter()
            db.session.remove()
            db.engine.dispose()
    print(
        f"registered scan (one A4 page, JPEG): answered in {registered - started:.2f} s, "
        f"searchable {searchable - started:.1f} s after the upload began (PDF/A: {options.pdfa})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6, help="Pages of the scanned PDF for pages/s")
    parser.add_argument("--jobs", type=int, default=2, help="Pages at once (EOFFICE_OCR_CONCURRENCY)")
    parser.add_argument("--pdfa", action="store_true", help="Make PDF/A as the default settings do")
    arguments = parser.parse_args()
    options = OcrOptions(jobs=arguments.jobs, pdfa=arguments.pdfa)
    error_rates(options)
    throughput(options, arguments.pages)
    time_to_searchable(options)


if __name__ == "__main__":
    main()
