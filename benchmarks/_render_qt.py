"""Render prompts in a real Qt window on an X screen and grab them with mockcoach's own grab().

Run as a script under Xvfb (``DISPLAY`` set, ``QT_QPA_PLATFORM=xcb``); used by
``benchmarks/ocr.py`` and by ``tests/capture/test_screen_capture.py``:

    python benchmarks/_render_qt.py JOBS.json

``JOBS.json`` is a list of ``{"text": "<prompt as plain text>", "style": "light|dark|small|mono",
"out": "<dir>", "name": "<stem>"}``. For each job it writes ``<name>__<style>__screen.png``
(the full 1920x1080 screen: an editor-like app with menus, sidebar, tabs and status bar around
the document) and ``<name>__<style>__region.png`` (just the document), both grabbed with
``capture.grab.grab`` through mss, plus ``<name>__<style>.json`` with the region geometry.

Prompt text format: first line is the title, lines starting "- " are bullets, other lines are
headings (or paragraphs when longer than eight words).
"""

from __future__ import annotations

import html
import json
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STYLES = {
    # name: (font family, px, foreground, background, mono-comment layout)
    "light": ("DejaVu Sans", 15, "#202124", "#ffffff", False),
    "dark": ("DejaVu Sans", 13, "#d4d4d4", "#1e1e1e", False),
    "small": ("DejaVu Sans", 11, "#222222", "#ffffff", False),
    "mono": ("DejaVu Sans Mono", 13, "#24292e", "#f6f8fa", True),
}


def to_html(text: str, style: str) -> str:
    family, px, fg, _bg, mono = STYLES[style]
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out = [f'<body style="font-family:\'{family}\'; font-size:{px}px; color:{fg};">']
    if mono:
        body = []
        for index, line in enumerate(lines):
            if not line:
                body.append("")
            elif index == 0 or not line.startswith("- "):
                # a comment is wrapped by its author (a <pre> would run off the screen)
                body.extend("# " + part for part in textwrap.wrap(line, 96))
            else:
                parts = textwrap.wrap(line, 92)
                body.append("#   " + parts[0])
                body.extend("#     " + part for part in parts[1:])
        out.append("<pre>" + html.escape("\n".join(body)) + "</pre>")
        return "".join(out) + "</body>"
    in_list = False
    for index, line in enumerate(lines):
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if not line:
            continue
        if index == 0:
            out.append(f'<h2 style="font-size:{round(px * 1.4)}px">{html.escape(line)}</h2>')
        elif len(line.split()) > 8:
            out.append(f"<p>{html.escape(line)}</p>")
        else:
            out.append(f'<h3 style="font-size:{round(px * 1.1)}px">{html.escape(line)}</h3>')
    if in_list:
        out.append("</ul>")
    return "".join(out) + "</body>"


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QPalette
    from PySide6.QtWidgets import (
        QApplication,
        QLabel,
        QListWidget,
        QMainWindow,
        QSplitter,
        QTabWidget,
        QTextBrowser,
        QToolBar,
    )

    from capture.grab import Region, grab

    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    app = QApplication.instance() or QApplication([])
    for job in jobs:
        style = job["style"]
        _family, _px, fg, bg, _mono = STYLES[style]
        dark = style == "dark"
        window = QMainWindow()
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        palette = window.palette()
        chrome_bg, chrome_fg = ("#252526", "#cccccc") if dark else ("#f1f3f4", "#3c4043")
        palette.setColor(QPalette.ColorRole.Window, QColor(chrome_bg))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(chrome_fg))
        palette.setColor(QPalette.ColorRole.Base, QColor(bg))
        palette.setColor(QPalette.ColorRole.Text, QColor(fg))
        palette.setColor(QPalette.ColorRole.Button, QColor(chrome_bg))
        palette.setColor(QPalette.ColorRole.ButtonText, QColor(chrome_fg))
        window.setPalette(palette)
        window.setFont(QFont("DejaVu Sans", 10))
        for title in ("File", "Edit", "View", "Insert", "Format", "Tools", "Help"):
            window.menuBar().addMenu(title)
        toolbar = QToolBar()
        for label in ("Undo", "Redo", "100%", "Normal text", "Share"):
            toolbar.addAction(label)
        window.addToolBar(toolbar)
        splitter = QSplitter()
        files = QListWidget()
        files.addItems(["Interview prep", "prompt.md", "notes.md", "estimates.txt"])
        files.setMaximumWidth(260)
        tabs = QTabWidget()
        document = QTextBrowser()
        document.setFrameShape(QTextBrowser.Shape.NoFrame)
        document.document().setDocumentMargin(24)
        document.setHtml(to_html(job["text"], style))
        tabs.addTab(document, "prompt.md")
        tabs.addTab(QLabel(""), "notes.md")
        chat = QListWidget()
        chat.addItems(["Participants (2)", "Interviewer", "You"])
        chat.setMaximumWidth(240)
        splitter.addWidget(files)
        splitter.addWidget(tabs)
        splitter.addWidget(chat)
        splitter.setSizes([240, 1440, 240])
        window.setCentralWidget(splitter)
        window.statusBar().showMessage("Ln 14, Col 2    Spaces: 4    UTF-8    LF    Markdown")
        window.setGeometry(0, 0, 1920, 1080)
        window.show()
        window.raise_()
        deadline = time.monotonic() + 10
        while not window.isVisible() or not document.viewport().isVisible():
            app.processEvents()
            if time.monotonic() > deadline:
                raise SystemExit("window did not show")
        for _ in range(20):  # let layout and paint settle (no fixed sleep: bounded event turns)
            app.processEvents()
        app.sync()
        viewport = document.viewport()
        top_left = viewport.mapToGlobal(viewport.rect().topLeft())
        ratio = viewport.devicePixelRatioF()
        used_h = min(viewport.height(), int(document.document().size().height()) + 8)
        used_w = min(viewport.width(), int(document.document().idealWidth()) + 48)
        region = Region(round(top_left.x() * ratio), round(top_left.y() * ratio),
                        round(used_w * ratio), round(used_h * ratio))
        out = Path(job["out"])
        out.mkdir(parents=True, exist_ok=True)
        stem = f"{job['name']}__{style}"
        started = time.perf_counter()
        screen = grab()
        screen_s = time.perf_counter() - started  # the grab alone, not the PNG save
        screen.save(out / f"{stem}__screen.png")
        grab(region=region).save(out / f"{stem}__region.png")
        (out / f"{stem}.json").write_text(json.dumps({
            "region": [region.x, region.y, region.width, region.height],
            "grab_screen_s": screen_s,
        }))
        window.close()
        window.deleteLater()
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
