"""Wait for a quiet machine before timing: benchmarks here share two cores with other work.

A long benchmark fills its database first (minutes to an hour) and times last; with
``--quiet-below L`` it waits, after filling and before timing, until the 1-minute load
average is below ``L`` (for at most an hour), and says what the load was when it timed.
"""

from __future__ import annotations

import os
import time


def wait_until_quiet(below: float, *, limit_s: float = 3600, poll_s: float = 15) -> str:
    """Block until the 1-minute load average is under ``below`` (0: do not wait).

    Returns a phrase for the report: the load when timing began and how long it waited.
    """
    started = time.perf_counter()
    while below and time.perf_counter() - started < limit_s:
        if os.getloadavg()[0] < below:
            break
        time.sleep(poll_s)
    waited = time.perf_counter() - started
    load = os.getloadavg()[0]
    quiet = "" if not below or load < below else f", still above {below} after an hour"
    return f"load average {load:.1f} when timing began (waited {waited:.0f} s{quiet})"
