"""Recovery from the app: the audio a crash left untranscribed is batch-decoded (real tiny.en)
behind a progress bar in the window, off the GUI thread, and Cancel leaves the session as it
was (offered again)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import soundfile
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import Segment as StoredSegment
from app.store import SessionStore
from app.ui.application import Application
from app.ui.batch_progress import BatchProgress
from audio.batch import read_audio
from tests.conftest import TEST_DATA
from tests.ui.conftest import no_devices


def crashed_session(tmp_path: Path) -> tuple[SessionStore, int]:
    """A session cut short: 11 s of audio on disk (jfk.flac), transcript saved up to 2.4 s."""
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    session = store.create_session(title="Design a pastebin", framework="system-design")
    folder = store.session_dir(session.id)
    soundfile.write(folder / "audio.wav", read_audio(TEST_DATA / "jfk.flac"), 16_000,
                    subtype="PCM_16")
    store.set_audio_path(session.id, "audio.wav")
    store.add_segments(session.id, [StoredSegment(0.0, 2.4, "And so my fellow Americans,")])
    return store, session.id


def start_app(qtbot: QtBot, qapp: QApplication, tmp_path: Path, store: SessionStore) -> Application:
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      device_lister=no_devices)
    app.show()
    qtbot.waitUntil(lambda: "did not close properly" in app.live.banner.text(), timeout=60_000)
    return app


def recover_buttons(app: Application) -> list[QPushButton]:
    return app.live.banner.findChildren(QPushButton, "recoverButton")


def click_recover(app: Application) -> None:
    (button,) = [b for b in recover_buttons(app) if b.isVisible()]
    button.click()


@dataclass
class Recovering:
    app: Application
    store: SessionStore
    sid: int
    progress: BatchProgress


@pytest.fixture
def recovering(qtbot: QtBot, qapp: QApplication, tmp_path: Path) -> Iterator[Recovering]:
    """The app started after the crash, Recover just clicked: the bar in the banner."""
    store, sid = crashed_session(tmp_path)
    app = start_app(qtbot, qapp, tmp_path, store)
    try:
        click_recover(app)
        progress = app.live.banner.findChild(BatchProgress, "batchProgress")
        assert progress is not None and progress.isVisible()
        yield Recovering(app, store, sid, progress)
    finally:
        if app.review is not None:
            app.review.close()
        app.live.close()
        app.shutdown()


@pytest.mark.slow
def test_recovery_decodes_the_rest_behind_a_progress_bar(
    qtbot: QtBot, recovering: Recovering
) -> None:
    app, store, sid, progress = (
        recovering.app, recovering.store, recovering.sid, recovering.progress
    )
    assert "Recovering “Design a pastebin”" in app.live.banner.text()
    qtbot.waitUntil(lambda: store.get_session(sid).status == "recovered", timeout=120_000)
    qtbot.waitUntil(lambda: progress.bar.value() == progress.bar.maximum() > 0, timeout=60_000)
    assert progress.reports >= 2, "a start and an end at least"
    assert progress.bar.format() == "100 %"
    assert progress.label.text() == "0:08 of 0:08 transcribed", "the 8.6 s after 2.4 s"
    lines = store.load(sid).segments
    assert lines[0].text == "And so my fellow Americans,"
    rest = " ".join(s.text for s in lines[1:]).lower()
    assert "ask not what your country can do for you" in rest
    assert all(s.start_s >= 2.4 - 1e-6 for s in lines[1:])


@pytest.mark.slow
def test_cancel_leaves_the_session_unfinished_and_offers_it_again(
    qtbot: QtBot, recovering: Recovering
) -> None:
    r = recovering
    r.progress.cancel.click()  # while the model loads: before any segment is decoded
    assert r.progress.cancelled() and not r.progress.cancel.isEnabled()
    qtbot.waitUntil(  # offered again: a new Recover button in the banner
        lambda: "did not close properly" in r.app.live.banner.text()
        and any(b.isVisible() for b in recover_buttons(r.app)),
        timeout=60_000,
    )
    assert r.store.get_session(r.sid).status == "running", "nothing written"
    assert [s.text for s in r.store.load(r.sid).segments] == ["And so my fellow Americans,"]
