"""Render the README screenshots of the progress view (docs/progress-light.png, -dark.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_progress_screenshots [light|dark]

Needs ../shared/data: the store holds 12 mocks built by ``benchmarks/progress.py`` (the shared
walkthroughs through the real tracker, saved in real SQLite), and the view is the one the review
window opens.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication

from tests.ui.make_screenshots import save, settle


def shoot(qapp: QApplication, theme: str, db: Path) -> None:
    from app.store import SessionStore
    from app.ui.progress_view import ProgressView
    from app.ui.theme import apply_theme

    apply_theme(qapp, theme)
    with SessionStore(db, db.parent / "sessions") as store:
        view = ProgressView(store)
        view.resize(1180, 1000)
        view.show()
        view.reload()
        deadline = time.monotonic() + 60
        while view.progress is None:
            if time.monotonic() > deadline:
                raise TimeoutError("progress did not load")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        settle(300)
        save(view, f"progress-{theme}.png")
        view.shutdown()
        view.close()
        view.deleteLater()
        QCoreApplication.processEvents()


def main(themes: list[str]) -> int:
    home = Path(tempfile.mkdtemp(prefix="mockcoach-progress-shots-"))
    os.environ["MOCKCOACH_HOME"] = str(home)
    from benchmarks.progress import build_store

    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    db = build_store(home, sessions=12, seed=3)
    for theme in themes:
        shoot(qapp, theme, db)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["light", "dark"]))
