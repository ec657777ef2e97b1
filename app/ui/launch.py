"""Start the desktop app: check that a screen exists, build the QApplication, show the window."""

from __future__ import annotations

import os
import socket
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
    display = os.environ.get("DISPLAY", "")
    if display and not os.environ.get("WAYLAND_DISPLAY") and not x_server_reachable(display):
        raise NoDisplayError(
            f"No X server answers on DISPLAY={display}. Start mockcoach from a desktop session, "
            "or under a virtual screen with `xvfb-run mockcoach`."
        )


def x_server_reachable(display: str) -> bool:
    """Whether a local X server listens for ``display``; Qt would abort the process otherwise.

    Remote displays (``host:0``, SSH forwarding) cannot be probed cheaply, so they count as
    reachable and Qt reports any failure itself.
    """
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if host not in ("", "unix") or not number.isdigit():
        return True
    path = f"/tmp/.X11-unix/X{number}"
    for address in ("\0" + path, path):  # the abstract socket first, as libxcb does
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            try:
                probe.connect(address)
                return True
            except OSError:
                continue
    return False


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
    from app.store import StoreError

    try:
        app = Application(qapp)
    except StoreError as exc:  # busy or unreadable database: say so, touch nothing
        from PySide6.QtWidgets import QMessageBox

        print(f"mockcoach: {exc}", file=sys.stderr)
        QMessageBox.critical(None, "mockcoach", str(exc))
        return 1
    app.show()
    try:
        return qapp.exec()
    finally:
        app.shutdown()
