"""The window a candidate lives in during a mock: set-up, controls, transcript, phases, coverage.

The window never talks to threads directly. It asks a ``SessionControl`` (the session runner,
built by the composition root) to start/pause/stop, and receives the runner's events through a
``RunnerBridge``, in batches at most 15 times a second. Every slot here is cheap: it updates a
widget and returns; starting, stopping and switching devices run on worker threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.presentation import clock
from app.runner_events import (
    CaptureSaved,
    DiagramSaved,
    LagUpdate,
    LevelUpdate,
    RunnerError,
    SessionStarted,
    SessionStopped,
    StatusChanged,
    TrackerUpdate,
    TranscriptLine,
)
from app.settings import Key, Settings
from app.ui.bridge import RunnerBridge
from app.ui.coverage_panel import CoverageItem, CoveragePanel
from app.ui.diagram_panel import DiagramPanel
from app.ui.live_setup import (
    Banner,
    CaptureResult,
    DeviceLister,
    LibraryEntry,
    RunnerFactory,
    SessionControl,
    SessionRequest,
    SetupPanel,
)
from app.ui.live_widgets import CueCard, LagBadge, LevelMeter, Nudge, RoundClock
from app.ui.mic_panel import list_devices
from app.ui.model_cache import ModelCache
from app.ui.phase_bar import PhaseBar, PhaseSpec, PhaseTime
from app.ui.prompt_panel import PromptPanel
from app.ui.tasks import TaskRunner
from app.ui.theme import colors, icon
from capture.prompt import Prompt
from framework.definition import Framework
from framework.events import Addressed, PhaseChanged, TrackerState
from framework.events import Nudge as TrackerNudge

if TYPE_CHECKING:
    from PIL.Image import Image

    from app.diagrams import DiagramResult

__all__ = [  # the seam types live in app.ui.live_setup; the composition root takes them here
    "CaptureResult", "LibraryEntry", "LiveWindow", "RunnerFactory", "SessionControl",
    "SessionRequest",
]

log = logging.getLogger(__name__)


class LiveWindow(QMainWindow):
    """Set-up → Start / Pause / Stop, with the live transcript, phases, coverage and cues."""

    review_requested = Signal()
    settings_requested = Signal()
    capture_requested = Signal()
    diagram_capture_requested = Signal()
    diagram_watch_toggled = Signal(bool, int)  # on, seconds between captures
    session_finished = Signal(int)

    def __init__(
        self,
        settings: Settings,
        frameworks: dict[str, Framework],
        library: list[LibraryEntry],
        runner_factory: RunnerFactory | None,
        device_lister: DeviceLister = list_devices,
        parent: QWidget | None = None,
        models: ModelCache | None = None,
    ) -> None:
        super().__init__(parent)
        self.models = models
        self.settings = settings
        self.frameworks = frameworks
        self.library = library
        self.runner_factory = runner_factory
        self.bridge = RunnerBridge(self)
        self.bridge.batch_received.connect(self.handle_batch)
        self.tasks = TaskRunner(self)
        self.runner: SessionControl | None = None
        self.status = "idle"
        self.session_id: int | None = None
        self._capture: CaptureResult | None = None
        self._framework: Framework | None = None
        self._state: TrackerState | None = None
        self._phase_labels: dict[str, str] = {}
        self._last_phase_tag: str | None = None
        self._close_when_stopped = False
        self._stop_requested = False
        self._attaching: list[threading.Thread] = []  # diagram saves in flight (see stop)
        self.setWindowTitle("mockcoach — practice")
        self.setWindowIcon(icon("app"))
        self.setMinimumSize(960, 620)
        self._dark_shown = colors().dark
        self._build_actions()
        self._build_ui(device_lister)
        self._restore()
        self._update_controls()

    # ------------------------------------------------------------------ building the window

    def _build_actions(self) -> None:
        def action(
            name: str, text: str, shortcut: str, tip: str, slot: Callable[[], None]
        ) -> QAction:
            act = QAction(icon(name), text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.act_start = action(
            "start", "Start", "Ctrl+Return", "Start the mock, or resume it", self.start_or_resume
        )
        self.act_pause = action(
            "pause", "Pause", "Ctrl+P", "Pause listening; the clock stops", self.pause
        )
        self.act_stop = action(
            "stop", "Stop", "Ctrl+Shift+Return", "End the mock and save it", self.stop
        )
        shortcut = self.settings.get_str(Key.CAPTURE_SHORTCUT) or "Ctrl+Shift+C"
        self.act_capture = action(
            "capture",
            "Capture prompt",
            shortcut,
            "Select the interview prompt on screen and read it",
            self.capture_requested.emit,
        )
        self.act_diagram = action(
            "capture",
            "Capture diagram",
            "Ctrl+Shift+D",
            "Select your diagram on screen and read its components (see the Diagram tab)",
            self.diagram_capture_requested.emit,
        )
        self.act_review = action(
            "library", "Review", "Ctrl+R", "Open your saved sessions", self.review_requested.emit
        )
        self.act_settings = action(
            "settings",
            "Settings",
            "Ctrl+,",
            "Model, microphone, framework, theme…",
            self.settings_requested.emit,
        )
        self.act_quit = QAction("Quit", self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        self.addAction(self.act_quit)

    def _build_ui(self, device_lister: DeviceLister) -> None:
        self.addToolBar(self._build_toolbar())
        self.phase_bar = PhaseBar(self)
        self.phase_bar.phase_clicked.connect(self.override_phase)
        self.phase_bar.setToolTip("Phases of the interview. Click one to correct the detection.")
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("liveSplitter")
        splitter.addWidget(self._build_transcript_side())
        splitter.addWidget(self._build_tabs(device_lister))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([760, 420])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(self.phase_bar)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._build_status_bar()
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._refresh_clock)

    def _build_toolbar(self) -> QToolBar:
        toolbar = QToolBar("Session", self)
        toolbar.setObjectName("sessionToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(toolbar.iconSize().scaled(20, 20, Qt.AspectRatioMode.KeepAspectRatio))
        for act in (self.act_start, self.act_pause, self.act_stop):
            toolbar.addAction(act)
        toolbar.addSeparator()
        self.clock = RoundClock(self)
        toolbar.addWidget(self.clock)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("stateLabel")
        toolbar.addWidget(self.state_label)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.lag_badge = LagBadge(self)
        toolbar.addWidget(self.lag_badge)
        for act in (self.act_capture, self.act_diagram, self.act_review, self.act_settings):
            toolbar.addAction(act)
        return toolbar

    def _build_transcript_side(self) -> QWidget:
        from app.ui.transcript_view import TranscriptView

        self.banner = Banner(self)
        self.cue_card = CueCard(self)
        self.transcript = TranscriptView(self)
        frame = QFrame(self)
        frame.setObjectName("transcriptFrame")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame_layout = QVBoxLayout(frame)
        frame_layout.setContentsMargins(1, 1, 1, 1)
        frame_layout.addWidget(self.transcript)
        side = QWidget(self)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.banner)
        layout.addWidget(self.cue_card)
        layout.addWidget(frame, 1)
        return side

    def _build_tabs(self, device_lister: DeviceLister) -> QTabWidget:
        self.setup = SetupPanel(
            self.frameworks, self.library, device_lister,
            model_spec=lambda: self.settings.get_str(Key.MODEL) or None, models=self.models,
            capture_tip=self.act_capture.toolTip(), parent=self)
        self.setup.prompt_source_changed.connect(self._on_prompt_source)
        self.setup.library_picked.connect(self._on_library_pick)
        self.setup.framework_picked.connect(self._on_framework_pick)
        self.setup.length_picked.connect(self._on_length_picked)
        self.setup.capture_requested.connect(self.capture_requested.emit)
        self.setup.mic_panel.device_changed.connect(self._on_device_changed)
        # the set-up's widgets under their old names (tests and the composition root use them)
        self.mic_panel = self.setup.mic_panel
        self.framework_combo = self.setup.framework_combo
        self.length_group = self.setup.length_group
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.setup, icon("settings"), "Set-up")
        self.coverage = CoveragePanel(self)
        self.tabs.addTab(self.coverage, icon("check"), "Coverage")
        self.prompt_panel = PromptPanel(self)
        self.prompt_panel.prompt_changed.connect(self._on_prompt_changed)
        self.tabs.addTab(self.prompt_panel, icon("capture"), "Prompt")
        self.diagram_panel = DiagramPanel(self)
        self.diagram_panel.capture_requested.connect(self.diagram_capture_requested.emit)
        self.diagram_panel.watch_toggled.connect(self.diagram_watch_toggled.emit)
        self.tabs.addTab(self.diagram_panel, icon("capture"), "Diagram")
        self.tabs.setMinimumWidth(320)
        return self.tabs

    def _build_status_bar(self) -> None:
        self.saved_label = QLabel(self)
        self.statusBar().addWidget(self.saved_label, 1)
        self.status_meter_label = QLabel(self)
        self.status_meter_label.setPixmap(icon("mic").pixmap(14, 14))
        self.status_meter = LevelMeter(self)
        self.status_meter.setFixedWidth(120)
        self.statusBar().addPermanentWidget(self.status_meter_label)
        self.statusBar().addPermanentWidget(self.status_meter)
        self.statusBar().setSizeGripEnabled(True)

    def _restore(self) -> None:
        geometry = self.settings.get_bytes(Key.LIVE_GEOMETRY)
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1280, 820)
        preferred = self.settings.get_str(Key.FRAMEWORK)
        index = self.framework_combo.findData(preferred) if preferred else -1
        self.framework_combo.setCurrentIndex(max(index, 0))
        self._on_framework_pick()
        button = self.length_group.button(self.settings.round_length_min)
        if button is not None:
            button.setChecked(True)
        self.mic_panel.refresh(self.settings.get_str(Key.MICROPHONE))
        if self.library:
            self._on_library_pick(0)
        else:
            self.setup.prompt_source.setCurrentIndex(1)
        self._on_prompt_source()

    # ------------------------------------------------------------------ set-up reactions

    def round_s(self) -> float:
        minutes = self.length_group.checkedId()
        return float((minutes if minutes > 0 else self.settings.round_length_min) * 60)

    def selected_framework(self) -> Framework | None:
        fid = self.framework_combo.currentData()
        return self.frameworks.get(str(fid)) if fid is not None else None

    def _on_prompt_source(self) -> None:
        source = self.setup.source()
        self.setup.show_source(source)
        if source == "typed":
            self.tabs.setCurrentWidget(self.prompt_panel)
            self.prompt_panel.setFocus()
        elif source == "library" and self.library:
            self._on_library_pick(self.setup.library_combo.currentIndex())

    def _on_library_pick(self, index: int) -> None:
        if 0 <= index < len(self.library):
            entry = self.library[index]
            self._capture = None
            self.prompt_panel.set_prompt(entry.prompt, f"From the library · {entry.id}")

    def _on_framework_pick(self) -> None:
        framework = self.selected_framework()
        if framework is None:
            return
        self._show_framework(framework.scaled(self.round_s()))
        if self.status == "idle":
            self.settings.set(Key.FRAMEWORK, framework.id)

    def _on_length_picked(self, minutes: int) -> None:
        self.settings.set(Key.DEFAULT_LENGTH_MIN, minutes)
        self._on_framework_pick()
        self._refresh_clock()

    def _on_device_changed(self, device: str) -> None:
        self.settings.set(Key.MICROPHONE, device)

    def _show_framework(self, framework: Framework) -> None:
        self._framework = framework
        self._phase_labels = {p.id: p.label for p in framework.phases}
        self.phase_bar.set_phases([PhaseSpec(p.id, p.label, p.budget_s) for p in framework.phases])
        self._set_coverage_items()

    def _on_prompt_changed(self, prompt: Prompt) -> None:
        self._set_coverage_items()

    def _set_coverage_items(self) -> None:
        items: list[CoverageItem] = []
        prompt = self.prompt_panel.prompt()
        for req in prompt.requirements:
            items.append(CoverageItem(req.id, req.text, req.kind, "requirement"))
        if self._framework is not None:
            for phase in self._framework.phases:
                for check in phase.checklist:
                    items.append(
                        CoverageItem(check.id, check.label, "checklist", "checklist", phase.label)
                    )
        addressed = self.coverage.addressed()
        self.coverage.set_items(items)
        for item_id, done in addressed.items():
            self.coverage.set_addressed(item_id, done.at_s, done.evidence)

    # ------------------------------------------------------------------ session control

    @Slot()
    def start_or_resume(self) -> None:
        if self.status in ("paused",) and self.runner is not None:
            self.runner.resume()
            return
        if self.status != "idle":
            return
        if self.runner_factory is None:
            self.banner.show_message("Sessions are not available in this build.", "error")
            return
        framework = self.selected_framework()
        if framework is None:
            self.banner.show_message(
                "No framework is available. Check the frameworks folder in Settings.", "error"
            )
            return
        prompt = self.prompt_panel.flush()
        source = self.setup.source()
        if self._capture is not None and prompt.raw_text == self._capture.prompt.raw_text:
            source, image = "capture", self._capture.image
        else:
            image = None
            if source == "capture":
                source = "typed"
        request = SessionRequest(
            prompt=prompt if prompt.raw_text.strip() else None,
            prompt_source=source,
            prompt_image=image,
            framework=framework,
            round_s=self.round_s(),
            device=self.mic_panel.device() or None,
        )
        self.mic_panel.stop_preview()
        self.transcript.clear()
        self.coverage.reset_addressed()
        self.cue_card.clear_nudges()
        self.banner.hide()
        self._state = None
        self._last_phase_tag = None
        self._stop_requested = False
        self._show_framework(framework.scaled(request.round_s))
        self.status = "starting"
        self._update_controls()
        factory, listener = self.runner_factory, self.bridge.listener

        def create_and_start() -> SessionControl:
            # Opening the device, creating the session and loading the model all take time:
            # never on the GUI thread.
            runner = factory(request, listener)
            runner.start()
            return runner

        self.tasks.submit(
            create_and_start,
            on_done=self._on_started,
            on_error=self._on_start_failed,
            name="mockcoach-start",
        )

    def _on_started(self, runner: SessionControl) -> None:
        self.runner = runner
        if self._stop_requested or self._close_when_stopped:
            self._stop_requested = False
            self.stop()

    def _on_start_failed(self, error: BaseException) -> None:
        self._stop_requested = False
        if self.status in ("starting", "running"):
            self.status = "idle"
            self.runner = None
            self._update_controls()
            from app.ui.mic_panel import describe_audio_error

            self.banner.show_message(f"Could not start: {describe_audio_error(error)}", "error")
        if self._close_when_stopped:
            self.close()

    @Slot()
    def pause(self) -> None:
        if self.runner is None:
            return
        if self.status == "running":
            self.runner.pause()
        elif self.status == "paused":
            self.runner.resume()

    @Slot()
    def stop(self) -> None:
        if self.status == "starting" and self.runner is None:
            self._stop_requested = True  # _on_started stops it as soon as it exists
            return
        if self.runner is None or self._stop_requested:
            return
        if self.status in ("idle", "stopped"):
            return
        self._stop_requested = True
        self.status = "stopping"
        self._update_controls()
        runner = self.runner
        saving = list(self._attaching)  # diagrams still being saved belong to this session

        def stop() -> None:
            for thread in saving:
                thread.join(30.0)
            runner.stop()

        # stop() waits for the workers to drain: never on the GUI thread.
        self.tasks.submit(stop, name="mockcoach-stop")

    @Slot(str)
    def override_phase(self, phase_id: str) -> None:
        if self.runner is not None and self.status in ("running", "paused"):
            self.runner.override_phase(phase_id)

    def attach_capture(self, result: CaptureResult) -> None:
        """A capture finished OCR: show it, and hand it to the running session if any."""
        self._capture = result
        image = _pil_to_qimage(result.image)
        title = result.prompt.title or "Captured prompt"
        source = (
            f"Captured · {len(result.prompt.requirements)} requirements read in "
            f"{result.seconds:.1f} s"
        )
        self.setup.show_source("capture")
        self.prompt_panel.set_prompt(result.prompt, source, image)
        self.tabs.setCurrentWidget(self.prompt_panel)
        if not result.text.strip():
            self.banner.show_message(
                "No text was found in the captured region. Capture again with the prompt "
                "fully inside the rectangle, or type it in the Prompt tab.",
                "warning",
            )
        if self.runner is not None and self.status in ("running", "paused", "device_lost"):
            runner = self.runner
            self.tasks.submit(
                lambda: runner.attach_capture(result.image, result.text, result.prompt),
                on_error=lambda e: self.banner.show_message(
                    f"The capture could not be saved with the session: {e}", "warning"
                ),
                name="mockcoach-attach",
            )
        self.statusBar().showMessage(f"Prompt captured: {title}", 5000)

    def attach_diagram(self, result: DiagramResult) -> None:
        """A diagram capture was read (off the GUI thread): show it, and hand it to the running
        session, which saves it and ticks what it draws (also off the GUI thread)."""
        from capture.diagram_vocabulary import default_vocabulary

        names = {k.id: k.name for k in default_vocabulary().kinds}
        self.diagram_panel.show_result(result, names)
        if self.runner is not None and self.status in ("running", "paused", "device_lost"):
            runner = self.runner
            self._attaching = [t for t in self._attaching if t.is_alive()]
            self._attaching.append(self.tasks.submit(
                lambda: runner.attach_diagram(result),
                on_error=lambda e: self.banner.show_message(
                    f"The diagram could not be saved with the session: {e}", "warning"),
                name="mockcoach-attach-diagram",
            ))
        elif not result.reading.labels:
            self.banner.show_message(
                "No text was found on the diagram. Capture it with its labels inside the "
                "rectangle, at a zoom where you can read them.", "warning")

    def session_time(self) -> float:
        """Seconds into the running session (0 before Start): when a capture happened."""
        runner = self.runner
        if runner is None or self.status not in ("running", "paused", "device_lost"):
            return 0.0
        return float(runner.now_s())

    def switch_device(self, device: str | None) -> None:
        if self.runner is None:
            return
        runner = self.runner
        self.banner.show_message("Reconnecting the microphone…", "info")
        self.tasks.submit(
            lambda: runner.switch_device(device),
            on_error=lambda e: self._device_lost_banner(str(e)),
            name="mockcoach-switch",
        )

    # ------------------------------------------------------------------ runner events

    @Slot(list)
    def handle_batch(self, events: list[object]) -> None:
        """Everything the runner said since the last delivery (≤ 15 times a second): the
        transcript is edited in one go and relaid out once."""
        with self.transcript.batch():
            for event in events:
                self.handle_event(event)

    def handle_event(self, event: object) -> None:
        if isinstance(event, TranscriptLine) and event.speaker == "interviewer":
            # The partner's lines, named; their partials would overwrite the candidate's.
            named = f"Interviewer: {event.text}" if event.text else ""
            if event.revised:
                self.transcript.revise(named, event.start_s, event.end_s, event.phase,
                                       speaker="interviewer")
            elif event.final and named:
                self.transcript.add_final(named, event.start_s, event.end_s, event.phase,
                                          speaker="interviewer")
        elif isinstance(event, TranscriptLine):
            if event.revised:
                self.transcript.revise(event.text, event.start_s, event.end_s, event.phase)
            elif event.final:
                self.transcript.add_final(event.text, event.start_s, event.end_s, event.phase)
            else:
                self.transcript.set_partial(event.text, event.start_s)
        elif isinstance(event, TrackerUpdate):
            for tracker_event in event.events:
                self._on_tracker_event(tracker_event)
            self._on_state(event.state)
        elif isinstance(event, LevelUpdate):
            self.mic_panel.set_level(event.dbfs)
            self.status_meter.set_level(event.dbfs)
        elif isinstance(event, LagUpdate):
            self.lag_badge.set_lag(event.lag_s)
            if event.dropped_audio_s > 0:
                self.lag_badge.setToolTip(
                    f"Transcription fell {event.lag_s:.1f} s behind and skipped "
                    f"{event.dropped_audio_s:.0f} s of audio to catch up. The recording keeps "
                    "everything. A smaller model in Settings keeps up better."
                )
        elif isinstance(event, StatusChanged):
            self._on_status(event.status)
        elif isinstance(event, SessionStarted):
            self.session_id = event.session_id
            self.saved_label.setText(f"Recording session #{event.session_id} — saved as you speak")
            self.tabs.setCurrentWidget(self.coverage)
        elif isinstance(event, CaptureSaved):
            self.statusBar().showMessage("Capture saved with the session", 4000)
        elif isinstance(event, DiagramSaved):
            self.statusBar().showMessage("Diagram saved with the session", 4000)
            count = len(event.diagram.components)
            self.transcript.mark(event.diagram.at_s,
                                 f"✎ diagram · {count} component{'s' * (count != 1)}")
        elif isinstance(event, RunnerError):
            self._on_error(event)
        elif isinstance(event, SessionStopped):
            self._on_stopped(event)

    def _on_status(self, status: str) -> None:
        previous = self.status
        if status == "running" and previous == "device_lost":
            self.banner.show_message("Microphone reconnected — recording again.", "info")
            QTimer.singleShot(4000, self._hide_info_banner)
        if status == "stopped":
            return  # SessionStopped finishes the job
        if self._stop_requested and status not in ("stopping",):
            return
        self.status = status
        self._update_controls()

    def _hide_info_banner(self) -> None:
        if "reconnected" in self.banner.text():
            self.banner.hide()

    def _on_tracker_event(self, event: object) -> None:
        if isinstance(event, PhaseChanged):
            label = self._phase_labels.get(event.phase, event.phase)
            if not event.manual:
                self.transcript.mark(event.at_s, f"→ {label}")
        elif isinstance(event, Addressed):
            self.coverage.set_addressed(event.item_id, event.at_s, " ".join(event.evidence),
                                        event.source)
            tag = "✓ " + (event.label or event.item_id)
            if event.kind == "requirement":
                self.transcript.mark(event.at_s, _shorten(tag, 40))
        elif isinstance(event, TrackerNudge):
            self.cue_card.add_nudge(Nudge(event.kind, event.text, event.at_s))

    def _on_state(self, state: TrackerState) -> None:
        self._state = state
        times = {t.phase: PhaseTime(t.elapsed_s, t.status) for t in state.phases}
        self.phase_bar.update_state(state.phase, times)
        self.cue_card.set_phase(state.phase_label, state.template)
        self.clock.set_time(state.round_elapsed_s, state.round_s)
        for item in state.items:
            if item.addressed and item.at_s is not None:
                self.coverage.set_addressed(item.id, item.at_s, " ".join(item.evidence))

    def _on_error(self, event: RunnerError) -> None:
        if event.error == "device_lost":
            self.status = "device_lost"
            self._update_controls()
            self._device_lost_banner(event.message, event.at_s)
            return
        level = "error" if event.fatal else "warning"
        self.banner.show_message(event.message, level)

    def _device_lost_banner(self, message: str, at_s: float | None = None) -> None:
        when = f" at {clock(at_s)}" if at_s is not None else ""
        devices, _ = self.mic_panel._lister()
        picker = QComboBox(self)
        picker.setObjectName("resumeDevice")
        for dev in devices:
            picker.addItem(icon("mic"), dev.label, dev.key)
        resume = QPushButton(icon("play"), "Resume on this device", self)
        resume.setObjectName("resumeButton")
        resume.setEnabled(bool(devices))
        resume.clicked.connect(lambda: self.switch_device(picker.currentData() or None))
        stop = QPushButton(icon("stop"), "Stop and save", self)
        stop.clicked.connect(self.stop)
        text = (
            f"<b>The microphone was lost{when}.</b> Everything up to that moment is saved "
            f"and the session is waiting. {message}"
        )
        if not devices:
            text += " No other microphone was found: plug one in, or stop and save."
        self.banner.show_message(text, "error", (picker, resume, stop) if devices else (stop,))

    def _on_stopped(self, event: SessionStopped) -> None:
        self.status = "idle"
        self.runner = None
        self._stop_requested = False
        self.lag_badge.set_lag(0.0)
        self.mic_panel.set_level(None)
        self.status_meter.set_level(None)
        self._update_controls()
        self.saved_label.setText(
            f"Session #{event.session_id} saved ({clock(event.duration_s)}). "
            "Open it with Review (Ctrl+R)."
        )
        if event.reason == "end_of_input":
            self.banner.show_message("The recording ended; the session is saved.", "info")
        elif event.reason == "stopped" and "lost" not in self.banner.text():
            self.banner.hide()
        if event.session_id is not None:
            self.session_finished.emit(event.session_id)
        if self._close_when_stopped:
            self.close()

    # ------------------------------------------------------------------ state → controls

    def _update_controls(self) -> None:
        status = self.status
        running = status in ("starting", "running", "paused", "device_lost", "stopping")
        self.act_start.setEnabled(status in ("idle", "paused"))
        self.act_start.setText("Resume" if status == "paused" else "Start")
        self.act_start.setIcon(icon("play" if status == "paused" else "start"))
        self.act_pause.setEnabled(status in ("running", "paused"))
        self.act_stop.setEnabled(status in ("starting", "running", "paused", "device_lost"))
        self.setup.set_locked(running)
        self.phase_bar.set_interactive(status in ("running", "paused"))
        c = colors()
        labels = {
            "idle": ("Ready", c.muted),
            "starting": ("Starting…", c.muted),
            "running": ("● Recording", c.over),
            "paused": ("Paused", c.near),
            "device_lost": ("Microphone lost", c.over),
            "stopping": ("Saving…", c.muted),
        }
        text, colour = labels.get(status, (status, c.muted))
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"color: {colour.name()}; font-weight: 600; padding: 0 6px;")
        if running:
            self._tick.start()
        else:
            self._tick.stop()
        if status == "idle":
            self.clock.set_time(0.0, self.round_s())

    def _refresh_clock(self) -> None:
        if self._state is not None and self.status != "idle":
            self.clock.set_time(self._state.round_elapsed_s, self._state.round_s)
        else:
            self.clock.set_time(0.0, self.round_s())

    # ------------------------------------------------------------------ theme


    def changeEvent(self, event: QEvent) -> None:
        """The theme changed (Settings, or the system's scheme): redraw what was painted with
        the old colours — above all the transcript, which would turn unreadable."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            dark = colors().dark
            if dark != self._dark_shown:
                self.restyle()
            self._dark_shown = dark

    def restyle(self) -> None:
        self.transcript.restyle()
        self.coverage.restyle()
        self.cue_card.restyle()
        self.setup.restyle()
        self._update_controls()
        for act, name in ((self.act_pause, "pause"), (self.act_stop, "stop"),
                          (self.act_capture, "capture"), (self.act_diagram, "capture"),
                          (self.act_review, "library"),
                          (self.act_settings, "settings")):
            act.setIcon(icon(name))
        for index, name in enumerate(("settings", "check", "capture", "capture")):
            self.tabs.setTabIcon(index, icon(name))
        self.status_meter_label.setPixmap(icon("mic").pixmap(14, 14))
        if self.banner.isVisible():
            self.banner.hide()  # its colours are stale; the next message redraws it

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop a running session first; the window closes once the runner says it stopped."""
        if self.status != "idle":
            self._close_when_stopped = True
            self.stop()
            self.statusBar().showMessage("Saving the session before closing…")
            event.ignore()
            return
        self.settings.set(Key.LIVE_GEOMETRY, bytes(self.saveGeometry().data()))
        self.mic_panel.shutdown()
        self.tasks.wait_all()
        self.bridge.close()
        super().closeEvent(event)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _pil_to_qimage(image: Image | None) -> QImage | None:
    if image is None:
        return None
    try:
        rgb = image.convert("RGB")
        data = rgb.tobytes("raw", "RGB")
        qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
        return qimage.copy()
    except Exception:
        log.warning("cannot show the captured image", exc_info=True)
        return None
