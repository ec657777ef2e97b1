"""The interview prompt: its text (captured, picked from the library or typed; always editable),
the requirements parsed from it, and the captured image when there is one.

Parsing is cheap pure Python, so it runs on the GUI thread after typing pauses (debounced).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from capture.prompt import Prompt, parse_prompt


class PromptPanel(QWidget):
    """Emits ``prompt_changed`` with the re-parsed prompt whenever the text settles."""

    prompt_changed = Signal(object)  # capture.prompt.Prompt

    DEBOUNCE_MS = 400

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = QLabel("No prompt yet", self)
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self._title.setFont(font)
        self._title.setWordWrap(True)
        self._source = QLabel(self)
        self._source.setObjectName("muted")
        self._image = QLabel(self)
        self._image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._image.hide()
        self._text = QPlainTextEdit(self)
        self._text.setPlaceholderText(
            "Paste or type the interview prompt here, or capture it from the screen "
            "(Ctrl+Shift+C). Lines under headings such as “Functional requirements” become "
            "requirements the coach tracks."
        )
        self._text.setToolTip("The prompt text. Edit it to fix OCR mistakes; requirements follow.")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self._reparse)
        self._text.textChanged.connect(self._timer.start)
        self._prompt: Prompt = parse_prompt("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self._title)
        layout.addWidget(self._source)
        layout.addWidget(self._image)
        self._req_label = QLabel(self)
        self._requirements = QListWidget(self)
        self._requirements.setToolTip("Requirements read from the prompt; the coach ticks them "
                                      "off in the Coverage tab as you address them")
        self._requirements.setWordWrap(True)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        lower_layout.setSpacing(4)
        lower_layout.addWidget(self._req_label)
        lower_layout.addWidget(self._requirements, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self._text)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self._show_requirements()

    def set_prompt(self, prompt: Prompt, source: str, image: QImage | None = None) -> None:
        """Show a prompt (from the library, typed or captured) without re-emitting it as an edit."""
        self._prompt = prompt
        self._text.blockSignals(True)
        self._text.setPlainText(prompt.raw_text)
        self._text.blockSignals(False)
        self._title.setText(prompt.title or "Untitled prompt")
        self._source.setText(source)
        self._set_image(image)
        self._show_requirements()
        self.prompt_changed.emit(prompt)

    def prompt(self) -> Prompt:
        return self._prompt

    def text(self) -> str:
        return self._text.toPlainText()

    def flush(self) -> Prompt:
        """Parse now if an edit is pending (used at Start)."""
        if self._timer.isActive():
            self._timer.stop()
            self._reparse()
        return self._prompt

    def _reparse(self) -> None:
        self._prompt = parse_prompt(self._text.toPlainText())
        self._title.setText(self._prompt.title or "Untitled prompt")
        if not self._source.text():
            self._source.setText("Typed")
        self._show_requirements()
        self.prompt_changed.emit(self._prompt)

    def requirement_rows(self) -> list[str]:
        return [self._requirements.item(i).text() for i in range(self._requirements.count())]

    def _show_requirements(self) -> None:
        kinds = {"functional": "functional", "non_functional": "non-functional",
                 "scale": "scale", "out_of_scope": "out of scope"}
        self._requirements.clear()
        for req in self._prompt.requirements:
            item = QListWidgetItem(f"{req.text}")
            item.setToolTip(f"{req.id} · {kinds.get(req.kind, req.kind)}")
            if req.kind == "out_of_scope":
                item.setForeground(self.palette().placeholderText())
            self._requirements.addItem(item)
        count = len(self._prompt.requirements)
        self._req_label.setText(f"<b>Requirements</b> ({count})" if count else
                                "<b>Requirements</b>: none found yet — use headings such as "
                                "“Functional requirements” or one per line.")

    def _set_image(self, image: QImage | None) -> None:
        if image is None or image.isNull():
            self._image.hide()
            self._image.clear()
            return
        pixmap = QPixmap.fromImage(image)
        width = max(self.width() - 20, 200)
        self._image.setPixmap(
            pixmap.scaledToWidth(min(width, pixmap.width()),
                                 Qt.TransformationMode.SmoothTransformation)
        )
        self._image.setFixedHeight(min(self._image.pixmap().height(), 160))
        self._image.setToolTip("The captured screen region")
        self._image.show()
