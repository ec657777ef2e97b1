"""Background work yields the CPU to the window.

On a two-core laptop the speech model's threads can keep both cores busy; the GUI thread then
waits in the run queue like any other thread and the window stutters (measured with
``benchmarks/ui_stall.py``: most stalls over 100 ms were run-queue waits, not work). A thread that
does bulk work (transcription, model loading, OCR) lowers its own scheduling priority first, so
the window gets a core as soon as it wakes. Threads and processes a thread starts inherit its
priority, which is how CTranslate2's worker threads end up behind the GUI too.

Linux only: there ``setpriority`` takes a thread id. Elsewhere this does nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How much nicer background work is than the window (CFS/EEVDF weight ~3x lower at +5).
BACKGROUND_NICE_STEP = 5


def lower_thread_priority(step: int = BACKGROUND_NICE_STEP) -> bool:
    """Make the calling thread ``step`` nicer (up to 19); True when the priority changed."""
    if not sys.platform.startswith("linux") or step <= 0:
        return False
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        wanted = min(19, current + step)
        if wanted != current:
            os.setpriority(os.PRIO_PROCESS, tid, wanted)
        return wanted != current
    except OSError as exc:  # a sandbox may forbid it; the app works, only less smoothly
        log.debug("cannot lower the thread priority: %s", exc)
        return False


def thread_priority() -> int:
    """The calling thread's nice value (0 where it cannot be read)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except OSError:
        return 0


def in_background(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` wrapped to lower its thread's priority before it runs (for worker entry points)."""

    def run() -> T:
        lower_thread_priority()
        return fn()

    return run
