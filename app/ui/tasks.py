"""Short background jobs for the GUI (OCR a capture, load a session, test the microphone).

Each job runs on its own daemon-less thread; its result (or exception) comes back to the GUI thread
through a queued signal. The window waits for every job on close, so no thread outlives the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


class _Done(QObject):
    finished = Signal(object, object, object)  # callback, result, error


class TaskRunner(QObject):
    """``submit(fn, on_done, on_error)``: fn runs off the GUI thread, callbacks run on it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._carrier = _Done(self)
        self._carrier.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._closing = False

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "mockcoach-task",
    ) -> threading.Thread:
        def work() -> None:
            try:
                result = fn()
            except BaseException as exc:  # reported to the GUI, traceback to the log
                log.exception("background task %s failed", name)
                self._report(on_error, None, exc, name)
            else:
                self._report(on_done, result, None, name)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=work, name=name, daemon=False)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return thread

    def _report(self, callback: object, result: object, error: object, name: str) -> None:
        try:
            self._carrier.finished.emit(callback, result, error)
        except RuntimeError:  # the window (and this runner) went away while the job ran
            log.info("background task %s finished after its window closed", name)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._threads)

    def wait_all(self, timeout_s: float = 30.0) -> bool:
        """Block until every job finished (used on close); True when none is left."""
        self._closing = True
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout_s)
        with self._lock:
            return not any(t.is_alive() for t in self._threads)

    @Slot(object, object, object)
    def _deliver(self, callback: object, result: object, error: object) -> None:
        if self._closing or not callable(callback):
            return
        callback(error if error is not None else result)
