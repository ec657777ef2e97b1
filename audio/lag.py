"""How far behind the live path is, and the degrade policy that follows from it.

Lag = audio received but not decoded yet + how late frames arrive compared with the earliest
one (a queue upstream). When it passes ``degrade_above_s`` the transcriber decodes less often
and stops sending partials, until the lag falls under half of that: it degrades on purpose
rather than falling ever further behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LagPolicy", "LagSettings"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LagSettings:
    degrade_above_s: float = 2.5
    """When lag exceeds this, decode less often and skip partials, until it is below half."""
    hop_s: float = 0.5
    """New speech between two decodes while someone speaks."""
    degraded_hop_s: float = 1.5


class LagPolicy:
    """Arrival clock, lag and the degraded flag. ``clock`` is wall time in seconds.

    ``live``: frames arrive in real time (microphone, paced file), so lateness counts as lag.
    False: a file read as fast as possible (no lag, no degradation). None: decided from the
    arrival rate (a live source never delivers audio much faster than the wall clock).
    """

    def __init__(
        self, settings: LagSettings, clock: Callable[[], float], live: bool | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.live = live
        self.degraded = False
        self.lag_max_s = 0.0
        self._t0: float | None = None
        self._anchor: float | None = None
        self._late_s = 0.0
        self._prev_end_s: float | None = None
        self._first = (0.0, 0.0)

    @property
    def hop_s(self) -> float:
        return self.settings.degraded_hop_s if self.degraded else self.settings.hop_s

    def now_s(self) -> float:
        """Seconds since the start of the stream on the wall clock (``emitted_s``)."""
        assert self._t0 is not None, "now_s before the first frame"
        return self.clock() - self._t0

    def arrived(self, start_s: float, end_s: float) -> None:
        """A frame covering [start_s, end_s) of audio time arrived now."""
        now = self.clock()
        if self._t0 is None:
            self._t0 = now - end_s
            self._first = (now, start_s)
        if self._prev_end_s is not None and start_s > self._prev_end_s + 0.5:
            self._anchor = None  # a gap in audio time: the source was paused
        self._prev_end_s = end_s
        offset = now - end_s
        if self._anchor is None or offset < self._anchor:
            self._anchor = offset
        self._late_s = offset - self._anchor if self._is_live(now, end_s) else 0.0

    def caught_up(self) -> None:
        """Everything received has been handled (end of stream)."""
        self._late_s = 0.0

    def resync(self) -> None:
        """Forget how late frames arrived (after a pause, when frames resume)."""
        self._anchor = None
        self._late_s = 0.0

    def lag_s(self, undecoded_s: float) -> float:
        return max(0.0, self._late_s + undecoded_s)

    def update(self, undecoded_s: float) -> None:
        """Note the current lag; enter or leave the degraded mode."""
        lag = self.lag_s(undecoded_s)
        self.lag_max_s = max(self.lag_max_s, lag)
        limit = self.settings.degrade_above_s
        if not self.degraded and lag > limit:
            self.degraded = True
            log.warning("transcription %.1f s behind: decoding less often, no partials", lag)
        elif self.degraded and lag < limit / 2:
            self.degraded = False
            log.info("transcription caught up (lag %.1f s)", lag)

    def _is_live(self, now: float, end_s: float) -> bool:
        if self.live is not None:
            return self.live
        first_wall, first_audio = self._first
        return end_s - first_audio <= (now - first_wall) * 1.2 + 1.0
