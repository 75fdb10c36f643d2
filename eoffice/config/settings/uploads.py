"""Settings of uploaded files: their size, and the child processes that read their text (and OCR)."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_bool,
    parse_choice,
    parse_float,
    parse_int,
    parse_ocr_languages,
    setting,
)


@dataclass(frozen=True)
class UploadSettings:
    """Request sizes, text extraction of untrusted files and OCR of scans."""

    max_upload_size: int = setting(
        512 * 1024 * 1024, parse_int(1), "Largest accepted file, bytes (413 beyond)."
    )
    max_json_size: int = setting(1024 * 1024, parse_int(1024), "Largest accepted JSON body, bytes.")
    text_extraction: str | None = setting(
        None,
        parse_choice("inline", "background"),
        "When the text of PDF files reaches search: inline (before the upload is answered) or "
        "background (queued, indexed by `flask document-text-worker`); unset means inline on SQLite, "
        "background otherwise.",
    )
    parser_max_memory: int = setting(
        512 * 1024 * 1024,
        parse_int(64 * 1024 * 1024),
        "Memory (address space, bytes) of the child process that reads an untrusted file (a PDF's text, "
        "pages or signatures); a file that needs more is kept without its text, unsigned and unchecked.",
    )
    parser_timeout: float = setting(
        30.0,
        parse_float(0.5, 3600),
        "Seconds (wall clock, and of CPU) the child reading an untrusted file may take before it is killed.",
    )
    parser_max_pages: int = setting(
        2000,
        parse_int(1),
        "Pages of a PDF whose text is read for search; a meeting document with more is refused.",
    )
    parser_max_output: int = setting(
        1024 * 1024, parse_int(1024), "Text taken from one file for search, bytes of UTF-8 at most."
    )
    parser_concurrency: int = setting(
        2,
        parse_int(1, 64),
        "Children reading untrusted files at once in one server process; a parse waits for a free one "
        "(at most EOFFICE_PARSER_TIMEOUT), so that a burst of hostile uploads cannot multiply the "
        "memory limit.",
    )
    ocr: bool = setting(
        True,
        parse_bool,
        "Recognise the text of scans (incoming PDFs with pages without text, JPEG/PNG/TIFF images) with "
        "OCRmyPDF and Tesseract in the text worker; a searchable PDF is kept beside the original.",
    )
    ocr_languages: str = setting(
        "vie+eng", parse_ocr_languages, "Tesseract languages of the OCR, the main one first (`vie+eng`)."
    )
    ocr_max_pages: int = setting(
        100,
        parse_int(1, 5000),
        "Pages of one scan the OCR reads, the first ones; later pages of a longer scan stay unrecognised.",
    )
    ocr_concurrency: int = setting(
        1, parse_int(1, 64), "Pages one text worker recognises at once (OCRmyPDF's --jobs)."
    )
    ocr_timeout: float = setting(
        900.0, parse_float(5, 86400), "Seconds the OCR of one file may take before it is stopped."
    )
    ocr_max_memory_mb: int = setting(
        2048,
        parse_int(32, 1024 * 1024),
        "Address space (MiB) each process of the OCR may take (OCRmyPDF, and each Tesseract and Ghostscript "
        "it starts: RLIMIT_AS); a scan that needs more is registered without its text, the trace says why.",
    )
    ocr_pdfa: bool = setting(
        True,
        parse_bool,
        "Make the searchable PDF a PDF/A-2b (Ghostscript); false keeps the scan's PDF version.",
    )
