"""Moves the clock of every Python process of the stack under test (put on PYTHONPATH by the test).

With INSIGHTS_TEST_CLOCK_FILE set, the process's wall clock (time.time, datetime.now, ...) is the real
one shifted by the seconds in that file, through time-machine; a thread re-reads the file and moves
the clock when it changes, also in forked children (the scheduler's task processes). Monotonic clocks
are left alone, so timeouts and sleeps behave as usual.
"""

from __future__ import annotations

import os

_CLOCK_FILE = os.environ.get("INSIGHTS_TEST_CLOCK_FILE")

if _CLOCK_FILE:
    import threading
    import time

    import time_machine
    from time_machine import escape_hatch

    def _offset() -> float:
        try:
            with open(_CLOCK_FILE) as handle:
                return float(handle.read().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    _state = {"offset": _offset()}
    _coordinates = time_machine.travel(time.time() + _state["offset"], tick=True).start()

    def _follow() -> None:
        while True:
            threading.Event().wait(0.2)
            offset = _offset()
            if offset != _state["offset"]:
                _state["offset"] = offset
                _coordinates.move_to(escape_hatch.time.time() + offset)

    def _start_follower() -> None:
        threading.Thread(target=_follow, name="test-clock", daemon=True).start()

    _start_follower()
    os.register_at_fork(after_in_child=_start_follower)
