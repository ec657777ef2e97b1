"""Start the desktop app: check that a screen exists, build the QApplication, show the window."""

from __future__ import annotations

import os
import sys


class NoDisplayError(RuntimeError):
    pass


def check_display() -> None:
    """Fail with advice rather than Qt's abort when there is no screen to draw on."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise NoDisplayError(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset). Run mockcoach from a "
            "desktop session, start it under a virtual screen with `xvfb-run mockcoach`, or use "
            "QT_QPA_PLATFORM=offscreen for a headless check."
        )


def run_app() -> int:
    try:
        check_display()
    except NoDisplayError as exc:
        print(f"mockcoach: {exc}", file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from app.ui.application import Application

    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("mockcoach")
    qapp.setApplicationDisplayName("mockcoach")
    qapp.setDesktopFileName("mockcoach")
    app = Application(qapp)
    app.show()
    try:
        return qapp.exec()
    finally:
        app.shutdown()
