"""Benchmark: page-turn fan-out of the live meeting room to N clients, against a bare Node Socket.IO server.

The command of the bench/fanout package (its docstring says what is measured), kept where `make
bench-meetings` and the docs run it:

    .venv/bin/python bench/meeting_fanout.py [--clients 100 500 1000 2000] [--events 100]
        [--devices-per-delegate 1] [--arrival together|phased] [--pairs 1]
        [--database-url postgresql://postgres@127.0.0.1/test] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
