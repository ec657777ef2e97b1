"""The review window over a real store: load time of a 60-minute session, search, rename,
notes, delete, and the playback message on a machine without a sound card."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import CoverageEvent, PhaseChange, SessionStore
from app.store import Segment as StoredSegment
from app.ui.application import load_frameworks
from app.ui.review_window import ReviewWindow

TEXT = ("we shard the paste table by a hash of the short link so reads spread evenly maybe "
        "with a cache in front because the read to write ratio is ten to one")
WORDS = tuple(TEXT.split(" "))


def synthetic_session(store: SessionStore, minutes: int = 60) -> int:
    """A realistic hour: a line every 4 s, phases moving along, items addressed."""
    session = store.create_session(title="Design a URL shortener", framework="system-design",
                                   round_s=minutes * 60.0)
    segments = []
    for i in range(minutes * 15):
        start = i * 4.0
        words = [WORDS[(i + k) % len(WORDS)] for k in range(11)]
        segments.append(StoredSegment(start, start + 3.0, " ".join(words)))
    phases = ("requirements", "estimation", "api", "data_model", "high_level", "deep_dive",
              "scaling", "wrap_up")
    changes = [(PhaseChange(i * minutes * 60.0 / len(phases), p), 300.0)
               for i, p in enumerate(phases)]
    coverage = [CoverageEvent(30.0 * i, f"item{i}", "checklist", f"Item {i}", "evidence")
                for i in range(20)]
    store.write_batch(session.id, segments=segments, phase_changes=changes, coverage=coverage,
                      duration_s=minutes * 60.0)
    store.finish_session(session.id, duration_s=minutes * 60.0, coverage_pct=62.0)
    return session.id


@pytest.fixture
def review(qtbot: QtBot, tmp_path: Path) -> ReviewWindow:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    frameworks, _errors = load_frameworks()
    window = ReviewWindow(store, Settings(tmp_path / "settings.ini"), frameworks)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_60_minute_session_opens_within_a_second(qtbot: QtBot, review: ReviewWindow) -> None:
    session_id = synthetic_session(review.store)
    review.reload()
    with qtbot.waitSignal(review.session_shown, timeout=60_000):
        review.open_session(session_id)
    assert review.data is not None
    assert len(review.data.lines) == 900
    assert review.data.duration_s == pytest.approx(3600.0)
    assert review.last_load_s <= 1.0, f"took {review.last_load_s:.2f} s"
    # hedges are found and highlighted, the timeline has the spans, pace is plotted
    assert any(line.hedges for line in review.data.lines)
    assert len(review.data.spans) == 8 and review.data.wpm
    # a click on a line asks for playback; no recording → a message, no crash
    review.play_from(600.0)
    assert "no recording" in review.player_bar.message.text()


def test_library_search_rename_notes_delete(
    qtbot: QtBot, review: ReviewWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = synthetic_session(review.store, minutes=2)
    second = review.store.create_session(title="Design Twitter", framework="system-design").id
    review.store.add_segments(second, [StoredSegment(0.0, 2.0, "fan out the timeline on write")])
    review.store.finish_session(second, duration_s=2.0)
    review.reload()
    assert set(review.session_ids()) == {first, second}
    review.search.setText("timeline")
    qtbot.waitUntil(lambda: review.session_ids() == [second], timeout=3000)
    assert "timeline" in review.search_hits.text()
    review.search.clear()
    qtbot.waitUntil(lambda: len(review.session_ids()) == 2, timeout=3000)

    with qtbot.waitSignal(review.session_shown, timeout=5000):
        review.open_session(first)
    monkeypatch.setattr("app.ui.review_window.QInputDialog.getText",
                        lambda *a, **k: ("URL shortener, second try", True))
    review.rename()
    assert review.store.get_session(first).title == "URL shortener, second try"
    review.notes.setPlainText("Estimate storage earlier.")
    qtbot.waitUntil(lambda: review.store.get_session(first).notes == "Estimate storage earlier.",
                    timeout=3000)

    folder = review.store.session_dir(first)
    (folder / "capture.png").write_bytes(b"png")
    monkeypatch.setattr("app.ui.review_window.QMessageBox.question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    review.delete_current()
    assert first in review.session_ids()  # cancelled: nothing deleted
    monkeypatch.setattr("app.ui.review_window.QMessageBox.question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    review.delete_current()
    assert review.session_ids() == [second]
    assert not folder.exists()


def test_deleting_a_session_being_recorded_is_refused_with_a_message(
    review: ReviewWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.store.locks import hold_recording_lock, release_recording_lock

    live = review.store.create_session(title="Recording now", framework="system-design").id
    folder = review.store.session_dir(live)
    (folder / "audio.wav").write_bytes(b"RIFF")
    review.reload()
    said: list[str] = []
    monkeypatch.setattr("app.ui.review_window.QMessageBox.warning",
                        lambda _parent, _title, text: said.append(text))
    fd = hold_recording_lock(folder)  # as the runner does (another handle, as in another window)
    try:
        assert review.delete_session(live) is False
    finally:
        release_recording_lock(fd)
    assert said and "being recorded right now" in said[0]
    assert live in review.session_ids() and (folder / "audio.wav").exists()
    assert review.delete_session(live) is True
    assert live not in review.session_ids()


def test_review_plays_the_recording_or_says_why_not(
    qtbot: QtBot, review: ReviewWindow, test_data: Path
) -> None:
    """A session recorded by the real runner from a real clip; a click plays from that line. On
    a machine without a sound output the window says so instead of failing."""
    import soundfile

    from app.runner import SessionRunner
    from app.ui.application import load_frameworks
    from tests.ui.test_live_session import LosingSource, SecondsTranscriber

    samples, _ = soundfile.read(test_data / "spoken_pastebin_25s.flac", dtype="float32")
    frameworks, _ = load_frameworks()
    runner = SessionRunner(review.store, frameworks["system-design"],
                           source=LosingSource(samples[: 16_000 * 6], None),
                           transcriber=SecondsTranscriber(), round_s=1800.0)
    runner.start()
    assert runner.wait(30)
    session_id = runner.session_id
    assert session_id is not None
    review.reload()
    with qtbot.waitSignal(review.session_shown, timeout=60_000):
        review.open_session(session_id)
    assert review.data is not None and review.data.audio_path is not None
    assert review.player.duration_s == pytest.approx(6.0, abs=0.3)
    assert review.player_bar.button.isEnabled()
    review.play_from(2.0)
    qtbot.waitUntil(lambda: review.player.position_s > 2.2
                    or "No sound output" in review.player_bar.message.text(), timeout=60_000)
    review.player.stop()
