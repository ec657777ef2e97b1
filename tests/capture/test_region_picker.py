"""The region picker overlay driven with pytest-qt (offscreen): drag, Esc, Enter, HiDPI."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.ui.region_picker import RegionPicker, screen_maps
from capture.grab import Region, ScreenMap


def scaled_maps(ratio: float):  # type: ignore[no-untyped-def]
    def maps() -> list[ScreenMap]:
        out = []
        for screen in QGuiApplication.screens():
            g = screen.geometry()
            out.append(ScreenMap(
                Region(g.x(), g.y(), g.width(), g.height()),
                Region(round(g.x() * ratio), round(g.y() * ratio),
                       round(g.width() * ratio), round(g.height() * ratio)),
            ))
        return out

    return maps


@pytest.fixture
def main_window(qtbot: QtBot) -> QWidget:
    window = QWidget()
    window.setWindowTitle("mockcoach")
    qtbot.addWidget(window)
    window.show()
    return window


def drag(qtbot: QtBot, overlay: QWidget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(overlay, pos=(start + end) / 2)
    qtbot.mouseMove(overlay, pos=end)
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=end)


def test_drag_selects_a_region_and_windows_come_back(
    qtbot: QtBot, main_window: QWidget
) -> None:
    picker = RegionPicker(main_window, maps=scaled_maps(1.0), settle_ms=0)
    picker.pick()
    assert picker.active and not main_window.isVisible()
    overlays = picker.overlays
    assert len(overlays) == len(QGuiApplication.screens())
    overlay = overlays[0]
    assert overlay.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    origin = overlay.geometry().topLeft()
    with qtbot.waitSignal(picker.picked, timeout=5000) as blocker:
        qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(100, 50))
        qtbot.mouseMove(overlay, pos=QPoint(300, 200))
        assert picker.size_label() == "200 × 150"
        qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(500, 350))
        # mockcoach stays hidden until the slots ran (they grab the screen)
        assert not main_window.isVisible()
    assert blocker.args == [Region(origin.x() + 100, origin.y() + 50, 400, 300)]
    qtbot.waitUntil(main_window.isVisible, timeout=5000)
    assert not picker.active


def test_hidpi_selection_is_emitted_in_physical_pixels(
    qtbot: QtBot, main_window: QWidget
) -> None:
    picker = RegionPicker(main_window, maps=scaled_maps(2.0), settle_ms=0)
    picker.pick()
    overlay = picker.overlays[0]
    origin = overlay.geometry().topLeft()
    with qtbot.waitSignal(picker.picked, timeout=5000) as blocker:
        drag(qtbot, overlay, QPoint(10, 20), QPoint(110, 70))
    assert blocker.args == [Region(2 * (origin.x() + 10), 2 * (origin.y() + 20), 200, 100)]


def test_escape_cancels(qtbot: QtBot, main_window: QWidget) -> None:
    picker = RegionPicker(main_window, maps=scaled_maps(1.0), settle_ms=0)
    picked: list[Region] = []
    picker.picked.connect(picked.append)
    picker.pick()
    with qtbot.waitSignal(picker.cancelled, timeout=5000):
        qtbot.keyClick(picker.overlays[0], Qt.Key.Key_Escape)
    assert main_window.isVisible() and not picker.active and picked == []
    assert picker.overlays == []


def test_enter_takes_the_screen_under_the_pointer(qtbot: QtBot, main_window: QWidget) -> None:
    picker = RegionPicker(main_window, maps=scaled_maps(1.5), settle_ms=0)
    picker.pick()
    with qtbot.waitSignal(picker.picked, timeout=5000) as blocker:
        qtbot.keyClick(picker.overlays[0], Qt.Key.Key_Return)
    g = QGuiApplication.primaryScreen().geometry()
    assert blocker.args == [Region(round(g.x() * 1.5), round(g.y() * 1.5),
                                   round(g.width() * 1.5), round(g.height() * 1.5))]


def test_a_click_is_not_a_selection(qtbot: QtBot, main_window: QWidget) -> None:
    picker = RegionPicker(main_window, maps=scaled_maps(1.0), settle_ms=0)
    picker.pick()
    overlay = picker.overlays[0]
    drag(qtbot, overlay, QPoint(40, 40), QPoint(42, 41))
    assert picker.active  # still picking
    with qtbot.waitSignal(picker.cancelled, timeout=5000):
        picker.cancel()


def test_overlay_paints_with_a_selection(qtbot: QtBot, main_window: QWidget) -> None:
    picker = RegionPicker(main_window, maps=scaled_maps(1.0), settle_ms=0)
    picker.pick()
    overlay = picker.overlays[0]
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseMove(overlay, pos=QPoint(210, 110))
    image = overlay.grab().toImage()  # runs paintEvent with the selection and its size label
    assert not image.isNull()
    picker.cancel()


def test_screen_maps_without_x_falls_back_to_qt_geometry(qtbot: QtBot) -> None:
    maps = screen_maps()
    assert len(maps) == len(QGuiApplication.screens())
    assert maps[0].physical.width >= maps[0].logical.width


def test_monitor_choice_gives_a_region_relative_to_that_monitor(
    qtbot: QtBot, main_window: QWidget
) -> None:
    picker = RegionPicker(monitor=1, maps=scaled_maps(1.0), settle_ms=0)
    picker.show_picker()
    assert len(picker.overlays) == 1
    overlay = picker.overlays[0]
    origin = overlay.geometry().topLeft()
    relatives: list[Region] = []
    picker.region_selected.connect(relatives.append)
    with qtbot.waitSignal(picker.picked, timeout=5000) as blocker:
        drag(qtbot, overlay, QPoint(30, 40), QPoint(130, 90))
    qtbot.waitUntil(lambda: len(relatives) == 1, timeout=5000)
    absolute, relative = blocker.args[0], relatives[0]
    assert absolute == Region(origin.x() + 30, origin.y() + 40, 100, 50)
    assert relative == Region(absolute.x - origin.x(), absolute.y - origin.y(), 100, 50)
