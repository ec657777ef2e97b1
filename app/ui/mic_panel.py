"""Microphone set-up: pick a device, watch its level, and a 10-second "test my mic".

The preview and the test each open the device on their own worker thread; the GUI polls a
``LevelMeter`` (newest value only) with a timer, so a slow GUI can never stall the audio.
States a person can act on are shown in words: no microphone, permission denied, device lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.ui.live_widgets import LevelMeter
from app.ui.model_cache import ModelCache
from app.ui.theme import colors, icon

log = logging.getLogger(__name__)

TEST_SECONDS = 10.0


@dataclass(frozen=True)
class Device:
    key: str  # what MicrophoneSource accepts (name), "" for the system default
    label: str


def list_devices() -> tuple[list[Device], str | None]:
    """Input devices, or an empty list and the reason (no PortAudio, no device)."""
    try:
        from audio.sources import list_input_devices

        found = list_input_devices()
    except Exception as exc:  # PortAudio missing or broken: say so, do not crash the window
        log.warning("cannot list input devices: %s", exc)
        return [], str(exc)
    devices = [Device("", "System default")] if found else []
    for dev in found:
        suffix = "  (default)" if getattr(dev, "is_default", False) else ""
        devices.append(Device(str(dev.name), f"{dev.name}{suffix}"))
    return devices, None


def describe_audio_error(exc: BaseException) -> str:
    """One sentence a person can act on, for the errors a microphone can raise."""
    text = str(exc)
    lowered = text.lower()
    name = type(exc).__name__
    if "permission" in lowered or "not permitted" in lowered or "denied" in lowered:
        return (
            "mockcoach is not allowed to use the microphone. Allow it in your system's privacy "
            "settings (Microphone), then press Refresh."
        )
    if name == "NoMicrophone":
        return text or "No microphone found. Plug one in, then press Refresh."
    if name == "DeviceLost":
        return text or "The microphone stopped working. Check the cable, then pick a device."
    return text or name


class _MicWorker(QObject):
    """Runs the level preview or the mic test on a thread and reports back through signals."""

    heard = Signal(str)
    progress = Signal(float)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, device: str | None, meter: Any, test: bool,
                 model_spec: str | None, models: ModelCache | None = None,
                 opener: Callable[[str | None, Any], Any] | None = None) -> None:
        super().__init__()
        self.models = models
        self.opener = opener
        self.device = device
        self.meter = meter
        self.test = test
        self.model_spec = model_spec
        self._stop = threading.Event()
        self._source: Any = None
        self.worker_thread = threading.Thread(target=self._run, name="mockcoach-mic", daemon=False)

    def start(self) -> None:
        self.worker_thread.start()

    def stop(self) -> None:
        self._stop.set()
        source = self._source
        if source is not None:
            source.stop()

    def _run(self) -> None:
        try:
            from audio.sources import MicrophoneSource

            if self.opener is not None:
                self._source = self.opener(self.device, self.meter)
            else:
                self._source = MicrophoneSource(self.device, meter=self.meter)
            if self._stop.is_set():
                self._source.stop()
            if self.test:
                self._test(self._source)
            else:
                self._preview(self._source)
        except Exception as exc:
            log.warning("microphone worker failed: %s", exc, exc_info=True)
            self.failed.emit(describe_audio_error(exc))
        finally:
            self.finished.emit()

    def _preview(self, source: Any) -> None:
        """Only the level: the source feeds the meter, nothing else listens."""
        frames = source.frames()
        for _ in frames:
            if self._stop.is_set():
                break
        source.stop()
        frames.close()  # closes the device now, not when the generator is collected
        if source.error is not None and not self._stop.is_set():
            self.failed.emit(describe_audio_error(source.error))

    def _test(self, source: Any) -> None:
        """The same session pipeline as a mock, with nothing saved and no framework. The device
        opens at once and the model loads on the runner's worker: what is said meanwhile waits
        in the runner's inbox instead of being lost (the user starts talking at the click)."""
        from app.lines import AudioLine
        from app.runner import SessionRunner
        from app.runner_events import LevelUpdate, RunnerEvent, SessionStopped, TranscriptLine

        heard: list[str] = []

        def listen(event: RunnerEvent) -> None:
            if isinstance(event, TranscriptLine) and event.final:
                heard.append(event.text)
                self.heard.emit(" ".join(heard))
            elif isinstance(event, LevelUpdate):
                self.progress.emit(min(event.at_s / TEST_SECONDS, 1.0))
                if event.at_s >= TEST_SECONDS:
                    self._stop.set()
            elif isinstance(event, SessionStopped):
                self._stop.set()

        runner = SessionRunner(None, None, AudioLine(source, transcriber_factory=self._factory()),
                               listener=listen)
        runner.start()
        self._stop.wait()
        runner.stop()  # transcribes what is still queued, then ends
        self.heard.emit(" ".join(heard))
        error = runner.input_error or source.error
        if error is not None:
            self.failed.emit(describe_audio_error(error))
        elif runner.errors:
            self.failed.emit(runner.errors[0].message)

    def _factory(self) -> Callable[[], Any]:
        if self.models is not None:  # the app's preloaded model: the test starts at once
            return self.models.transcriber_factory(self.model_spec)
        from app.runner import model_transcriber_factory

        return model_transcriber_factory(self.model_spec)


class _MeterPreview:
    """The one worker whose audio a panel's level meter shows, polled 20 times a second, and
    the stopped workers still winding down (joined when the panel shuts down). ``peaks``: show
    the loudest level since the last poll rather than the latest one."""

    def __init__(self, owner: QWidget, meter: LevelMeter, peaks: bool) -> None:
        self._meter = meter
        self._peaks = peaks
        self.worker: _MicWorker | None = None
        self._started: list[_MicWorker] = []
        self._source: Any = None
        self._poll = QTimer(owner)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._show_level)

    def start(self, worker: _MicWorker, source: Any) -> None:
        """Start ``worker``, which feeds ``source`` (an ``audio.meter.LevelMeter``)."""
        self._source = source
        self.worker = worker
        self._started = [w for w in self._started if w.worker_thread.is_alive()] + [worker]
        worker.start()
        self._poll.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.ended(self.worker)

    def ended(self, worker: _MicWorker | None) -> None:
        """``worker`` finished or was stopped: if it was the current one, the meter goes idle."""
        if worker is self.worker:
            self.worker = None
            self._poll.stop()
            self._meter.set_level(None)

    def join(self, timeout_s: float) -> None:
        self.stop()
        for worker in self._started:
            worker.worker_thread.join(timeout_s)

    def _show_level(self) -> None:
        source = self._source
        if source is None:
            return
        peak = getattr(source, "take_peak", None) if self._peaks else None
        self._meter.set_level(peak() if callable(peak) else source.latest())


class MicPanel(QWidget):
    """Device picker + level meter + test button; ``device_changed`` carries the device key."""

    device_changed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        device_lister: Callable[[], tuple[list[Device], str | None]] = list_devices,
        model_spec: Callable[[], str | None] = lambda: None,
        models: ModelCache | None = None,
    ) -> None:
        super().__init__(parent)
        self._lister = device_lister
        self._model_spec = model_spec
        self._models = models
        self._combo = QComboBox(self)
        self._combo.setToolTip("The microphone mockcoach listens to")
        self._combo.setPlaceholderText("No microphone")
        self._combo.setMinimumContentsLength(18)
        self._combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._refresh = QToolButton(self)
        self._refresh.setIcon(icon("refresh"))
        self._refresh.setToolTip("Look for microphones again")
        self._refresh.setAutoRaise(True)
        self._meter = LevelMeter(self)
        self._test = QPushButton(icon("test-mic"), "Test my mic", self)
        self._test.setToolTip(
            f"Records {TEST_SECONDS:.0f} seconds and shows what mockcoach heard. Say a sentence."
        )
        self._status = QLabel(self)
        self._status.setWordWrap(True)
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self._combo, 1)
        row.addWidget(self._refresh)
        grid.addLayout(row, 0, 0, 1, 2)
        grid.addWidget(self._meter, 1, 0)
        grid.addWidget(self._test, 1, 1)
        grid.addWidget(self._status, 2, 0, 1, 2)
        self._preview = _MeterPreview(self, self._meter, peaks=True)
        self._preview_wanted = False
        self._refresh.clicked.connect(self.refresh)
        self._combo.currentIndexChanged.connect(self._on_device_picked)
        self._test.clicked.connect(self._toggle_test)
        self._devices: list[Device] = []

    # --- public ----------------------------------------------------------------------------

    def refresh(self, selected: str | None = None) -> None:
        keep = selected if selected is not None else self.device()
        devices, problem = self._lister()
        self._devices = devices
        self._combo.blockSignals(True)
        self._combo.clear()
        for dev in devices:
            self._combo.addItem(icon("mic"), dev.label, dev.key)
        index = max(self._combo.findData(keep or ""), 0)
        self._combo.setCurrentIndex(index)
        self._combo.blockSignals(False)
        has_device = bool(devices)
        self._combo.setEnabled(has_device)
        self._test.setEnabled(has_device)
        self._meter.set_active(has_device)
        if not has_device:
            self.show_problem(
                "No microphone found. Plug one in (or allow microphone access), then press "
                "Refresh. You can still replay a recording from the command line."
                + (f"\nDetails: {problem}" if problem else "")
            )
        else:
            self.show_info("")
        if self._preview_wanted:
            self.start_preview()

    def device(self) -> str:
        data = self._combo.currentData()
        return str(data) if data else ""

    def has_devices(self) -> bool:
        return bool(self._devices)

    def status_text(self) -> str:
        return self._status.text()

    def show_problem(self, text: str) -> None:
        c = colors()
        self._status.setStyleSheet(f"color: {c.over.name()};")
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def show_info(self, text: str) -> None:
        self._status.setStyleSheet(f"color: {colors().muted.name()};")
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def set_level(self, level_db: float | None) -> None:
        """Level pushed by the running session (the runner owns the device then)."""
        self._meter.set_level(level_db)

    def set_session_running(self, running: bool) -> None:
        self._session_running = running
        self._test.setEnabled(not running and bool(self._devices))
        if running:
            self.stop_preview()
        elif self.isVisible():
            self.start_preview()

    _session_running = False

    def showEvent(self, event: QShowEvent) -> None:
        """The level meter is live while the set-up is on screen (and no session owns the
        device); hidden, the device is closed again."""
        super().showEvent(event)
        if not self._session_running:
            self.start_preview()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.stop_preview()

    def start_preview(self) -> None:
        """Open the device just to show its level (while the set-up is visible)."""
        self._preview_wanted = True
        if self._worker is not None or not self._devices:
            return
        self._start_worker(test=False)

    def stop_preview(self) -> None:
        self._preview_wanted = False
        if self._worker is not None and not self._worker.test:
            self._stop_worker()

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop and join every worker (window closing)."""
        self._preview_wanted = False
        self._preview.join(timeout_s)

    # --- internals -------------------------------------------------------------------------

    @property
    def _worker(self) -> _MicWorker | None:
        return self._preview.worker

    def _start_worker(self, test: bool) -> None:
        from audio.meter import LevelMeter as AudioMeter

        source = AudioMeter()
        worker = _MicWorker(self.device() or None, source, test,
                            self._model_spec() if test else None, self._models)
        worker.heard.connect(self._on_heard, Qt.ConnectionType.QueuedConnection)
        worker.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        worker.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._preview.start(worker, source)

    def _stop_worker(self) -> None:
        self._preview.stop()

    def _on_device_picked(self, _index: int) -> None:
        self.device_changed.emit(self.device())
        if self._worker is not None and not self._worker.test:
            self._stop_worker()
            self.start_preview()

    def _toggle_test(self) -> None:
        if self._worker is not None and self._worker.test:
            self._stop_worker()
            return
        self._stop_worker()
        self._test.setText("Stop test")
        self._test.setIcon(icon("stop"))
        self.show_info("Listening for 10 seconds… say a sentence, e.g. “Let me clarify the "
                       "requirements first.”")
        self._start_worker(test=True)

    @Slot(str)
    def _on_heard(self, text: str) -> None:
        if text:
            self.show_info(f"Heard: “{text}”")

    @Slot(float)
    def _on_progress(self, fraction: float) -> None:
        self._test.setText(f"Stop test ({TEST_SECONDS * (1 - fraction):.0f} s)")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.show_problem(message)

    @Slot()
    def _on_finished(self) -> None:
        sender = self.sender()
        was_test = isinstance(sender, _MicWorker) and sender.test
        if isinstance(sender, _MicWorker):
            self._preview.ended(sender)
        if was_test:
            self._test.setText("Test my mic")
            self._test.setIcon(icon("test-mic"))
            if "Listening" in self._status.text():
                self.show_problem("Nothing was heard. Check that the right microphone is picked "
                                  "and not muted, then try again.")
            if self._preview_wanted:
                self.start_preview()


# ------------------------------------------------------------------------- the partner's voice


def list_loopbacks() -> tuple[list[Device], str | None]:
    """Loopback/monitor sources (the partner's voice on a call), or none and what to do."""
    try:
        from audio.loopback import list_loopback_devices, loopback_hint

        found = list_loopback_devices()
    except Exception as exc:
        log.warning("cannot list loopback sources: %s", exc)
        return [], str(exc)
    if not found:
        return [], f"No loopback source found, so a partner on a call cannot be heard apart. " \
                   f"{loopback_hint()} Practising alone works as before."
    devices = []
    for dev in found:
        suffix = "  (default output)" if dev.is_default else ""
        devices.append(Device(dev.source or dev.name, f"{dev.name}{suffix}"))
    return devices, None


def _open_loopback(device: str | None, meter: Any) -> Any:
    from audio.loopback import open_loopback

    return open_loopback(device, meter=meter)


class PartnerPanel(QWidget):
    """The interviewer's source (practice with a partner): off, or a loopback/monitor source,
    with its level meter, like the microphone's. With none on this system, a sentence says why
    and what to do, and the choice stays "off"."""

    def __init__(self, parent: QWidget | None = None,
                 lister: Callable[[], tuple[list[Device], str | None]] = list_loopbacks) -> None:
        super().__init__(parent)
        self._lister = lister
        self._combo = QComboBox(self)
        self._combo.setToolTip("What the computer plays (the call): the partner's voice, "
                               "transcribed as the interviewer's")
        self._combo.setMinimumContentsLength(18)
        self._combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._meter = LevelMeter(self)
        self._status = QLabel(self)
        self._status.setWordWrap(True)
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(6)
        grid.addWidget(self._combo, 0, 0)
        grid.addWidget(self._meter, 1, 0)
        # The sentence under it goes in the caller's form (``status_label``): a wrapped label
        # inside a nested layout gets one line's height in a QFormLayout and is cut off.
        self._preview = _MeterPreview(self, self._meter, peaks=False)
        self._combo.currentIndexChanged.connect(self._on_picked)
        self.devices: list[Device] = []

    def refresh(self, selected: str = "") -> None:
        self.devices, problem = self._lister()
        self._combo.blockSignals(True)
        self._combo.clear()
        self._combo.addItem("Off: practise alone", "")
        for dev in self.devices:
            self._combo.addItem(icon("mic"), dev.label, dev.key)
        self._combo.setCurrentIndex(max(self._combo.findData(selected), 0))
        self._combo.setEnabled(bool(self.devices))
        self._combo.blockSignals(False)
        if problem:
            self._status.setText(problem)
            self._status.setStyleSheet(f"color: {colors().near.name()};")
        else:
            self._status.setText("The partner's words are labelled Interviewer; what leaks from "
                                 "your speakers into the microphone is removed.")
            self._status.setStyleSheet(f"color: {colors().muted.name()};")
        # room for the wrapped sentence (a form sizes rows before the label knows its width)
        lines = min(6, 2 + len(self._status.text()) // 60)
        self._status.setMinimumHeight(self._status.fontMetrics().lineSpacing() * lines + 4)
        self._meter.set_active(self.source() != "")
        self._restart_preview()

    def source(self) -> str:
        return str(self._combo.currentData() or "")

    @property
    def status_label(self) -> QLabel:
        return self._status

    def status_text(self) -> str:
        return self._status.text()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._restart_preview()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.shutdown(0.0)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        self._preview.join(timeout_s)

    def _on_picked(self, _index: int) -> None:
        self._meter.set_active(self.source() != "")
        self._restart_preview()

    def _restart_preview(self) -> None:
        self._preview.stop()
        if not self.source() or not self.isVisible():
            return
        from audio.meter import LevelMeter as AudioMeter

        source = AudioMeter()
        worker = _MicWorker(self.source(), source, False, None, opener=_open_loopback)
        worker.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._preview.start(worker, source)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._status.setText(message)
        self._status.setStyleSheet(f"color: {colors().near.name()};")
