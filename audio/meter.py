"""A level meter for the UI: the latest level only, so a slow reader drops levels, never audio."""

from __future__ import annotations

import math
import threading

import numpy as np

FLOOR_DBFS = -100.0


def dbfs(samples: np.ndarray) -> float:
    """RMS level of float samples in dB relative to full scale, floored at ``FLOOR_DBFS``."""
    if samples.size == 0:
        return FLOOR_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if rms <= 0.0:
        return FLOOR_DBFS
    return max(FLOOR_DBFS, 20.0 * math.log10(rms))


class LevelMeter:
    """Holds the most recent level (dBFS). ``update`` is cheap enough for an audio callback.

    There is no queue on purpose: when nobody reads, older levels are overwritten (dropped).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: float | None = None
        self._peak: float | None = None

    def update(self, samples: np.ndarray) -> float:
        level = dbfs(samples)
        with self._lock:
            self._latest = level
            self._peak = level if self._peak is None else max(self._peak, level)
        return level

    def latest(self) -> float | None:
        """The last level measured, or None before any audio arrived."""
        with self._lock:
            return self._latest

    def take_peak(self) -> float | None:
        """The loudest level since the previous call (for a meter that polls slowly)."""
        with self._lock:
            peak, self._peak = self._peak, None
            return peak
