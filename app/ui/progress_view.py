"""The review's progress view: how the saved mocks trend, as small plots, and what keeps going
wrong, in words.

The figures come from ``app.progress.load_progress`` (the same as ``mockcoach progress``) on a
worker thread, so the window opens at once and fills in when they arrive. Each plot is painted
with QPainter in the theme's colours at paint time, so a theme change is only a repaint.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.presentation import local_date
from app.progress import figure
from app.store import SessionStore
from app.ui.tasks import TaskRunner
from app.ui.theme import colors, icon
from framework.definition import Framework
from framework.progress import DENSE, Progress, SessionMetrics, Trend, smoothing_window

log = logging.getLogger(__name__)

COLUMNS = 3


class TrendChart(QWidget):
    """One trend over the mocks: a line per series (a gap where a mock was not measured), a dot
    per mock, the latest value in the corner; hover a dot for the mock and its value."""

    def __init__(self, trend: Trend, sessions: Sequence[SessionMetrics],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trend = trend
        self.sessions = tuple(sessions)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(220)
        self.setFixedHeight(self.sizeHint().height())
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(300, 150)

    def point_count(self) -> int:
        """How many dots are drawn: one per measured value."""
        return self.trend.points

    # -- geometry ----------------------------------------------------------------------------

    def _top(self) -> float:
        return self.trend.top

    def _plot(self) -> QRectF:
        top = 44.0 if len(self.trend.series) > 1 else 34.0
        return QRectF(44, top, max(10.0, self.width() - 58.0),
                      max(10.0, self.height() - top - 18.0))

    def _point(self, i: int, value: float) -> QPointF:
        plot, n, top = self._plot(), max(len(self.sessions), 1), self._top()
        x = plot.left() + (plot.width() * i / (n - 1) if n > 1 else plot.width() / 2)
        return QPointF(x, plot.bottom() - plot.height() * min(value, top) / top)

    def _series_colour(self, k: int) -> QColor:
        c = colors()
        return c.accent if k == 0 else c.near

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        c = colors()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(c.border, 1))
        p.setBrush(c.surface)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(c.text)
        p.drawText(QRectF(12, 6, self.width() - 24, 20),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.trend.title)
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 7.0))
        p.setFont(small)
        p.setPen(c.muted)
        p.drawText(QRectF(12, 6, self.width() - 24, 20),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self._latest())
        plot, top = self._plot(), self._top()
        for level in (0.0, top / 2, top):
            y = plot.bottom() - plot.height() * level / top
            p.setPen(QPen(c.border, 1, Qt.PenStyle.DotLine if level else Qt.PenStyle.SolidLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(c.muted)
            if not self.trend.labelled(level):
                continue
            label = figure(level, self.trend.unit if self.trend.unit in ("%",) else "")
            p.drawText(QRectF(0, y - 8, plot.left() - 6, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        dense = len(self.sessions) > DENSE
        for k, series in enumerate(self.trend.series):
            colour = QColor(self._series_colour(k))
            line = (series.rolling_mean(smoothing_window(len(self.sessions))) if dense
                    else series.values)
            self._paint_line(p, line, colour)
            if dense:
                colour.setAlpha(110)
            p.setBrush(colour)
            p.setPen(Qt.PenStyle.NoPen)
            radius = 1.8 if dense else 3.0
            for i, v in enumerate(series.values):
                if v is not None:
                    p.drawEllipse(self._point(i, v), radius, radius)
        if len(self.trend.series) > 1:
            self._paint_key(p)
        self._paint_axis(p, plot)
        p.end()

    def _paint_line(self, p: QPainter, values: tuple[float | None, ...], colour: QColor) -> None:
        """Joins consecutive measured values; a mock not measured leaves a gap."""
        p.setPen(QPen(colour, 2))
        previous: QPointF | None = None
        for i, v in enumerate(values):
            if v is None:
                previous = None
                continue
            point = self._point(i, v)
            if previous is not None:
                p.drawLine(previous, point)
            previous = point

    def _latest(self) -> str:
        parts = []
        for series in self.trend.series:
            measured = [v for v in series.values if v is not None]
            now = figure(measured[-1], self.trend.unit) if measured else "not measured"
            parts.append(f"{series.label} {now}" if len(self.trend.series) > 1 else now)
        return " · ".join(parts)

    def _paint_key(self, p: QPainter) -> None:
        x = 44.0
        for k, series in enumerate(self.trend.series):
            p.setPen(QPen(self._series_colour(k), 3))
            p.drawLine(QPointF(x, 30), QPointF(x + 12, 30))
            p.setPen(colors().muted)
            p.drawText(QPointF(x + 16, 34), series.label)
            x += 24 + p.fontMetrics().horizontalAdvance(series.label)

    def _paint_axis(self, p: QPainter, plot: QRectF) -> None:
        if not self.sessions:
            return
        p.setPen(colors().muted)
        y = plot.bottom() + 2
        p.drawText(QRectF(plot.left() - 60, y, 120, 14), Qt.AlignmentFlag.AlignHCenter,
                   f"#{self.sessions[0].id}")
        if len(self.sessions) > 1:
            p.drawText(QRectF(plot.right() - 60, y, 120, 14), Qt.AlignmentFlag.AlignHCenter,
                       f"#{self.sessions[-1].id}")

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            tip = self._tip_at(QPointF(e.pos()))
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def _tip_at(self, pos: QPointF) -> str:
        best: tuple[float, str] | None = None
        for series in self.trend.series:
            for i, v in enumerate(series.values):
                if v is None:
                    continue
                d = (self._point(i, v) - pos).manhattanLength()
                s = self.sessions[i]
                tip = (f"#{s.id} {local_date(s.started_at)}\n{s.title}\n"
                       f"{series.label}: {figure(v, self.trend.unit)}")
                if d < 14 and (best is None or d < best[0]):
                    best = (d, tip)
        return best[1] if best else ""


class ProgressView(QWidget):
    """The progress window: next prompt, recurring weaknesses, then one plot per trend."""

    loaded = Signal(object)  # framework.progress.Progress, once shown
    practise_requested = Signal(str)  # a library prompt id: "Practise it" on the next prompt

    def __init__(self, store: SessionStore, frameworks: Mapping[str, Framework] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.frameworks = frameworks
        self.tasks = TaskRunner(self)
        self.progress: Progress | None = None
        self.charts: list[TrendChart] = []
        self.setWindowTitle("mockcoach — progress")
        self.setWindowIcon(icon("app"))
        self.resize(1060, 820)
        self.heading = QLabel("Progress across your mocks", self)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.heading.setFont(font)
        self.summary = QLabel("Loading…", self)
        self.next_prompt = QLabel(self)
        self.next_prompt.setWordWrap(True)
        self.next_prompt.setObjectName("nextPrompt")
        self.next_prompt.setTextFormat(Qt.TextFormat.RichText)
        self.next_prompt.setToolTip("Click “Practise it” to pick it in the practice window")
        self.next_prompt.linkActivated.connect(self._practise)
        self.weaknesses = QLabel(self)
        self.weaknesses.setWordWrap(True)
        self.weaknesses.setTextFormat(Qt.TextFormat.RichText)
        self.weaknesses.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._grid_host = QWidget(self)
        self.grid = QGridLayout(self._grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(18, 14, 18, 18)
        layout.setSpacing(10)
        for widget in (self.heading, self.summary, self.next_prompt, self.weaknesses,
                       self._grid_host):
            layout.addWidget(widget)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self._restyle()

    def reload(self) -> None:
        """Compute progress off the GUI thread; the plots appear when it is done. Mocks never
        scored before (a store from an older mockcoach) are scored in a second pass, so the
        plots show at once and the scorecard's plots follow."""
        self.summary.setText("Loading…")
        self._load(score_missing=False)

    def _load(self, score_missing: bool) -> None:
        from app.progress import load_progress

        self.tasks.submit(lambda: load_progress(self.store, frameworks=self.frameworks,
                                                score_missing=score_missing),
                          on_done=lambda p: self.show_progress(p, final=score_missing),
                          on_error=self._failed, name="mockcoach-progress")

    def _failed(self, error: BaseException) -> None:
        self.summary.setText(f"Progress could not be read: {error}")

    def show_progress(self, progress: Progress, final: bool = True) -> None:
        """Show ``progress``; ``final=False``: a first pass in which mocks without a saved
        scorecard summary have no scores yet (they are being scored)."""
        unscored = [s for s in progress.sessions if not s.scores]
        if not final and unscored:
            self._load(score_missing=True)
        self.progress = progress
        n = len(progress.sessions)
        if not n:
            self.summary.setText("No saved mocks yet. Practise one and your progress shows here.")
        else:
            pending = (f" Scoring {len(unscored)} earlier mock{'s' if len(unscored) != 1 else ''}"
                       "…" if not final and unscored else "")
            self.summary.setText(
                f"{n} mock{'s' if n != 1 else ''}, oldest on the left: "
                f"{local_date(progress.sessions[0].started_at)} to "
                f"{local_date(progress.sessions[-1].started_at)}. Hover a dot for the mock."
                + pending)
        self._show_next(progress)
        self._show_weaknesses(progress)
        self._show_charts(progress)
        if final or not unscored:
            self.loaded.emit(progress)

    def _show_next(self, progress: Progress) -> None:
        if not progress.next_prompt:
            self.next_prompt.hide()
            return
        why = f" — {progress.next_prompt_why}" if progress.next_prompt_why else ""
        title = progress.next_prompt_title or progress.next_prompt
        self.next_prompt.setText(f"<b>Practise next:</b> {html.escape(title)} "
                                 f"<span style='color:{colors().muted.name()}'>("
                                 f"{html.escape(progress.next_prompt)})</span>"
                                 f"{html.escape(why)} &nbsp;<a href='practise'>Practise it</a>")
        self.next_prompt.show()

    def _practise(self, _link: str = "") -> None:
        if self.progress is not None and self.progress.next_prompt:
            self.practise_requested.emit(self.progress.next_prompt)

    def _show_weaknesses(self, progress: Progress) -> None:
        if not progress.sessions:
            self.weaknesses.hide()
            return
        if progress.weaknesses:
            items = "".join(
                f"<li>{html.escape(w.text)} <span style='color:{colors().muted.name()}'>("
                + ", ".join(f"#{i}" for i in w.sessions) + ")</span></li>"
                for w in progress.weaknesses)
            text = f"<b>Recurring weaknesses</b><ul style='margin-top:4px'>{items}</ul>"
        else:
            text = ("<b>Recurring weaknesses</b>: none in your recent mocks."
                    if len(progress.sessions) > 1 else
                    "<b>Recurring weaknesses</b>: it takes two mocks or more to see a pattern.")
        self.weaknesses.setText(text)
        self.weaknesses.show()

    def _show_charts(self, progress: Progress) -> None:
        for chart in self.charts:
            self.grid.removeWidget(chart)
            chart.deleteLater()
        self.charts = []
        if not progress.sessions:
            return
        for i, trend in enumerate(progress.trends):
            chart = TrendChart(trend, progress.sessions, self._grid_host)
            self.grid.addWidget(chart, i // COLUMNS, i % COLUMNS)
            self.charts.append(chart)

    def chart(self, trend_id: str) -> TrendChart | None:
        return next((c for c in self.charts if c.trend.id == trend_id), None)

    def _restyle(self) -> None:
        c = colors()
        self.summary.setStyleSheet(f"color: {c.muted.name()};")
        self.next_prompt.setStyleSheet(
            f"#nextPrompt {{ background: {c.surface.name()}; border: 1px solid "
            f"{c.border.name()}; border-left: 4px solid {c.accent.name()}; padding: 8px 12px; }}")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
            if self.progress is not None:
                self._show_weaknesses(self.progress)

    def shutdown(self) -> None:
        self.tasks.wait_all()
