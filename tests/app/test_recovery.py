"""Crash safety for real: a headless session recording a file in real time is killed with
SIGKILL; the next start finds it and recovers transcript, phases and audio."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile

from app.export import export
from app.recovery import discard, find_unfinished, recover
from app.store import SessionStore
from app.store.locks import LOCK_FILENAME
from tests.app.sessions_support import wait_until

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / "tests" / "data" / "spoken_pastebin_25s.flac"

CHILD = """
import sys
from app.runner import SessionRunner, model_transcriber_factory
from app.store import SessionStore
from audio.sources import FileSource
from tests.app.sessions_support import bundled_framework

store = SessionStore()
runner = SessionRunner(store, bundled_framework(), source=FileSource(sys.argv[1], realtime=True),
                       transcriber_factory=model_transcriber_factory(None), title="killed mock")
runner.start()
runner.wait()
"""


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_session_killed_with_sigkill_is_recovered(private_home: Path) -> None:
    db = private_home / "sessions.db"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(CLIP)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        wait_until(lambda: _count(db, "SELECT count(*) FROM segments") >= 4, 90,
                   "the running session to save four segments")
        with SessionStore() as live:
            assert find_unfinished(live) == []  # still being recorded: not offered
        before = _count(db, "SELECT count(*) FROM segments")
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    store = SessionStore()
    unfinished = find_unfinished(store)
    assert len(unfinished) == 1
    found = unfinished[0]
    assert found.session.status == "running" and found.session.title == "killed mock"
    assert found.segment_count >= before >= 4
    assert found.audio_file is not None and found.audio_s is not None
    # The audio reached the disk at least up to the last committed word (flushed every second).
    assert found.audio_s >= found.last_speech_s - 1.0
    assert found.audio_s < 25.0  # it really was cut short

    session = recover(store, found.session.id)
    assert session.status == "recovered"
    assert session.duration_s >= found.last_speech_s
    record = store.load(session.id)
    # What the crash left untranscribed (audio past the last saved segment) was decoded too.
    added = record.segments[found.segment_count:]
    if found.audio_s - found.last_speech_s >= 1.5:
        assert added, "the audio after the last saved segment is transcribed"
    assert all(s.start_s >= found.last_speech_s - 1e-6 for s in added)
    assert record.segments[-1].end_s <= found.audio_s + 0.5
    assert not (store.session_dir(session.id) / LOCK_FILENAME).exists(), "stale lock removed"
    assert record.phase_changes and record.phase_spans[-1].end_s is not None
    info = soundfile.info(str(store.audio_file(session)))
    assert info.samplerate == 16_000 and info.duration == pytest.approx(found.audio_s, abs=0.01)
    audio, _ = soundfile.read(str(store.audio_file(session)), dtype="float32")
    assert abs(audio).max() > 0.05  # real speech, not zeros
    assert session.report is not None  # rebuilt from the saved transcript
    assert "recovered" in export(record, "md")
    assert find_unfinished(store) == []
    store.close()


def test_discard_and_nothing_to_recover(private_home: Path) -> None:
    store = SessionStore()
    assert find_unfinished(store) == []
    session = store.create_session(title="half a mock")
    (store.session_dir(session.id) / "audio.wav").write_bytes(b"")
    [item] = find_unfinished(store)
    assert item.audio_s is None and item.segment_count == 0
    discard(store, session.id)
    assert find_unfinished(store) == [] and not store.session_dir(session.id, create=False).exists()
    store.close()


def test_recovery_keeps_who_was_speaking(private_home: Path) -> None:
    """A partner's question read back after a crash is phase evidence only: it never addresses
    a requirement the candidate did not."""
    from app.store.entities import Capture, RequirementRow, Segment

    store = SessionStore()
    session = store.create_session(title="partner mock", framework="system-design")
    store.add_capture(session.id, Capture(0.0, None, "", "Design a paste service", (
        RequirementRow("r1", "Pastes expire after a configurable time", "functional"),)))
    store.add_segments(session.id, [
        Segment(0.0, 4.0, "Should pastes expire after a configurable time?",
                speaker="interviewer"),
        Segment(5.0, 9.0, "Let me start with the users and what they store.")])
    recovered = recover(store, session.id, transcribe_rest=False)
    report = recovered.report or {}
    [req] = [r for r in report["requirements"] if r["id"] == "r1"]
    assert not req["addressed"]
    store.close()
