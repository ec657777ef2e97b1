"""The review's picture of a session: phases as spoken vs the planned budgets, and the pace.

Three tracks on one time axis: what happened (phase spans, with a marker at each diagram
capture), the plan (budgets laid end to end), and words per minute with long silences shaded.
Clicking anywhere seeks the audio there.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.presentation import budget_status, clock
from app.ui.review_model import ReviewData
from app.ui.theme import colors


class PhaseTimeline(QWidget):
    seek_requested = Signal(float)

    LABEL_W = 74
    TRACK_H = 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: ReviewData | None = None
        self._cursor_s: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Top: the phases as you spoke them. Middle: the plan (budgets). "
                        "Bottom: words per minute; shaded = long silences. Click to listen.")

    def sizeHint(self) -> QSize:
        return QSize(600, 12 + self.TRACK_H * 2 + 16 + 90 + 34)

    def set_data(self, data: ReviewData | None) -> None:
        self._data = data
        self.update()

    def set_cursor(self, t_s: float | None) -> None:
        self._cursor_s = t_s
        self.update()

    def _span_s(self) -> float:
        data = self._data
        if data is None:
            return 1.0
        return max(data.duration_s, sum(p.budget_s for p in data.phases), 1.0)

    def _x(self, t_s: float) -> float:
        width = self.width() - self.LABEL_W - 12
        return self.LABEL_W + width * t_s / self._span_s()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 7.0))
        painter.setFont(small)
        data = self._data
        if data is None:
            painter.setPen(colors().muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No session selected")
            painter.end()
            return
        y = self._paint_spoken(painter, data, 8.0)
        self._paint_diagrams(painter, data, 8.0)
        y += 6
        y = self._paint_plan(painter, data, y) + 10
        plot = self._paint_pace(painter, data, y)
        self._paint_axis(painter, plot.bottom() + 4)
        if self._cursor_s is not None:
            painter.setPen(QPen(colors().over, 2))
            x = self._x(self._cursor_s)
            painter.drawLine(QPointF(x, 4), QPointF(x, plot.bottom()))
        painter.end()

    def _track_label(self, painter: QPainter, y: float, text: str, height: float) -> None:
        painter.setPen(colors().muted)
        painter.drawText(QRectF(0, y, self.LABEL_W - 6, height),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_spoken(self, painter: QPainter, data: ReviewData, y: float) -> float:
        """Track 1: the phases as they were spoken. Returns the track's bottom."""
        c = colors()
        index = {p.id: p.index for p in data.phases}
        labels = {p.id: p.label for p in data.phases}
        self._track_label(painter, y, "Spoken", self.TRACK_H)
        for span in data.spans:
            rect = QRectF(self._x(span.start_s), y, max(self._x(span.end_s) -
                                                         self._x(span.start_s), 1.0), self.TRACK_H)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c.phase(index.get(span.phase, 0)))
            painter.drawRect(rect)
            self._label(painter, rect, labels.get(span.phase, span.phase))
        return y + self.TRACK_H

    def _paint_diagrams(self, painter: QPainter, data: ReviewData, y: float) -> None:
        """Each diagram capture: a small marker hanging from the top of the spoken track."""
        if not data.diagrams:
            return
        c = colors()
        painter.setPen(QPen(c.surface, 1))
        painter.setBrush(c.accent)
        for view in data.diagrams:
            x = self._x(view.at_s)
            painter.drawPolygon(QPolygonF([QPointF(x - 5, y - 4), QPointF(x + 5, y - 4),
                                           QPointF(x, y + 6)]))

    def _paint_plan(self, painter: QPainter, data: ReviewData, y: float) -> float:
        """Track 2: the plan, each phase's budget with the time spent against it."""
        c = colors()
        self._track_label(painter, y, "Plan", self.TRACK_H)
        start = 0.0
        for phase in data.phases:
            rect = QRectF(self._x(start), y, self._x(start + phase.budget_s) - self._x(start),
                          self.TRACK_H)
            colour = c.phase(phase.index)
            fill = type(colour)(colour)
            fill.setAlpha(55)
            painter.setBrush(c.surface)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRect(rect)
            painter.setBrush(fill)
            painter.setPen(QPen(colour, 1))
            painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
            spent = data.time_per_phase.get(phase.id, 0.0)
            status = budget_status(spent, phase.budget_s)
            self._label(painter, rect, f"{phase.label} {clock(spent)}/{clock(phase.budget_s)}",
                        c.status(status) if status in ("near", "over") else c.text)
            start += phase.budget_s
        return y + self.TRACK_H

    def _paint_pace(self, painter: QPainter, data: ReviewData, y: float) -> QRectF:
        """Track 3: words per minute, long silences shaded. Returns the plot's rectangle."""
        c = colors()
        plot = QRectF(self.LABEL_W, y, self.width() - self.LABEL_W - 12, 90)
        self._track_label(painter, y, "Words/min", 16)
        painter.setPen(QPen(c.border, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(plot)
        silence = c.near
        silence.setAlpha(60)
        for gap_start, gap_end in data.silences:
            painter.fillRect(QRectF(self._x(gap_start), plot.top(),
                                    max(self._x(gap_end) - self._x(gap_start), 1.5),
                                    plot.height()), silence)
        top_wpm = max([200.0, *[w for _, w in data.wpm]])
        for ref in (100, 150):
            ry = plot.bottom() - plot.height() * ref / top_wpm
            painter.setPen(QPen(c.border, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), ry), QPointF(plot.right(), ry))
            painter.setPen(c.muted)
            painter.drawText(QRectF(0, ry - 8, self.LABEL_W - 6, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(ref))
        if data.wpm:
            path = QPainterPath()
            for i, (t_s, wpm) in enumerate(data.wpm):
                point = QPointF(self._x(t_s), plot.bottom() - plot.height() * wpm / top_wpm)
                path.moveTo(point) if i == 0 else path.lineTo(point)
            painter.setPen(QPen(c.accent, 2))
            painter.drawPath(path)
        return plot

    def _paint_axis(self, painter: QPainter, y: float) -> None:
        painter.setPen(colors().muted)
        step = 300.0 if self._span_s() > 1200 else 60.0
        t = 0.0
        while t <= self._span_s() + 1:
            x = self._x(t)
            painter.drawLine(QPointF(x, y), QPointF(x, y + 4))
            painter.drawText(QRectF(x - 30, y + 4, 60, 16), Qt.AlignmentFlag.AlignCenter,
                             clock(t))
            t += step

    def _label(self, painter: QPainter, rect: QRectF, text: str, colour: object = None) -> None:
        c = colors()
        if rect.width() < 30:
            return
        # Phase colours are mid-dark in light mode and light in dark mode: the surface colour
        # reads on both.
        painter.setPen(colour if colour is not None else c.surface)
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                  int(rect.width() - 8))
        painter.drawText(rect.adjusted(4, 0, -4, 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._data is not None and event.button() == Qt.MouseButton.LeftButton:
            x = event.position().x()
            if x >= self.LABEL_W:
                width = self.width() - self.LABEL_W - 12
                t_s = (x - self.LABEL_W) / max(width, 1) * self._span_s()
                self.seek_requested.emit(min(max(t_s, 0.0), self._data.duration_s))
        super().mouseReleaseEvent(event)
