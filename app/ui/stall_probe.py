"""Measure how long the GUI event loop is blocked: a timer that should fire every few ms notes
how late each tick is. Used by ``benchmarks/ui_stall.py`` and the UI tests.

A late tick has three possible causes: the GUI thread was busy (our slots, layout, painting), it
waited for Python's GIL held by a worker, or it was ready but the kernel gave the core to another
thread or process. On Linux the probe can also read how long the GUI thread sat in the kernel's
run queue during each interval (``/proc/thread-self/schedstat``); subtracting that leaves the
part the app itself is responsible for, which is what to fix when the machine is busy with other
work.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer

SCHEDSTAT = "/proc/thread-self/schedstat"


@dataclass(frozen=True)
class StallFigures:
    ticks: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    def __str__(self) -> str:
        return (f"{self.ticks} ticks, stall p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
                f"max {self.max_ms:.1f} ms")


def _percentiles(values_s: list[float], ticks: int) -> StallFigures:
    values = sorted(values_s) or [0.0]

    def pct(q: float) -> float:
        return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))] * 1000

    return StallFigures(ticks, pct(0.5), pct(0.99), values[-1] * 1000)


class StallProbe(QObject):
    """``start()``, run the workload, ``stop()`` → figures. A stall is a tick's lateness."""

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None,
                 run_queue: bool = False) -> None:
        super().__init__(parent)
        self.interval_s = interval_ms / 1000
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._want_run_queue = run_queue
        self._sched_fd: int | None = None
        self._last_wait_s = 0.0
        self.stalls_s: list[float] = []
        self.app_stalls_s: list[float] = []

    def start(self) -> None:
        self.stalls_s = []
        self.app_stalls_s = []
        if self._want_run_queue and self._sched_fd is None:
            # opened on the GUI thread, so "thread-self" is the GUI thread
            with contextlib.suppress(OSError):
                self._sched_fd = os.open(SCHEDSTAT, os.O_RDONLY)
        self._last_wait_s = self._run_queue_wait_s()
        self._last = time.perf_counter()
        self._timer.start()

    def _run_queue_wait_s(self) -> float:
        if self._sched_fd is None:
            return 0.0
        try:
            return int(os.pread(self._sched_fd, 128, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        late = max(0.0, now - self._last - self.interval_s)
        self.stalls_s.append(late)
        if self._sched_fd is not None:
            wait = self._run_queue_wait_s()
            self.app_stalls_s.append(max(0.0, late - (wait - self._last_wait_s)))
            self._last_wait_s = wait
        self._last = now

    def stop(self) -> StallFigures:
        self._timer.stop()
        if self._sched_fd is not None:
            os.close(self._sched_fd)
            self._sched_fd = None
        return self.figures()

    def figures(self) -> StallFigures:
        return _percentiles(self.stalls_s, len(self.stalls_s))

    def app_figures(self) -> StallFigures | None:
        """The stalls less the GUI thread's run-queue wait; None where it cannot be read."""
        if not self.app_stalls_s:
            return None
        return _percentiles(self.app_stalls_s, len(self.app_stalls_s))
