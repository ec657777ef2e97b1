"""The one door between worker threads and the GUI thread.

The session runner calls ``listener(event)`` from its worker threads. The bridge turns each call
into a Qt signal emitted from that thread; because the receivers live in the GUI thread, Qt
queues the delivery, so a slot never runs on a worker and a worker never waits for the GUI.

High-rate readings (microphone level, transcription lag) are coalesced: only the newest
one is kept and at most one delivery is pending, so a busy GUI drops stale levels instead of
building a backlog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot


def default_coalesce_key(event: object) -> str | None:
    """Level and lag readings only matter in their newest version; everything else is kept."""
    name = type(event).__name__
    return name if name in ("LevelUpdate", "LagUpdate") else None


class RunnerBridge(QObject):
    """``listener`` is safe to call from any thread; ``received`` fires on the GUI thread."""

    received = Signal(object)
    _wake = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        coalesce_key: Callable[[object], str | None] = default_coalesce_key,
    ) -> None:
        super().__init__(parent)
        self._coalesce_key = coalesce_key
        self._lock = threading.Lock()
        self._latest: dict[str, object] = {}
        self._wake_pending = False
        self._closed = False
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def listener(self, event: object) -> None:
        """Called by workers; never blocks on the GUI."""
        if self._closed:
            return
        key = self._coalesce_key(event)
        if key is None:
            self.received.emit(event)
            return
        with self._lock:
            self._latest[key] = event
            if self._wake_pending:
                return
            self._wake_pending = True
        self._wake.emit()

    def close(self) -> None:
        """Stop delivering (the window is going away)."""
        self._closed = True

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, {}
            self._wake_pending = False
        if self._closed:
            return
        for event in latest.values():
            self.received.emit(event)
