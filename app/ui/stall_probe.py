"""Measure how long the GUI event loop is blocked: a timer that should fire every few ms notes
how late each tick is. Used by ``benchmarks/ui_stall.py`` and the UI tests."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer


@dataclass(frozen=True)
class StallFigures:
    ticks: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    def __str__(self) -> str:
        return (f"{self.ticks} ticks, stall p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
                f"max {self.max_ms:.1f} ms")


class StallProbe(QObject):
    """``start()``, run the workload, ``stop()`` → figures. A stall is a tick's lateness."""

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_s = interval_ms / 1000
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.stalls_s: list[float] = []

    def start(self) -> None:
        self.stalls_s = []
        self._last = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.stalls_s.append(max(0.0, now - self._last - self.interval_s))
        self._last = now

    def stop(self) -> StallFigures:
        self._timer.stop()
        return self.figures()

    def figures(self) -> StallFigures:
        values = sorted(self.stalls_s) or [0.0]

        def pct(q: float) -> float:
            return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))] * 1000

        return StallFigures(len(self.stalls_s), pct(0.5), pct(0.99), values[-1] * 1000)
