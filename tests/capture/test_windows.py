"""Window listing (capture/windows.py): which windows can be picked (pure), what a desktop
without a window list says, and on a real X screen (Xvfb) a real top-level window of another
process is found, grabbed with mss, read, and found again where it moved."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from capture.grab import Region, grab
from capture.windows import (
    RawWindow,
    WindowInfo,
    WindowListUnavailable,
    find_window,
    list_windows,
    pickable_windows,
)
from scripts.render_diagrams import render
from tests.conftest import REPO_ROOT

DESKTOP = Region(0, 0, 1920, 1080)


def test_only_shown_titled_big_enough_windows_of_others_are_offered_front_first() -> None:
    raw = [
        RawWindow(1, "Board – draw.io", Region(100, 80, 1200, 800), pid=50),
        RawWindow(2, "", Region(0, 0, 800, 600), pid=50),  # untitled: a frame or a backdrop
        RawWindow(3, "Tooltip", Region(10, 10, 200, 24), pid=50),  # too small
        RawWindow(4, "Minimised", Region(0, 0, 800, 600), visible=False, pid=50),
        RawWindow(5, "mockcoach", Region(0, 0, 1000, 700), pid=99),  # ourselves
        RawWindow(6, "  Excalidraw \n— Firefox ", Region(1700, 900, 900, 600), pid=51),
        RawWindow(7, "Off screen", Region(3000, 0, 800, 600), pid=52),
        RawWindow(1, "Board – draw.io", Region(100, 80, 1200, 800), pid=50),  # listed twice
    ]
    picked = pickable_windows(raw, DESKTOP, exclude_pid=99)
    assert picked == [
        WindowInfo(1, "Board – draw.io", Region(100, 80, 1200, 800)),
        # clipped to the desktop: the part that can be grabbed
        WindowInfo(6, "Excalidraw — Firefox", Region(1700, 900, 220, 180)),
    ]
    assert picked[0].description == "Board – draw.io (1200×800)"


def test_wayland_without_xwayland_says_to_pick_a_region(monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("X11/Wayland only")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(WindowListUnavailable, match=r"Wayland.*pick a region"):
        list_windows()
    assert find_window(1) is None  # watch mode: treated as gone, not a crash
    monkeypatch.delenv("WAYLAND_DISPLAY")
    with pytest.raises(WindowListUnavailable, match="No X display"):
        list_windows()


SHOW_WINDOW = """
import sys
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QApplication, QLabel
from scripts.render_diagrams import render
app = QApplication([])
image, _ = render(19, "drawio", "dark", "tune")
image = image.crop((0, 0, 1100, 700)).convert("RGB")
qimage = QImage(image.tobytes("raw", "RGB"), image.width, image.height, image.width * 3,
                QImage.Format.Format_RGB888).copy()
label = QLabel()
label.setWindowTitle("Design board - draw.io")
label.setPixmap(QPixmap.fromImage(qimage))
label.resize(image.width, image.height)
label.move(300, 150)
label.show()
def command():
    line = sys.stdin.readline().strip()
    if line == "move":
        label.move(700, 300)
    else:
        app.quit()
        return
    app.processEvents()
    print("moved", flush=True)
from PySide6.QtCore import QSocketNotifier
notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(command)
from PySide6.QtCore import QTimer
QTimer.singleShot(300, lambda: print("shown", flush=True))
sys.exit(app.exec())
"""


@pytest.mark.integration
def test_a_real_window_is_listed_grabbed_read_and_followed(
    xvfb_display: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from capture.diagram import read_diagram

    monkeypatch.setenv("DISPLAY", xvfb_display)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": xvfb_display}
    shown = subprocess.Popen([sys.executable, "-c", SHOW_WINDOW], cwd=REPO_ROOT, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert shown.stdout is not None and shown.stdin is not None
        assert shown.stdout.readline().strip() == "shown"

        def board() -> WindowInfo | None:
            return next((w for w in list_windows() if w.title == "Design board - draw.io"),
                        None)

        window = _wait_for(board, lambda w: w is not None)
        assert window is not None
        assert window.region == Region(300, 150, 1100, 700)
        picture = _wait_for(lambda: grab(region=window.region),
                            lambda shot: shot.getpixel((5, 5)) != (0, 0, 0))  # painted
        reading = read_diagram(picture)
        _, spec = render(19, "drawio", "dark", "tune")
        shown_ids = {c["id"] for c in spec.components
                     if c["box"][0] + c["box"][2] < 1100 and c["box"][1] + c["box"][3] < 700}
        assert len(shown_ids) >= 3
        assert len(shown_ids & reading.component_ids) >= len(shown_ids) - 1, (
            shown_ids, reading.component_ids)
        shown.stdin.write("move\n")
        shown.stdin.flush()
        assert shown.stdout.readline().strip() == "moved"
        moved = _wait_for(lambda: find_window(window.id),
                          lambda w: w is not None and w.region.x == 700)
        assert moved is not None and moved.region == Region(700, 300, 1100, 700)
        shown.stdin.write("quit\n")
        shown.stdin.flush()
        assert shown.wait(timeout=30) == 0
        assert _wait_for(lambda: find_window(window.id), lambda w: w is None) is None
    finally:
        if shown.poll() is None:
            shown.kill()
            shown.wait(timeout=10)


def _wait_for(fetch, done, timeout_s: float = 30.0):  # type: ignore[no-untyped-def]
    """Poll ``fetch`` until ``done`` holds for its value (X maps and moves windows
    asynchronously; on a loaded machine that takes a while)."""
    import time

    deadline = time.monotonic() + timeout_s
    value = fetch()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = fetch()
    return value
