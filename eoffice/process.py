"""Garbage collection in a long-running server process."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Take what exists once the application is loaded out of every later garbage collection.

    The modules, the application, its mappers and schemas live as long as the process, ~190,000 objects,
    and a full collection scanned them all: 100-160 ms on this machine, in the middle of whichever request
    had allocated last (a platform admin's search took 190 ms instead of 40 once every few hundred). Frozen
    after a last collection (so that no garbage is kept), a full collection scans only what requests left:
    6-10 ms.
    """
    gc.collect()
    gc.freeze()
