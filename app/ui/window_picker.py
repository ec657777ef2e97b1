"""Pick the window a diagram is drawn in (draw.io, Excalidraw in a browser, a whiteboard app).

A small non-modal dialog over the list ``capture.windows.list_windows`` gave (fetched off the
GUI thread by the caller): the front-most window first and selected, Enter or a double click
takes it. *Pick a region instead* hands over to the region picker, for a window that is not
listed or a part of one.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capture.windows import WindowInfo

HINT = ("The window's rectangle on screen is captured, as a region would be: keep it "
        "uncovered. Watching follows it when it moves.")


class WindowPickerDialog(QDialog):
    """``window_chosen(WindowInfo)``, ``region_requested()`` or ``cancelled()``: exactly one,
    once."""

    window_chosen = Signal(object)
    region_requested = Signal()
    cancelled = Signal()

    def __init__(self, windows: Sequence[WindowInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Capture a window")
        self.setMinimumWidth(460)
        self._windows = list(windows)
        self._answered = False
        title = QLabel("Which window holds your diagram?", self)
        title.setObjectName("sectionTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("windowList")
        for window in self._windows:
            item = QListWidgetItem(window.description)
            item.setToolTip(f"at {window.region.x}, {window.region.y}")
            self.list.addItem(item)
        if self._windows:
            self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        hint = QLabel(HINT if self._windows else
                      "No other window is open on this screen. Pick a region instead.", self)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.capture_button = buttons.addButton("Capture", QDialogButtonBox.ButtonRole.AcceptRole)
        self.capture_button.setEnabled(bool(self._windows))
        self.capture_button.setDefault(True)
        self.region_button = QPushButton("Pick a region instead", self)
        buttons.addButton(self.region_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.region_button.clicked.connect(self._region_instead)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    @property
    def windows(self) -> list[WindowInfo]:
        return list(self._windows)

    def choose(self, row: int) -> None:
        """Select a row and take it (tests; the keyboard does the same with Enter)."""
        self.list.setCurrentRow(row)
        self.accept()

    def accept(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._windows):
            return
        super().accept()
        self._answer(self.window_chosen, self._windows[row])

    def reject(self) -> None:
        super().reject()
        self._answer(self.cancelled)

    def _region_instead(self) -> None:
        super().reject()
        self._answer(self.region_requested)

    def _answer(self, signal: object, *args: object) -> None:
        if self._answered:
            return
        self._answered = True
        signal.emit(*args)  # type: ignore[attr-defined]
