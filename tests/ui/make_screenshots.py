"""Render the README screenshots (docs/*.png) from a real session replayed through the runner.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots [light|dark|audio ...]

Needs ../shared/data. The live window is captured mid-mock (the pastebin walkthrough replayed
through the real SessionRunner and tracker), then the review window on the saved session.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO.parent / "shared" / "data"))
DOCS = REPO / "docs"


def wait_until(predicate: object, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, name: str) -> Path:
    DOCS.mkdir(exist_ok=True)
    path = DOCS / name
    widget.grab().save(str(path), "PNG", 9)
    print(f"{path} {path.stat().st_size // 1024} KB")
    return path


def shoot(qapp: QApplication, theme: str, home: Path, utterances: list[Any], prompt: Any
          ) -> None:
    from app.settings import Key, Settings
    from app.store import SessionStore
    from app.ui.application import Application
    from tests.ui.conftest import no_devices, transcript_runner_factory

    settings = Settings(home / f"settings-{theme}.ini")
    settings.set(Key.THEME, theme)
    store = SessionStore(home / f"{theme}.db", home / f"sessions-{theme}")
    app = Application(qapp, settings=settings, store=store,
                      runner_factory=transcript_runner_factory(store, utterances, 30.0),
                      device_lister=no_devices, offer_recovery=False)
    live = app.live
    live.resize(1400, 880)
    live.prompt_panel.set_prompt(prompt, "From the library · sdp_pastebin")
    live.length_group.button(30).setChecked(True)
    live.show()
    live.tabs.setCurrentIndex(0)
    settle()
    save(live, f"live-setup-{theme}.png")
    if theme == "light":
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(settings, app.frameworks, live)
        dialog.show()
        settle()
        save(dialog, "settings.png")
        dialog.reject()
    live.start_or_resume()
    wait_until(lambda: live._state is not None and live._state.round_elapsed_s > 440, 60)
    settle(400)
    save(live, f"live-{theme}.png")
    finished: list[int] = []
    live.session_finished.connect(finished.append)
    live.stop()
    wait_until(lambda: bool(finished), 60)
    app.show_review(finished[0])
    review = app.review
    review.resize(1400, 900)
    wait_until(lambda: review.data is not None and review.debrief is not None, 20)
    settle(400)
    save(review, f"review-{theme}.png")
    review.tabs.setCurrentWidget(review.delivery)
    settle(200)
    save(review, f"review-delivery-{theme}.png")
    review.close()
    live.close()
    app.shutdown()


def shoot_audio(qapp: QApplication, home: Path, prompt: Any) -> None:
    """The live window ~55 s into the spoken mock, through FileSource and Whisper tiny.en."""
    from app.runner import SessionRunner, model_transcriber_factory
    from app.settings import Settings
    from app.store import SessionStore
    from app.ui.application import Application
    from audio.sources import FileSource
    from tests.ui.conftest import no_devices

    store = SessionStore(home / "audio.db", home / "sessions-audio")

    def factory(request: Any, listener: Any) -> Any:
        return SessionRunner(
            store, request.framework, listener=listener, prompt=request.prompt,
            source=FileSource(SHARED / "spoken" / "sdp_pastebin.flac", realtime=True),
            transcriber_factory=model_transcriber_factory(None), round_s=request.round_s)

    app = Application(qapp, settings=Settings(home / "settings-audio.ini"), store=store,
                      runner_factory=factory, device_lister=no_devices, offer_recovery=False)
    live = app.live
    live.resize(1400, 880)
    live.prompt_panel.set_prompt(prompt, "From the library · sdp_pastebin")
    live.show()
    live.start_or_resume()
    wait_until(lambda: live._state is not None and live._state.round_elapsed_s > 52
               and bool(live.transcript.partial_text), 120)
    save(live, "live-audio-light.png")
    finished: list[int] = []
    live.session_finished.connect(finished.append)
    live.stop()
    wait_until(lambda: bool(finished), 60)
    live.close()
    app.shutdown()


def main(themes: list[str]) -> int:
    home = Path(tempfile.mkdtemp(prefix="mockcoach-shots-"))
    os.environ["MOCKCOACH_HOME"] = str(home)
    from capture.prompt import parse_prompt
    from tests.ui.conftest import read_utterances

    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    utterances = read_utterances(SHARED / "transcripts" / "sdp_pastebin.jsonl")
    prompt = parse_prompt((SHARED / "prompts" / "sdp_pastebin.txt").read_text())
    for theme in themes:
        if theme == "audio":
            shoot_audio(qapp, home, prompt)
        else:
            shoot(qapp, theme, home, utterances, prompt)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["light", "dark"]))
