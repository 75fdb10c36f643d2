"""The child that reads untrusted files holds none of the server's secrets, and there are few of them."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from eoffice import untrusted, untrusted_forker
from eoffice.untrusted import Failure, Limits, run_parser

LIMITS = Limits(max_memory=256 * 1024 * 1024, timeout=20, max_pages=10, max_output=64 * 1024, concurrency=1)


def test_the_child_gets_no_environment(tmp_path, monkeypatch):
    # A stand-in child that answers with the environment it was given.
    child = tmp_path / "child.py"
    child.write_text('import json, os, sys\nsys.stdout.write("ok\\n" + json.dumps(dict(os.environ)))\n')
    monkeypatch.setattr(untrusted, "CHILD", str(child))
    monkeypatch.setenv("EOFFICE_SECRET_KEY", "not-for-the-child")
    assert os.environ["EOFFICE_SECRET_KEY"] == "not-for-the-child"
    parsed = run_parser("pdf_text", io.BytesIO(b"%PDF-1.7"), LIMITS)
    assert parsed.failure is None
    assert not any(name.startswith("EOFFICE_") for name in json.loads(parsed.output))


def test_the_process_forking_the_parsers_has_no_environment_and_holds_no_file(monkeypatch):
    monkeypatch.setenv("EOFFICE_SECRET_KEY", "not-for-the-child")
    parsed = run_parser("pdf_pages", io.BytesIO(b"%PDF-1.7 broken"), LIMITS)

    assert parsed.failure == Failure.UNREADABLE
    for forker in untrusted_forker.waiting_children():
        assert Path(f"/proc/{forker}/environ").read_bytes() == b""
        # Its standard streams (/dev/null and the server's stderr) and its socket to the server only.
        descriptors = {link.name: os.readlink(link) for link in Path(f"/proc/{forker}/fd").iterdir()}
        assert descriptors["0"] == descriptors["1"] == "/dev/null"
        others = [target for name, target in descriptors.items() if name not in ("0", "1", "2")]
        assert len(others) == 1 and others[0].startswith("socket:"), others


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_parse_finding_every_child_slot_taken_is_refused_as_busy(concurrency):
    limits = Limits(**{**LIMITS.__dict__, "timeout": 0.2, "concurrency": concurrency})
    slots = untrusted._slots(concurrency)
    for _ in range(concurrency):
        assert slots.acquire(timeout=5)
    try:
        parsed = run_parser("pdf_pages", io.BytesIO(b"%PDF-1.7"), limits)
    finally:
        for _ in range(concurrency):
            slots.release()
    assert parsed.failure == Failure.TIMED_OUT and "busy" in parsed.reason
