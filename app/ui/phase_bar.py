"""The framework's phases as one strip: where you are, and time spent against each budget.

Each phase is a chip whose width follows its budget; a thin bar fills with the time spent and is
coloured by the tracker's status (under / near / over). Clicking a chip tells the tracker that the
speaker is in that phase (a manual override).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.presentation import clock
from app.ui.theme import colors


@dataclass(frozen=True)
class PhaseSpec:
    id: str
    label: str
    budget_s: float


@dataclass(frozen=True)
class PhaseTime:
    elapsed_s: float
    status: str  # "under" | "near" | "over"


class PhaseBar(QWidget):
    phase_clicked = Signal(str)

    MIN_CHIP_PX = 92
    GAP_PX = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._phases: list[PhaseSpec] = []
        self._times: dict[str, PhaseTime] = {}
        self._current: str | None = None
        self._interactive = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Phase bar")

    def set_phases(self, phases: list[PhaseSpec]) -> None:
        self._phases = list(phases)
        self._times = {}
        self._current = None
        self.updateGeometry()
        self.update()

    def set_interactive(self, interactive: bool) -> None:
        """Clicks override the phase only while a mock runs."""
        self._interactive = interactive
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if interactive else Qt.CursorShape.ArrowCursor
        )

    def update_state(self, current: str | None, times: dict[str, PhaseTime]) -> None:
        if current == self._current and times == self._times:
            return
        self._current = current
        self._times = dict(times)
        self.update()

    @property
    def current(self) -> str | None:
        return self._current

    def phases(self) -> list[PhaseSpec]:
        return list(self._phases)

    def sizeHint(self) -> QSize:
        height = self.fontMetrics().height() * 2 + 22
        return QSize(max(len(self._phases), 1) * (self.MIN_CHIP_PX + self.GAP_PX), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    def chip_rects(self) -> list[QRectF]:
        if not self._phases:
            return []
        total_budget = sum(max(p.budget_s, 1.0) for p in self._phases)
        gaps = self.GAP_PX * (len(self._phases) - 1)
        free = max(self.width() - gaps, 1)
        minimum = min(self.MIN_CHIP_PX, free / len(self._phases))
        spare = max(free - minimum * len(self._phases), 0)
        rects, x = [], 0.0
        for phase in self._phases:
            width = minimum + spare * max(phase.budget_s, 1.0) / total_budget
            rects.append(QRectF(x, 1, width, self.height() - 2))
            x += width + self.GAP_PX
        return rects

    def phase_at(self, pos: QPoint) -> str | None:
        for phase, rect in zip(self._phases, self.chip_rects(), strict=True):
            if rect.contains(pos.toPointF()):
                return phase.id
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        c = colors()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base_font = QFont(self.font())
        small = QFont(self.font())
        small.setPointSizeF(max(base_font.pointSizeF() * 0.88, 7.0))
        for index, (phase, rect) in enumerate(zip(self._phases, self.chip_rects(), strict=True)):
            current = phase.id == self._current
            time = self._times.get(phase.id)
            painter.setPen(QPen(c.accent if current else c.border, 2 if current else 1))
            painter.setBrush(c.marker if current else c.surface)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 7, 7)
            # phase colour dot (the same colour as the review timeline)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c.phase(index))
            painter.drawEllipse(QRectF(rect.left() + 10, rect.top() + 11, 8, 8))
            title = QFont(base_font)
            title.setBold(current)
            painter.setFont(title)
            painter.setPen(c.text)
            text_rect = rect.adjusted(24, 4, -8, -rect.height() / 2)
            label = painter.fontMetrics().elidedText(
                phase.label, Qt.TextElideMode.ElideRight, int(text_rect.width())
            )
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             label)
            painter.setFont(small)
            elapsed = time.elapsed_s if time else 0.0
            status = time.status if time else "under"
            painter.setPen(c.status(status) if elapsed > 0 and status != "under" else c.muted)
            figures = f"{clock(elapsed)} / {clock(phase.budget_s)}"
            figure_rect = rect.adjusted(10, rect.height() / 2 - 3, -8, -9)
            painter.drawText(
                figure_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(figures, Qt.TextElideMode.ElideRight,
                                                 int(figure_rect.width())),
            )
            # progress against the budget
            track = QRectF(rect.left() + 10, rect.bottom() - 8, rect.width() - 20, 3)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c.surface_alt if not c.dark else c.border)
            painter.drawRoundedRect(track, 1.5, 1.5)
            if elapsed > 0:
                fraction = min(elapsed / max(phase.budget_s, 1.0), 1.0)
                fill = QRectF(track.left(), track.top(), track.width() * fraction, track.height())
                painter.setBrush(c.status(status))
                painter.drawRoundedRect(fill, 1.5, 1.5)
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._interactive and event.button() == Qt.MouseButton.LeftButton:
            phase = self.phase_at(event.position().toPoint())
            if phase is not None and phase != self._current:
                self.phase_clicked.emit(phase)
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            phase_id = self.phase_at(event.pos())
            phase = next((p for p in self._phases if p.id == phase_id), None)
            if phase is None:
                QToolTip.hideText()
                return True
            time = self._times.get(phase.id)
            spent = clock(time.elapsed_s if time else 0)
            budget = clock(phase.budget_s)
            text = f"<b>{phase.label}</b><br>{spent} spent of a {budget} budget"
            if time and time.status != "under":
                text += f" ({'nearly used' if time.status == 'near' else 'over budget'})"
            if self._interactive and phase.id != self._current:
                text += "<br><i>Click if you are in this phase now.</i>"
            QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)
