"""The practice window's suggestion of what to practise next: one line under the prompt picker,
with *Practise it* and a close button. It never blocks anything and goes away when dismissed or
when a mock starts.

The suggestion itself (``app.progress.suggest_next_prompt``: the last mock's study list, else the
library prompt practised least) is computed off the GUI thread by the composition root.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.ui.theme import colors, icon


class NextPromptHint(QFrame):
    """``accepted`` carries the library prompt id when the user takes the suggestion."""

    accepted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nextPromptHint")
        self.prompt_id: str | None = None
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.take = QPushButton(icon("library"), "Practise it", self)
        self.take.setToolTip("Pick this prompt from the library")
        self.take.clicked.connect(self._take)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss the suggestion")
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.setSpacing(8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.take, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.restyle()
        self.hide()

    def offer(self, prompt_id: str, title: str, why: str) -> None:
        import html

        self.prompt_id = prompt_id
        reason = f"<br><span style='color:{colors().muted.name()}'>{html.escape(why)}</span>" \
            if why else ""
        self.text.setText(f"<b>Suggested next:</b> {html.escape(title or prompt_id)}{reason}")
        self.text.setToolTip(why)
        self.show()

    def dismiss(self) -> None:
        self.prompt_id = None
        self.hide()

    def _take(self) -> None:
        if self.prompt_id:
            self.accepted.emit(self.prompt_id)
        self.dismiss()

    def restyle(self) -> None:
        c = colors()
        self.setStyleSheet(f"#nextPromptHint {{ border: 1px solid {c.border.name()};"
                           f" border-left: 4px solid {c.accent.name()};"
                           f" background: {c.surface.name()}; }}")
