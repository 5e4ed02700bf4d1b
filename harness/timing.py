"""CPU time of a piece of work, for the tests that bound how long the diagnosis takes."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def cpu_seconds(work: Callable[[], T]) -> tuple[float, T]:
    """Return the CPU seconds ``work()`` took, and what it returned.

    CPU time, not the wall clock: a busy machine (CI beside other jobs) slows the clock, not the
    work. The garbage collector is paused: late in a full test run its full collections walk every
    object the earlier tests left, which makes any allocating code look super-linear.
    """
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        result = work()
        return time.process_time() - start, result
    finally:
        gc.enable()
