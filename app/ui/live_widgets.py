"""Small live widgets: the cue card, the level meter, the lag badge and the round clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.presentation import clock
from app.ui.theme import colors, icon

METER_FLOOR_DB = -60.0


@dataclass(frozen=True)
class Nudge:
    kind: str
    text: str
    at_s: float


class CueCard(QFrame):
    """The current phase's speakable template and the latest nudges; never modal, never loud."""

    MAX_NUDGES = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cueCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._phase = QLabel(self)
        self._phase.setObjectName("cuePhase")
        font = QFont(self.font())
        font.setBold(True)
        self._phase.setFont(font)
        self._template = QLabel(self)
        self._template.setWordWrap(True)
        self._template.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._nudges = QLabel(self)
        self._nudges.setWordWrap(True)
        self._nudges.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        layout.addWidget(self._phase)
        layout.addWidget(self._template)
        layout.addWidget(self._nudges)
        self._nudge_list: list[Nudge] = []
        self.set_phase("", "")

    def set_phase(self, label: str, template: str) -> None:
        c = colors()
        if not label:
            self._phase.setText("Cues")
            self._template.setText(
                "The current phase's talking points appear here once you start."
            )
            self._template.setStyleSheet(f"color: {c.muted.name()};")
            return
        if self._phase.text() == f"Now: {label}" and self._template.text() == template:
            return
        self._phase.setText(f"Now: {label}")
        self._template.setText(template or "No template for this phase.")
        self._template.setStyleSheet(f"color: {c.text.name()};")

    def restyle(self) -> None:
        """Redraw in the current palette (the theme changed)."""
        label = self._phase.text().removeprefix("Now: ")
        template = self._template.text()
        self._phase.setText("")
        if label and label != "Cues":
            self.set_phase(label, template)
        else:
            self.set_phase("", "")
        self._render_nudges()

    def add_nudge(self, nudge: Nudge) -> None:
        self._nudge_list = [
            n for n in self._nudge_list if (n.kind, n.text) != (nudge.kind, nudge.text)
        ]
        self._nudge_list.append(nudge)
        self._nudge_list = self._nudge_list[-self.MAX_NUDGES :]
        self._render_nudges()

    def clear_nudges(self) -> None:
        self._nudge_list.clear()
        self._render_nudges()

    def nudges(self) -> list[Nudge]:
        return list(self._nudge_list)

    def _render_nudges(self) -> None:
        c = colors()
        if not self._nudge_list:
            self._nudges.hide()
            return
        lines = [
            f"<span style='color:{c.near.name()}'>●</span> "
            f"<span style='color:{c.muted.name()}'>{clock(n.at_s)}</span>&nbsp; "
            f"{_escape(n.text)}"
            for n in reversed(self._nudge_list)
        ]
        self._nudges.setText("<br>".join(lines))
        self._nudges.show()

    def template_text(self) -> str:
        return self._template.text()


class LevelMeter(QWidget):
    """A horizontal dBFS bar with a peak hold; fed at most ~30 times a second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._level_db = METER_FLOOR_DB
        self._peak_db = METER_FLOOR_DB
        self._enabled_look = True
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Microphone level. Speak normally: the bar should reach the green middle.")
        self.setAccessibleName("Microphone level")

    def sizeHint(self) -> QSize:
        return QSize(140, 10)

    def set_level(self, level_db: float | None) -> None:
        level = METER_FLOOR_DB if level_db is None or math.isnan(level_db) else level_db
        level = max(METER_FLOOR_DB, min(0.0, level))
        self._peak_db = max(level, self._peak_db - 1.5)
        if level != self._level_db:
            self._level_db = level
            self.update()

    @property
    def level_db(self) -> float:
        return self._level_db

    def set_active(self, active: bool) -> None:
        self._enabled_look = active
        if not active:
            self._level_db = self._peak_db = METER_FLOOR_DB
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        c = colors()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(c.border)
        painter.setBrush(c.surface_alt)
        painter.drawRoundedRect(rect, 3, 3)
        if self._enabled_look:
            fraction = (self._level_db - METER_FLOOR_DB) / -METER_FLOOR_DB
            colour = c.under if self._level_db < -12 else c.near if self._level_db < -3 else c.over
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(
                QRectF(rect.left() + 1, rect.top() + 1, (rect.width() - 2) * fraction,
                       rect.height() - 2), 2, 2
            )
            peak_x = rect.left() + (rect.width() - 2) * (
                (self._peak_db - METER_FLOOR_DB) / -METER_FLOOR_DB
            )
            painter.setBrush(c.text)
            painter.drawRect(QRectF(peak_x, rect.top() + 1, 1.5, rect.height() - 2))
        painter.end()


class LagBadge(QWidget):
    """Says when the transcript falls behind the voice; invisible while all is well."""

    SHOW_FROM_S = 2.0
    WARN_FROM_S = 6.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icon = QLabel(self)
        self._text = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self._icon)
        layout.addWidget(self._text)
        self._lag_s = 0.0
        self.setToolTip(
            "Transcription is running behind your voice. Nothing is lost: it catches up when "
            "you pause. A smaller model in Settings keeps up better on slow machines."
        )
        self.hide()

    def set_lag(self, lag_s: float) -> None:
        self._lag_s = lag_s
        if lag_s < self.SHOW_FROM_S:
            self.hide()
            return
        c = colors()
        colour = c.over if lag_s >= self.WARN_FROM_S else c.near
        self._icon.setPixmap(icon("lag", colour.name()).pixmap(16, 16))
        self._text.setText(f"Transcript {lag_s:.1f} s behind")
        self._text.setStyleSheet(f"color: {colour.name()};")
        self.show()

    @property
    def lag_s(self) -> float:
        return self._lag_s

    def text(self) -> str:
        return self._text.text() if self.isVisible() or self._lag_s >= self.SHOW_FROM_S else ""


class RoundClock(QLabel):
    """``12:34 / 45:00``; turns amber in the last five minutes and red past the end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        self.setFont(font)
        self.setToolTip("Round clock: time spoken so far / length of the round")
        self.setAccessibleName("Round clock")
        self.set_time(0.0, 45 * 60)

    def set_time(self, elapsed_s: float, round_s: float) -> None:
        c = colors()
        left = round_s - elapsed_s
        colour = c.over if left < 0 else c.near if left < 300 else c.text
        text = f"{clock(elapsed_s)} / {clock(round_s)}"
        if text != self.text():
            self.setText(text)
        style = f"color: {colour.name()}; padding: 0 8px;"
        if style != self.styleSheet():  # restyling is costly: only on a change
            self.setStyleSheet(style)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
