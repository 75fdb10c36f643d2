"""pyHanko's acts run their own asyncio loop: a caller whose thread already runs one still gets its act."""

from __future__ import annotations

import asyncio
import threading

from eoffice.signing.threads import off_the_event_loop


@off_the_event_loop
def _act() -> int:
    # What pyHanko's synchronous API does inside every signature and validation.
    return asyncio.run(asyncio.sleep(0, result=7))


def test_an_act_called_where_an_event_loop_runs_gets_a_thread_of_its_own():
    # The browser tests' Playwright keeps a loop running in the test thread; signing there failed.
    # The caller's loop runs in a thread of its own here, whatever loop the test thread may hold.
    async def caller() -> int:
        return _act()

    answers: list[int] = []
    scenario = threading.Thread(target=lambda: answers.append(asyncio.run(caller())))
    scenario.start()
    scenario.join()
    assert answers == [7]


def test_an_act_called_with_no_loop_running_runs_in_place():
    assert _act() == 7
