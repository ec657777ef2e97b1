"""Settings: every preference in ``app.settings`` in one dialog.

Models other than the bundled ``tiny.en`` are downloaded only when the user presses Download,
on a worker thread, with progress and a Cancel button; nothing else here touches the network.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.settings import DEFAULT_MODEL, ROUND_LENGTHS_MIN, THEMES, Key, Settings
from app.ui.mic_panel import PartnerPanel, list_devices
from app.ui.tasks import TaskRunner
from app.ui.theme import colors, icon
from framework.definition import Framework

log = logging.getLogger(__name__)

def known_models() -> tuple[str, ...]:
    from audio.model import KNOWN_NAMES

    return (DEFAULT_MODEL, *[str(n) for n in KNOWN_NAMES if n != DEFAULT_MODEL])


def model_available(name: str) -> bool:
    """True when the model resolves locally (bundled, a folder, or already downloaded)."""
    try:
        from audio.model import resolve_model

        resolve_model(name if name != DEFAULT_MODEL else None)
    except Exception:
        return False
    return True


class _Download(QObject):
    progress = Signal(int, int)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, frameworks: dict[str, Framework],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("mockcoach — settings")
        self.setWindowIcon(icon("settings"))
        self.setMinimumWidth(560)
        self.tasks = TaskRunner(self)
        self._cancel = threading.Event()
        self._carrier = _Download(self)
        self._carrier.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        boxes = (self._speech_box(settings), self._audio_box(settings),
                 self._partner_box(settings), self._session_box(settings, frameworks),
                 self._capture_box(settings), self._general_box(settings))
        buttons = QDialogButtonBox(  # created last: the tab order follows creation
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for box in boxes:
            layout.addWidget(box)
        layout.addWidget(buttons)
        self._update_model_state(self.model.currentText())

    # ------------------------------------------------------------------ the groups

    def _speech_box(self, settings: Settings) -> QGroupBox:
        self.model = QComboBox(self)
        self.model.setEditable(True)
        self.model.setToolTip("tiny.en ships with mockcoach. Larger models are more accurate "
                              "but slower; they are downloaded only when you press Download. "
                              "You can also type the path of a model folder.")
        for name in known_models():
            self.model.addItem(name, name)
        self.model.setCurrentText(settings.get_str(Key.MODEL) or DEFAULT_MODEL)
        self.model.currentTextChanged.connect(self._update_model_state)
        self.download = QPushButton(icon("export"), "Download", self)
        self.download.setToolTip("Fetch this model from Hugging Face (the only network access "
                                 "mockcoach makes)")
        self.download.clicked.connect(self._start_download)
        self.cancel_download = QPushButton("Cancel", self)
        self.cancel_download.clicked.connect(self._cancel.set)
        self.cancel_download.hide()
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.model_state = QLabel(self)
        self.model_state.setWordWrap(True)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.download)
        model_row.addWidget(self.cancel_download)
        speech = QGroupBox("Speech", self)
        form = QFormLayout(speech)
        form.addRow("Model", model_row)
        form.addRow("", self.progress)
        form.addRow("", self.model_state)
        return speech

    def _audio_box(self, settings: Settings) -> QGroupBox:
        self.microphone = QComboBox(self)
        devices, _problem = list_devices()
        if not devices:
            self.microphone.addItem("No microphone found", "")
        for dev in devices:
            self.microphone.addItem(icon("mic"), dev.label, dev.key)
        self.microphone.setCurrentIndex(max(self.microphone.findData(
            settings.get_str(Key.MICROPHONE)), 0))
        audio = QGroupBox("Microphone", self)
        QFormLayout(audio).addRow("Device", self.microphone)
        return audio

    def _partner_box(self, settings: Settings) -> QGroupBox:
        """The interviewer's source, for practice with a partner on a call (off by default)."""
        self.partner = PartnerPanel(self)
        self.partner.refresh(settings.get_str(Key.INTERVIEWER_SOURCE))
        box = QGroupBox("Partner's voice (practise with a partner)", self)
        form = QFormLayout(box)
        form.addRow("Source", self.partner)
        form.addRow("", self.partner.status_label)
        return box

    def _session_box(self, settings: Settings, frameworks: dict[str, Framework]) -> QGroupBox:
        self.framework = QComboBox(self)
        for fid, fw in sorted(frameworks.items(), key=lambda kv: kv[1].name):
            self.framework.addItem(fw.name, fid)
        self.framework.setCurrentIndex(max(self.framework.findData(
            settings.get_str(Key.FRAMEWORK)), 0))
        self.length = QComboBox(self)
        for minutes in ROUND_LENGTHS_MIN:
            self.length.addItem(f"{minutes} minutes", minutes)
        self.length.setCurrentIndex(max(self.length.findData(settings.round_length_min), 0))
        session = QGroupBox("Mock defaults", self)
        session_form = QFormLayout(session)
        session_form.addRow("Framework", self.framework)
        session_form.addRow("Length", self.length)
        return session

    def _capture_box(self, settings: Settings) -> QGroupBox:
        self.monitor = QSpinBox(self)
        self.monitor.setRange(0, 16)
        self.monitor.setSpecialValueText("All screens")
        self.monitor.setValue(settings.get_int(Key.CAPTURE_MONITOR))
        self.monitor.setToolTip("Which screen the capture overlay covers (0 = all)")
        self.shortcut = QKeySequenceEdit(QKeySequence(settings.get_str(Key.CAPTURE_SHORTCUT)),
                                         self)
        self.shortcut.setToolTip("Shortcut that opens the capture overlay in the mockcoach "
                                 "window")
        capture = QGroupBox("Prompt capture", self)
        capture_form = QFormLayout(capture)
        capture_form.addRow("Screen", self.monitor)
        capture_form.addRow("Shortcut", self.shortcut)
        return capture

    def _general_box(self, settings: Settings) -> QGroupBox:
        """Where the data lives, and the theme."""
        self.data_folder = QLineEdit(settings.get_str(Key.DATA_FOLDER), self)
        self.data_folder.setPlaceholderText(str(settings.data_folder))
        self.data_folder.setToolTip("Where sessions, recordings and screenshots are kept. "
                                    "Takes effect at the next start.")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_folder, 1)
        folder_row.addWidget(browse)
        self.theme = QComboBox(self)
        for value, label in zip(THEMES, ("Follow the system", "Light", "Dark"), strict=True):
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(max(self.theme.findData(settings.theme), 0))
        general = QGroupBox("General", self)
        general_form = QFormLayout(general)
        general_form.addRow("Data folder", folder_row)
        general_form.addRow("Theme", self.theme)
        return general

    # ------------------------------------------------------------------ model download

    def _update_model_state(self, name: str) -> None:
        c = colors()
        name = name.strip()
        if self.tasks.busy:
            return
        if model_available(name):
            self.model_state.setText("Ready on this computer." if name != DEFAULT_MODEL
                                     else "Bundled with mockcoach: works offline.")
            self.model_state.setStyleSheet(f"color: {c.under.name()};")
            self.download.setEnabled(False)
        else:
            self.model_state.setText("Not on this computer yet: press Download to fetch it.")
            self.model_state.setStyleSheet(f"color: {c.near.name()};")
            self.download.setEnabled(bool(name))

    def _start_download(self) -> None:
        from audio.model import download_model

        name = self.model.currentText().strip()
        self._cancel.clear()
        self.download.hide()
        self.cancel_download.show()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.model_state.setText(f"Downloading {name}…")
        carrier, cancel = self._carrier, self._cancel
        self.tasks.submit(
            lambda: download_model(name, lambda done, total: carrier.progress.emit(
                int(done // 1024), int(total // 1024)), cancel.is_set),
            on_done=lambda _model: self._download_finished(""),
            on_error=lambda e: self._download_finished(str(e)),
            name="mockcoach-download")

    @Slot(int, int)
    def _on_progress(self, done_kb: int, total_kb: int) -> None:
        if total_kb > 0:
            self.progress.setRange(0, total_kb)
            self.progress.setValue(done_kb)
            self.progress.setFormat(f"{done_kb / 1024:.0f} / {total_kb / 1024:.0f} MB")

    def _download_finished(self, error: str) -> None:
        self.progress.hide()
        self.cancel_download.hide()
        self.download.show()
        if error:
            self.model_state.setText(error)
            self.model_state.setStyleSheet(f"color: {colors().over.name()};")
        else:
            self._update_model_state(self.model.currentText())

    # ------------------------------------------------------------------ saving

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder",
                                                  str(self.settings.data_folder))
        if folder:
            self.data_folder.setText(folder)

    def accept(self) -> None:
        s = self.settings
        s.set(Key.MODEL, self.model.currentText().strip() or DEFAULT_MODEL)
        s.set(Key.MICROPHONE, str(self.microphone.currentData() or ""))
        s.set(Key.INTERVIEWER_SOURCE, self.partner.source())
        if self.framework.currentData():
            s.set(Key.FRAMEWORK, str(self.framework.currentData()))
        s.set(Key.DEFAULT_LENGTH_MIN, int(self.length.currentData()))
        s.set(Key.CAPTURE_MONITOR, int(self.monitor.value()))
        shortcut = self.shortcut.keySequence().toString()
        s.set(Key.CAPTURE_SHORTCUT, shortcut or "Ctrl+Shift+C")
        s.set(Key.DATA_FOLDER, self.data_folder.text().strip())
        s.set(Key.THEME, str(self.theme.currentData()))
        s.sync()
        super().accept()

    def done(self, result: int) -> None:
        self._cancel.set()  # a running download stops at its next block
        self.partner.shutdown()
        self.tasks.wait_all(10.0)
        super().done(result)
