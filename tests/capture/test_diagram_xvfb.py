"""A diagram on a real X screen (Xvfb), grabbed with mss and read: the pixels path the Diagram
tab's watch takes, with the picture shown by a real Qt window (xcb). Run as a subprocess so Qt
gets the X display; ``python -m tests.capture.test_diagram_xvfb`` prints one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.mark.integration
def test_a_diagram_on_screen_is_grabbed_read_once_and_again_when_it_changes(
    xvfb_display: str, tmp_path: Path
) -> None:
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "MOCKCOACH_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "tests.capture.test_diagram_xvfb"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"load_balancer", "cache", "queue"} <= set(result["first"])
    assert result["unchanged"] is None  # the same screen again: nothing read
    assert "search_index" in result["changed"]


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPixmap
    from PySide6.QtWidgets import QApplication, QLabel

    from app.diagrams import ChangeFilter, read_if_new
    from capture.grab import Region, grab
    from scripts.render_diagrams import render

    app = QApplication(sys.argv[:1])
    image, _ = render(19, "drawio", "dark", "tune")  # tuned on: this checks the path
    label = QLabel()
    label.setWindowFlags(Qt.WindowType.FramelessWindowHint)

    def show(picture: object) -> None:
        rgb = picture.convert("RGB")  # type: ignore[attr-defined]
        data = rgb.tobytes("raw", "RGB")
        qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
        label.setPixmap(QPixmap.fromImage(qimage.copy()))
        label.resize(rgb.width, rgb.height)
        label.move(0, 0)
        label.show()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # let X map and paint the window
            app.processEvents()
            if label.isVisible() and grab(region=Region(0, 0, 40, 40)).getextrema()[0][1] > 0:
                break
        for _ in range(20):
            app.processEvents()

    changes = ChangeFilter()
    region = Region(0, 0, image.width, image.height)
    show(image)
    first = read_if_new(grab(region=region), 10.0, changes)
    unchanged = read_if_new(grab(region=region), 30.0, changes)
    from PIL import ImageDraw, ImageFont

    changed_image = image.copy()  # a new box in an empty corner
    draw = ImageDraw.Draw(changed_image)
    y = image.height - 70
    draw.rectangle((30, y - 20, 230, y + 40), outline=(108, 142, 191), fill=(29, 41, 59))
    draw.text((60, y), "Elasticsearch", fill=(240, 240, 240),
              font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16))
    show(changed_image)
    changed = read_if_new(grab(region=region), 50.0, changes)
    print(json.dumps({
        "first": sorted(first.reading.component_ids) if first else None,
        "unchanged": None if unchanged is None else sorted(unchanged.reading.component_ids),
        "changed": sorted(changed.reading.component_ids) if changed else None,
    }))
    label.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
