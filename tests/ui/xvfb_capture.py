"""Capture a prompt off a real X screen through the app's Capture button (run under Xvfb).

    DISPLAY=:77 QT_QPA_PLATFORM=xcb python -m tests.ui.xvfb_capture PROMPT.txt [--shots DIR]

Another process shows PROMPT.txt like a shared doc; this process builds the real Application,
presses Capture, drags the region picker over the doc, waits for OCR + parsing, and prints one
JSON line: {"title", "requirements": [...], "source"}. With --shots, also saves the region picker
mid-drag (mss, the real screen) and the live window's Prompt tab afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOC_GEOMETRY = (80, 60, 1000, 760)  # x, y, w, h of the "shared doc" window

DOC_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QTextBrowser
app = QApplication(sys.argv)
view = QTextBrowser()
view.setWindowTitle("Interview prompt - shared doc")
text = open(sys.argv[1], encoding="utf-8").read()
lines = text.splitlines()
html = "<h2>" + lines[0] + "</h2>" + "".join(
    ("<h3>" + l + "</h3>") if l and not l.startswith("-") else ("<p style='margin:2px'>" + l +
    "</p>") for l in lines[1:])
view.setHtml("<body style='font-family:DejaVu Sans;font-size:16px;background:#fff;color:#222'>"
             + html + "</body>")
x, y, w, h = (int(v) for v in sys.argv[2:6])
view.setGeometry(x, y, w, h)
view.show()
print("shown", flush=True)
app.exec()
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("prompt", type=Path)
    parser.add_argument("--shots", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("MOCKCOACH_HOME", tempfile.mkdtemp(prefix="mockcoach-xvfb-"))
    doc = subprocess.Popen(
        [sys.executable, "-c", DOC_SCRIPT, str(args.prompt), *map(str, DOC_GEOMETRY)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert doc.stdout is not None and doc.stdout.readline().strip() == "shown"
        return run(args)
    finally:
        doc.terminate()
        doc.wait(10)


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings
    from app.ui.application import Application
    from tests.ui.conftest import no_devices

    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    home = Path(os.environ["MOCKCOACH_HOME"])
    app = Application(qapp, settings=Settings(home / "settings.ini"), device_lister=no_devices,
                      offer_recovery=False)
    live = app.live
    live.setGeometry(1100, 80, 800, 900)
    live.show()

    def spin(seconds: float, until: object = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if until is not None and until():  # type: ignore[operator]
                return
            time.sleep(0.01)

    spin(1.0)
    background = None
    if args.shots:  # the screen as the user sees it under the overlay (Xvfb has no compositor)
        live.hide()
        spin(0.5)
        background = screen_image()
        live.show()
        spin(0.5)
    live.act_capture.trigger()  # the toolbar button / Ctrl+Shift+C
    picker = app._picker
    assert picker is not None and picker.active and not live.isVisible()
    spin(0.5)
    x, y, w, h = DOC_GEOMETRY
    picker.begin_drag(QPoint(x + 4, y + 4))
    picker.drag_to(QPoint(x + w - 30, y + h - 80))
    spin(0.4)
    if args.shots and background is not None:
        from PIL import Image

        overlay = picker.overlays[0]
        qimage = overlay.grab().toImage().convertToFormat(qimage_format_rgba())
        layer = Image.frombytes("RGBA", (qimage.width(), qimage.height()),
                                bytes(qimage.constBits()))
        composed = background.convert("RGBA")
        composed.alpha_composite(layer, (overlay.x(), overlay.y()))
        composed.convert("RGB").resize((composed.width // 2, composed.height // 2)).save(
            args.shots / "region-picker.png", optimize=True)
    picker.end_drag(QPoint(x + w - 30, y + h - 80))
    before = live.prompt_panel.prompt()
    spin(60.0, lambda: live.prompt_panel.prompt() is not before and live.isVisible())
    spin(0.5)
    prompt = live.prompt_panel.prompt()
    if args.shots:
        live.grab().save(str(args.shots / "capture-result.png"))
    print(json.dumps({
        "title": prompt.title,
        "requirements": [r.text for r in prompt.requirements],
        "source": live.prompt_panel._source.text(),
        "visible_again": live.isVisible(),
    }))
    live.close()
    app.shutdown()
    return 0


def screen_image() -> object:
    import mss
    from PIL import Image

    with mss.MSS() as grabber:
        shot = grabber.grab(grabber.monitors[0])
        return Image.frombytes("RGB", shot.size, shot.rgb)


def qimage_format_rgba() -> object:
    from PySide6.QtGui import QImage

    return QImage.Format.Format_RGBA8888


if __name__ == "__main__":
    sys.exit(main())
