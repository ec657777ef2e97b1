"""A progress bar and a Cancel button for a batch decode running off the GUI thread.

Recovering a session decodes the audio a crash left untranscribed (``audio.batch``): a minute
of audio takes a few seconds, a long mock most of a minute. The terminal draws a bar
(``sessions recover``); this is the window's. The worker calls :meth:`BatchProgress.report`
(``audio.batch.Progress``: audio seconds done out of the total) from its own thread; a queued
signal carries it to the GUI thread. :meth:`BatchProgress.cancelled` is what the worker polls:
Cancel only sets a flag, the worker stops at its next segment.
"""

from __future__ import annotations

import contextlib
import threading
import time

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.presentation import clock

__all__ = ["BatchProgress"]

_STEPS = 1000
_MIN_INTERVAL_S = 0.1
"""At most ten updates a second cross to the GUI thread, however often the worker reports."""


class BatchProgress(QWidget):
    """``report(done_s, total_s)`` from any thread; ``cancelled()`` for the worker to poll."""

    progressed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None, *, cancellable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("batchProgress")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("batchProgressBar")
        self.bar.setRange(0, 0)  # busy until the first report (the model is loading)
        self.bar.setMinimumWidth(220)
        self.bar.setTextVisible(True)
        self.label = QLabel("Loading the speech model…", self)
        self.label.setObjectName("batchProgressLabel")
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setObjectName("batchCancelButton")
        self.cancel.setToolTip("Stop decoding; nothing is saved and nothing is lost")
        self.cancel.setVisible(cancellable)
        self.cancel.clicked.connect(self._on_cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel)
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._last_sent = 0.0
        self.reports = 0
        """How many reports reached the GUI thread (tests wait on it)."""
        self.progressed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # -- any thread -----------------------------------------------------------------------------

    def report(self, done_s: float, total_s: float) -> None:
        """Thread-safe; throttled (the last report, done == total, always gets through)."""
        now = time.monotonic()
        with self._lock:
            if done_s < total_s and now - self._last_sent < _MIN_INTERVAL_S:
                return
            self._last_sent = now
        with contextlib.suppress(RuntimeError):  # the window closed while the worker ran
            self.progressed.emit(float(done_s), float(total_s))

    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    # -- GUI thread -----------------------------------------------------------------------------

    @Slot(float, float)
    def _show(self, done_s: float, total_s: float) -> None:
        self.reports += 1
        if total_s <= 0:
            return
        share = min(1.0, max(0.0, done_s / total_s))
        self.bar.setRange(0, _STEPS)
        self.bar.setValue(round(share * _STEPS))
        self.bar.setFormat(f"{100 * share:.0f} %")
        self.label.setText(f"{clock(done_s)} of {clock(total_s)} transcribed")

    def _on_cancel(self) -> None:
        self._cancelled.set()
        self.cancel.setEnabled(False)
        self.label.setText("Cancelling…")
