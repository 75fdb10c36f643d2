"""Garbage collection in a long-running server process."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Take what exists once the application is loaded out of every later garbage collection.

    The modules, the application, its mappers and schemas live as long as the process, and a full
    collection would scan them all in the middle of whichever request had allocated last. Frozen after a
    last collection (so that no garbage is kept), a full collection scans only what requests left
    (docs/performance.md has the figures).
    """
    gc.collect()
    gc.freeze()
