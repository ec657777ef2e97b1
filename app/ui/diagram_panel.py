"""The practice window's Diagram tab: capture the diagram being drawn, or watch a region of it,
and see what was read (the picture, the components named, when).

The panel only shows and asks: capturing, reading and saving happen off the GUI thread in the
composition root (``app.ui.application``), which calls ``show_result`` / ``note_unchanged``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.diagrams import DEFAULT_INTERVAL_S, DiagramResult
from app.presentation import clock
from app.ui.theme import icon

EMPTY_TEXT = (
    "Draw your design in any tool (Excalidraw, draw.io, tldraw, a whiteboard app) and capture "
    "it here. Components named on the boxes (cache, queue, load balancer, Postgres, Kafka, …) "
    "count as addressed “by diagram” on the checklist."
)


class DiagramPanel(QWidget):
    """``capture_requested``: pick a region and read it once. ``window_capture_requested``:
    pick a window and read it once. ``watch_toggled(on, seconds)``: keep reading the last
    picked region or window every ``seconds`` while on."""

    capture_requested = Signal()
    window_capture_requested = Signal()
    watch_toggled = Signal(bool, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture_button = QPushButton(icon("capture"), "Capture region", self)
        self.capture_button.setToolTip("Select the diagram on screen and read its labels")
        self.capture_button.clicked.connect(self.capture_requested.emit)
        self.window_button = QPushButton(icon("window"), "Capture window", self)
        self.window_button.setToolTip(
            "Pick the window your diagram is drawn in (draw.io, a browser, a whiteboard app) "
            "and read it; watching then follows that window")
        self.window_button.clicked.connect(self.window_capture_requested.emit)
        self.watch_button = QPushButton(icon("refresh"), "Watch", self)
        self.watch_button.setCheckable(True)
        self.watch_button.setToolTip(
            "Read the same region or window again every few seconds while you draw; an "
            "unchanged picture adds nothing")
        self.watch_button.toggled.connect(self._on_watch)
        self.interval = QSpinBox(self)
        self.interval.setRange(5, 300)
        self.interval.setSuffix(" s")
        self.interval.setValue(DEFAULT_INTERVAL_S)
        self.interval.setToolTip("How often a watched region is captured")
        buttons = QHBoxLayout()  # two rows: the side panel is narrow
        buttons.addWidget(self.capture_button)
        buttons.addWidget(self.window_button)
        buttons.addStretch(1)
        watching = QHBoxLayout()
        watching.addWidget(self.watch_button)
        watching.addWidget(self.interval)
        watching.addStretch(1)
        self.status = QLabel(EMPTY_TEXT, self)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.image.hide()
        self.components = QListWidget(self)
        self.components.setObjectName("diagramComponents")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(buttons)
        layout.addLayout(watching)
        layout.addWidget(self.status)
        layout.addWidget(self.image)
        layout.addWidget(self.components, 1)
        self._unchanged = 0
        self._reads = 0
        self._pixmap: QPixmap | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_image()

    def _fit_image(self) -> None:
        """The capture as wide as the tab (at most its own size), at most 320 px tall."""
        if self._pixmap is None or self._pixmap.isNull():
            return
        width = min(max(160, self.width() - 16), self._pixmap.width())
        scaled = self._pixmap.scaled(width, 320, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(scaled)
        self.image.setFixedHeight(scaled.height())

    def show_result(self, result: DiagramResult, names: dict[str, str]) -> None:
        """A capture was read: show the picture and the components it names."""
        self._reads += 1
        self._unchanged = 0
        self._pixmap = QPixmap.fromImage(_to_qimage(result))
        self._fit_image()
        self.image.show()
        self.components.clear()
        for component in result.reading.components:
            name = names.get(component.id, component.id)
            item = QListWidgetItem(f"{name}  ·  “{component.label}”")
            item.setData(Qt.ItemDataRole.UserRole, component.id)
            self.components.addItem(item)
        count = len(result.reading.components)
        read = f"{len(result.reading.labels)} labels, {count} component{'s' * (count != 1)}"
        self.status.setText(
            f"Read at {clock(result.at_s)} · {read} · {result.reading.seconds:.1f} s"
            + ("" if count else " · no component named: label your boxes (“Redis cache”)"))

    def note_unchanged(self) -> None:
        """A watched capture showed the same picture: nothing added."""
        self._unchanged += 1
        text = self.status.text().split(" · unchanged")[0]
        self.status.setText(f"{text} · unchanged ×{self._unchanged}")

    def set_watching(self, on: bool) -> None:
        """Reflect the watch state without emitting (a failed pick turns it off)."""
        self.watch_button.blockSignals(True)
        self.watch_button.setChecked(on)
        self.watch_button.blockSignals(False)
        self.interval.setEnabled(not on)

    def shown_components(self) -> list[str]:
        """Component ids listed (tests, accessibility)."""
        return [str(self.components.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.components.count())]

    def _on_watch(self, on: bool) -> None:
        self.interval.setEnabled(not on)
        self.watch_toggled.emit(on, self.interval.value())


def _to_qimage(result: DiagramResult) -> QImage:
    rgb = result.image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    return QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()
