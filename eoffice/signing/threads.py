"""pyHanko runs its own asyncio event loop for every act; under gevent it gets a native thread for it.

asyncio allows one running loop per OS thread, and gevent runs every request of a worker in one OS
thread: a second signature or validation starting while the first waits on I/O would find the first
one's loop running and fail. In a thread of the hub's pool each act has its own. Without gevent, a
caller whose thread already runs a loop (an embedding program, the browser tests' Playwright) gets a
thread of its own for the act too.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def off_the_event_loop(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from gevent import monkey

        if not monkey.is_module_patched("threading"):
            if not _loop_running():
                return function(*args, **kwargs)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="signing") as pool:
                return pool.submit(function, *args, **kwargs).result()
        import gevent

        return gevent.get_hub().threadpool.apply(function, args, kwargs)

    return run


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
