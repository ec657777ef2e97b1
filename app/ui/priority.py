"""Background work yields the CPU to the window.

On a two-core laptop the speech model's threads can keep both cores busy; the GUI thread then
waits in the run queue like any other thread and the window stutters (measured with
``benchmarks/ui_stall.py``: most stalls over 100 ms were run-queue waits, not work). A thread that
does bulk work without Python's GIL (the model's compute threads, Tesseract) runs at a lower
scheduling priority, so the window gets a core as soon as it wakes. Threads and processes a
thread starts inherit its priority: the model is built on a low-priority thread, and the
CTranslate2 threads it creates stay behind the GUI for good. Threads that mostly run Python keep
their priority: one preempted while holding the GIL would keep the GUI waiting for it.

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


def lower_thread_priority(step: int | None = None) -> bool:
    """Make the calling thread ``step`` (default ``BACKGROUND_NICE_STEP``) nicer, up to 19;
    True when the priority changed."""
    step = BACKGROUND_NICE_STEP if step is None else step
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
