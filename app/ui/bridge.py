"""The one door between worker threads and the GUI thread.

The session runner calls ``listener(event)`` from its worker threads. The bridge only appends the
event to a pending list (under a lock, never waiting for the GUI) and makes sure one wake-up is
queued to the GUI thread. The GUI then takes the whole list at once, at most ``max_rate_hz``
times a second, and hands it to ``batch_received`` (and each event to ``received``): a burst of
events costs one relayout and one repaint instead of one each, and however slow the GUI is, at
most one Qt event is ever queued for it.

What no longer matters is merged while it waits: only the newest level and lag readings are
kept, a partial transcript replaces the partial before it, and consecutive tracker updates fold
into one (all their events, the newest state). Finals and everything else are kept in order.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from app.runner_events import LagUpdate, LevelUpdate, TrackerUpdate, TranscriptLine

#: How often the GUI takes the pending events at most (a transcript does not need more).
DEFAULT_RATE_HZ = 15.0


def default_coalesce_key(event: object) -> str | None:
    """Level and lag readings only matter in their newest version; everything else is kept."""
    return type(event).__name__ if isinstance(event, (LevelUpdate, LagUpdate)) else None


def default_merge(previous: object, new: object) -> object | None:
    """``new`` folded into the pending ``previous`` event, or None to keep both."""
    if isinstance(previous, TranscriptLine) and isinstance(new, TranscriptLine):
        if not previous.final and not new.final:
            return new  # a newer hypothesis of the same words
        return None
    if isinstance(previous, TrackerUpdate) and isinstance(new, TrackerUpdate):
        return dataclasses.replace(new, events=previous.events + new.events)
    return None


class RunnerBridge(QObject):
    """``listener`` is safe to call from any thread; the signals fire on the GUI thread."""

    received = Signal(object)
    batch_received = Signal(list)
    _wake = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        coalesce_key: Callable[[object], str | None] = default_coalesce_key,
        merge: Callable[[object, object], object | None] = default_merge,
        max_rate_hz: float = DEFAULT_RATE_HZ,
    ) -> None:
        super().__init__(parent)
        self._coalesce_key = coalesce_key
        self._merge = merge
        self._min_gap_s = 1.0 / max_rate_hz if max_rate_hz > 0 else 0.0
        self._lock = threading.Lock()
        self._pending: list[object] = []
        self._latest: dict[str, object] = {}
        self._wake_pending = False
        self._closed = False
        self._last_drain = 0.0
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._drain)
        self._wake.connect(self._on_wake, Qt.ConnectionType.QueuedConnection)

    def listener(self, event: object) -> None:
        """Called by workers; never blocks on the GUI."""
        if self._closed:
            return
        key = self._coalesce_key(event)
        with self._lock:
            if key is not None:
                self._latest[key] = event
            else:
                merged = self._merge(self._pending[-1], event) if self._pending else None
                if merged is not None:
                    self._pending[-1] = merged
                else:
                    self._pending.append(event)
            if self._wake_pending:
                return
            self._wake_pending = True
        self._wake.emit()

    def close(self) -> None:
        """Stop delivering (the window is going away)."""
        self._closed = True
        self._later.stop()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending) + len(self._latest)

    @Slot()
    def _on_wake(self) -> None:
        wait_s = self._last_drain + self._min_gap_s - time.monotonic()
        if wait_s > 0.001:
            if not self._later.isActive():
                self._later.start(max(1, int(wait_s * 1000)))
            return
        self._drain()

    @Slot()
    def _drain(self) -> None:
        self._later.stop()
        with self._lock:
            batch, self._pending = self._pending, []
            latest, self._latest = self._latest, {}
            self._wake_pending = False
        self._last_drain = time.monotonic()
        if self._closed:
            return
        batch.extend(latest.values())
        if not batch:
            return
        self.batch_received.emit(batch)
        for event in batch:
            self.received.emit(event)
