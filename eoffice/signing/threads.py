"""pyHanko runs its own asyncio event loop for every act; under gevent it gets a native thread for it.

asyncio allows one running loop per OS thread, and gevent runs every request of a worker in one OS
thread: a second signature or validation starting while the first waits on I/O would find the first
one's loop running and fail. In a thread of the hub's pool each act has its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def off_the_event_loop(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from gevent import monkey

        if not monkey.is_module_patched("threading"):
            return function(*args, **kwargs)
        import gevent

        return gevent.get_hub().threadpool.apply(function, args, kwargs)

    return run
