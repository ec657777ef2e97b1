"""Pick a screen region to capture: mockcoach steps aside, a dimmed overlay covers every screen.

Usage (GUI thread)::

    picker = RegionPicker(main_window)      # or RegionPicker(monitor=2): only that screen
    picker.picked.connect(on_region)      # capture.grab.Region in PHYSICAL desktop pixels
    picker.cancelled.connect(on_cancel)
    picker.pick()                         # returns at once; one of the signals follows

Drag a rectangle (its size is shown in physical pixels), Esc cancels, Enter takes the whole
screen under the pointer. ``picked`` is emitted after the overlay is gone and while
mockcoach's own windows are still hidden, so a slot can grab the screen right away; the
windows come back after the slots return.

Qt gives positions in logical pixels; mss grabs physical ones. ``screen_maps()`` pairs each
``QScreen`` with its mss monitor and ``capture.grab.logical_to_physical`` converts, screen by
screen, so HiDPI and mixed-scale set-ups land on the right pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QScreen,
)
from PySide6.QtWidgets import QApplication, QWidget

from capture.grab import GrabError, Region, ScreenMap, logical_to_physical, match_screens, monitors

log = logging.getLogger(__name__)

MIN_DRAG_PX = 6  # a smaller drag is a stray click, not a selection


def screen_maps() -> list[ScreenMap]:
    """Every Qt screen paired with its physical geometry (from mss when it can see them)."""
    screens = QGuiApplication.screens()
    logical = [(_region(s.geometry()), s.devicePixelRatio()) for s in screens]
    try:
        physical = monitors()[1:]
    except GrabError:
        physical = []
    if len(physical) >= len(logical):
        return match_screens(logical, physical)
    # no X/mss view of the screens (offscreen tests, Wayland): assume origin-scaled layout
    return [
        ScreenMap(
            geometry,
            Region(round(geometry.x * ratio), round(geometry.y * ratio),
                   round(geometry.width * ratio), round(geometry.height * ratio)),
        )
        for geometry, ratio in logical
    ]


def _region(rect: QRect) -> Region:
    return Region(rect.x(), rect.y(), rect.width(), rect.height())


class _Overlay(QWidget):
    """One screen's dimmed, frameless, translucent cover; the picker owns the selection."""

    def __init__(self, picker: RegionPicker, screen: QScreen) -> None:
        super().__init__(None)
        self._picker = picker
        self.setWindowFlags(
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setScreen(screen)
        self.setGeometry(screen.geometry())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._picker.begin_drag(event.globalPosition().toPoint())
        elif event.button() == Qt.MouseButton.RightButton:
            self._picker.cancel()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._picker.drag_to(event.globalPosition().toPoint())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._picker.end_drag(event.globalPosition().toPoint())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._picker.cancel()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._picker.take_screen_under_pointer()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 110))
        selection = self._picker.selection_logical()
        hint = "Drag over the prompt · Enter: whole screen · Esc: cancel"
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(self.rect().adjusted(0, 24, 0, 0),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, hint)
        if selection is None:
            return
        local = QRect(selection.translated(-self.geometry().topLeft()))
        if not local.intersects(self.rect()):
            return
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.fillRect(local, Qt.GlobalColor.transparent)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setPen(QPen(QColor(80, 160, 255), 2))
        painter.drawRect(local.adjusted(0, 0, -1, -1))
        size = self._picker.size_label()
        label_pos = local.bottomRight() + QPoint(-8, 18)
        if label_pos.y() > self.height() - 4:
            label_pos = local.topRight() + QPoint(-8, -6)
        metrics = painter.fontMetrics()
        box = metrics.boundingRect(size).adjusted(-4, -2, 4, 2)
        box.moveBottomRight(label_pos)
        painter.fillRect(box, QColor(0, 0, 0, 180))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, size)


class RegionPicker(QObject):
    """Let the user choose what to capture. Emits ``picked(Region)`` or ``cancelled()``."""

    picked = Signal(object)  # capture.grab.Region, physical virtual-desktop pixels
    # the same selection for ``grab(monitor=N, region=...)``: relative to monitor N's corner
    # when the picker was given a monitor, else identical to ``picked``
    region_selected = Signal(object)
    cancelled = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        monitor: int | None = None,
        maps: Callable[[], Sequence[ScreenMap]] = screen_maps,
        settle_ms: int = 150,
        restore_ms: int = 400,
    ) -> None:
        super().__init__(parent)
        self._monitor = monitor or None  # mss numbering: 1, 2, ...; None/0 = every screen
        self._monitor_origin = (0, 0)
        self._maps_factory = maps
        self._maps: list[ScreenMap] = []
        self._settle_ms = settle_ms
        self._restore_ms = restore_ms
        self._overlays: list[_Overlay] = []
        self._hidden: list[QWidget] = []
        self._origin: QPoint | None = None
        self._current: QPoint | None = None
        self._active = False

    # --- public -----------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._active

    @property
    def overlays(self) -> list[QWidget]:
        return list(self._overlays)

    def pick(self) -> None:
        """Hide mockcoach's windows and cover every screen; non-blocking."""
        if self._active:
            return
        self._active = True
        self._origin = self._current = None
        self._maps = list(self._maps_factory())
        app = QApplication.instance()
        assert isinstance(app, QApplication), "RegionPicker needs a QApplication"
        self._hidden = [w for w in app.topLevelWidgets() if w.isVisible()]
        for widget in self._hidden:
            widget.hide()
        for screen in self._screens():
            overlay = _Overlay(self, screen)
            overlay.show()
            self._overlays.append(overlay)
        under = self._overlay_under_pointer() or (self._overlays[0] if self._overlays else None)
        if under is not None:
            under.raise_()
            under.activateWindow()
            under.setFocus()

    def show_picker(self) -> None:
        """Alias of ``pick()``."""
        self.pick()

    def cancel(self) -> None:
        if not self._active:
            return
        self._close_overlays()
        self._restore()
        self.cancelled.emit()

    def take_screen_under_pointer(self) -> None:
        screen = QGuiApplication.screenAt(QCursor.pos())
        covered = [o.screen() for o in self._overlays]
        if screen is None or (covered and screen not in covered):
            screen = covered[0] if covered else QGuiApplication.primaryScreen()
        self._finish(_region(screen.geometry()))

    # --- drag, driven by the overlays ---------------------------------------------------

    def begin_drag(self, at: QPoint) -> None:
        self._origin = self._current = QPoint(at)
        self._repaint()

    def drag_to(self, at: QPoint) -> None:
        if self._origin is None:
            return
        self._current = QPoint(at)
        self._repaint()

    def end_drag(self, at: QPoint) -> None:
        if self._origin is None:
            return
        self._current = QPoint(at)
        selection = self.selection_logical()
        self._origin = self._current = None
        if selection is None or min(selection.width(), selection.height()) < MIN_DRAG_PX:
            self._repaint()  # a click: keep picking
            return
        self._finish(_region(selection))

    def selection_logical(self) -> QRect | None:
        if self._origin is None or self._current is None:
            return None
        # corner to corner, exclusive: a 100 px drag selects 100 px (QRect(p, q) would be 101)
        a, b = self._origin, self._current
        return QRect(min(a.x(), b.x()), min(a.y(), b.y()), abs(b.x() - a.x()),
                     abs(b.y() - a.y()))

    def selection_physical(self) -> Region | None:
        selection = self.selection_logical()
        return None if selection is None else logical_to_physical(_region(selection), self._maps)

    def size_label(self) -> str:
        region = self.selection_physical()
        return "" if region is None else f"{region.width} × {region.height}"

    # --- internals ------------------------------------------------------------------------

    def _finish(self, logical: Region) -> None:
        if not self._active:
            return
        physical = logical_to_physical(logical, self._maps)
        self._close_overlays()
        # let the window system take the overlay off the screen before anyone grabs it
        QTimer.singleShot(self._settle_ms, lambda: self._emit_picked(physical))

    def _emit_picked(self, region: Region) -> None:
        try:
            self.picked.emit(region)
            ox, oy = self._monitor_origin
            self.region_selected.emit(Region(region.x - ox, region.y - oy, region.width,
                                             region.height))
        finally:
            # a slot may hand the grab to a worker thread: give it a moment before
            # mockcoach's windows are back on screen
            self._active = False
            QTimer.singleShot(self._restore_ms, self._restore)

    def _screens(self) -> list[QScreen]:
        """Every screen, or only the chosen monitor's (matched through its physical corner)."""
        screens = QGuiApplication.screens()
        self._monitor_origin = (0, 0)
        if self._monitor is None:
            return screens
        try:
            physical = monitors()[self._monitor]
        except (GrabError, IndexError):
            index = min(self._monitor, len(self._maps)) - 1
            physical = self._maps[index].physical if self._maps else Region(0, 0, 1, 1)
        self._monitor_origin = (physical.x, physical.y)
        for screen_map in self._maps:
            if screen_map.physical == physical:
                wanted = screen_map.logical
                for screen in screens:
                    if _region(screen.geometry()) == wanted:
                        return [screen]
        log.warning("monitor %s not found among Qt screens; covering all", self._monitor)
        return screens

    def _overlay_under_pointer(self) -> _Overlay | None:
        pos = QCursor.pos()
        return next((o for o in self._overlays if o.geometry().contains(pos)), None)

    def _repaint(self) -> None:
        for overlay in self._overlays:
            overlay.update()

    def _close_overlays(self) -> None:
        for overlay in self._overlays:
            overlay.hide()
            overlay.close()
        self._overlays.clear()
        QApplication.processEvents()

    def _restore(self) -> None:
        for widget in self._hidden:
            widget.show()
        self._hidden.clear()
        self._active = False
