"""The parts of the practice window that are not about a running session.

* ``SessionRequest``/``SessionControl``/``RunnerFactory``: the seam between the window and the
  composition root (``app.ui.application`` builds the runner; the window only drives it).
* ``SetupPanel``: the Set-up tab (prompt source, library, framework, round length, microphone).
  It only shows choices and says when one changes; the window decides what a change means.
* ``Banner``: the non-modal message strip above the transcript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.settings import ROUND_LENGTHS_MIN
from app.store import Capture, Session
from app.ui.mic_panel import Device, MicPanel
from app.ui.model_cache import ModelCache
from app.ui.next_prompt import NextPromptHint
from app.ui.theme import colors, icon
from capture.prompt import Prompt
from framework.definition import Framework

if TYPE_CHECKING:
    from PIL.Image import Image

    from app.diagrams import DiagramResult
    from app.store import DiagramCapture

DeviceLister = Callable[[], tuple[list[Device], str | None]]

SETUP_HINT = (
    "Tip: speak as if to an interviewer. Say phase changes out loud (“let's move on to the "
    "high-level design”) — the coach listens for them. Click a phase in the bar to correct it."
)


class SessionControl(Protocol):
    """What the window needs from a session runner (``app.runner.SessionRunner``)."""

    def start(self) -> Session | None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop(self) -> Session | None: ...
    def override_phase(self, phase_id: str) -> None: ...
    def attach_capture(self, image: Image | Path | None, ocr_text: str,
                       prompt: Prompt | None = None) -> Capture: ...
    def switch_device(self, device: str | None) -> None: ...
    def attach_diagram(self, result: DiagramResult) -> DiagramCapture: ...
    def now_s(self) -> float: ...


@dataclass(frozen=True)
class SessionRequest:
    """Everything chosen in the set-up, handed to the runner factory at Start."""

    prompt: Prompt | None
    prompt_source: str  # "library" | "typed" | "capture"
    prompt_image: Image | None  # the captured region, if the prompt came from a capture
    framework: Framework
    round_s: float
    device: str | None


RunnerFactory = Callable[[SessionRequest, Callable[[object], None]], SessionControl]


@dataclass(frozen=True)
class LibraryEntry:
    id: str
    title: str
    prompt: Prompt


@dataclass(frozen=True)
class CaptureResult:
    image: Image
    prompt: Prompt
    text: str
    seconds: float


class SetupPanel(QWidget):
    """The Set-up tab. Signals carry the new choice; nothing here touches a session."""

    prompt_source_changed = Signal()
    library_picked = Signal(int)
    framework_picked = Signal()
    length_picked = Signal(int)  # minutes
    capture_requested = Signal()

    def __init__(self, frameworks: dict[str, Framework], library: list[LibraryEntry],
                 device_lister: DeviceLister, model_spec: Callable[[], str | None],
                 models: ModelCache | None, capture_tip: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(14, 14, 14, 14)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(10)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Prompt", self._prompt_source())
        form.addRow("", self._prompt_box(library, capture_tip))
        self.next_hint = NextPromptHint(self)
        self.next_hint.accepted.connect(self.pick_library)
        form.addRow("", self.next_hint)
        form.addRow("Framework", self._framework_combo(frameworks))
        form.addRow("Length", self._length_row())
        self.mic_panel = MicPanel(self, device_lister=device_lister, model_spec=model_spec,
                                  models=models)
        form.addRow("Microphone", self.mic_panel)
        self.hint = QLabel(SETUP_HINT, self)
        self.hint.setWordWrap(True)
        form.addRow(self.hint)
        self.restyle()

    def _prompt_source(self) -> QComboBox:
        self.prompt_source = QComboBox(self)
        self.prompt_source.addItem(icon("library"), "From the library", "library")
        self.prompt_source.addItem(icon("rename"), "Type or paste it", "typed")
        self.prompt_source.addItem(icon("capture"), "Capture from screen", "capture")
        self.prompt_source.setToolTip("Where the interview prompt comes from")
        self.prompt_source.currentIndexChanged.connect(lambda _: self.prompt_source_changed.emit())
        return self.prompt_source

    def _prompt_box(self, library: list[LibraryEntry], capture_tip: str) -> QWidget:
        self.library_combo = QComboBox(self)
        self.library_combo.setToolTip("Practice prompts shipped with mockcoach (and your own)")
        for entry in library:
            self.library_combo.addItem(entry.title, entry.id)
        self.library_combo.currentIndexChanged.connect(self.library_picked.emit)
        self.capture_button = QPushButton(icon("capture"), "Capture from screen…", self)
        self.capture_button.setToolTip(capture_tip)
        self.capture_button.clicked.connect(self.capture_requested.emit)
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.library_combo)
        layout.addWidget(self.capture_button)
        return box

    def _framework_combo(self, frameworks: dict[str, Framework]) -> QComboBox:
        self.framework_combo = QComboBox(self)
        self.framework_combo.setToolTip("The phases, budgets and checklist the coach follows")
        for fid, fw in sorted(frameworks.items(), key=lambda kv: kv[1].name):
            # "Delivery (requirements, entities, …)": the short name fits, the rest is a tooltip
            self.framework_combo.addItem(fw.name.split(" (")[0], fid)
            self.framework_combo.setItemData(self.framework_combo.count() - 1, fw.name,
                                             Qt.ItemDataRole.ToolTipRole)
        self.framework_combo.currentIndexChanged.connect(lambda _: self.framework_picked.emit())
        return self.framework_combo

    def _length_row(self) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.length_group = QButtonGroup(self)
        for minutes in ROUND_LENGTHS_MIN:
            button = QRadioButton(f"{minutes} min", row)
            button.setToolTip(f"A {minutes}-minute round; phase budgets scale to it")
            self.length_group.addButton(button, minutes)
            layout.addWidget(button)
        layout.addStretch(1)
        self.length_group.idToggled.connect(
            lambda minutes, checked: self.length_picked.emit(minutes) if checked else None)
        return row

    def source(self) -> str:
        return str(self.prompt_source.currentData())

    def show_source(self, source: str) -> None:
        """Show ``source`` as chosen without announcing it (a capture arrived)."""
        self.prompt_source.blockSignals(True)
        self.prompt_source.setCurrentIndex(self.prompt_source.findData(source))
        self.prompt_source.blockSignals(False)
        self.library_combo.setVisible(source == "library")
        self.capture_button.setVisible(source == "capture")

    def pick_library(self, prompt_id: str) -> None:
        """Choose a library prompt by id, as if picked by hand (the suggested next prompt)."""
        index = self.library_combo.findData(prompt_id)
        if index < 0:
            return
        self.prompt_source.setCurrentIndex(self.prompt_source.findData("library"))
        if self.library_combo.currentIndex() == index:
            self.library_picked.emit(index)  # already chosen: show it again
        else:
            self.library_combo.setCurrentIndex(index)

    def set_locked(self, locked: bool) -> None:
        """While a session runs, its framework, prompt and length cannot change."""
        if locked:
            self.next_hint.dismiss()
        for widget in (self.framework_combo, self.prompt_source, self.library_combo):
            widget.setEnabled(not locked)
        for button in self.length_group.buttons():
            button.setEnabled(not locked)
        self.mic_panel.set_session_running(locked)

    def restyle(self) -> None:
        self.hint.setStyleSheet(f"color: {colors().muted.name()};")
        self.next_hint.restyle()


class Banner(QFrame):
    """A non-modal message strip above the transcript (device lost, recovery, errors)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self._icon = QLabel(self)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._actions = QHBoxLayout()
        self._actions.setSpacing(6)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._text, 1)
        layout.addLayout(self._actions)
        self.hide()

    def show_message(
        self, text: str, level: str = "warning", actions: tuple[QWidget, ...] = ()
    ) -> None:
        c = colors()
        tone = c.over if level == "error" else c.near if level == "warning" else c.accent
        self.setStyleSheet(
            f"#banner {{ border: 1px solid {tone.name()}; border-radius: 8px;"
            f" background: {c.surface.name()}; }}"
        )
        self._icon.setPixmap(
            icon("warning" if level != "info" else "recover", tone.name()).pixmap(20, 20)
        )
        self._text.setText(text)
        while self._actions.count():
            item = self._actions.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in actions:
                widget.hide()
        for widget in actions:
            self._actions.addWidget(widget)
            widget.show()
        self.show()

    def text(self) -> str:
        return self._text.text() if self.isVisible() else ""
