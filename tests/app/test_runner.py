"""The session runner end to end: real recording → real Whisper tiny.en → real tracker → SQLite,
and the transcript-fed mode the replay command uses."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import soundfile

from app.runner import SessionRunner, model_transcriber_factory, replay_audio, replay_transcript
from app.runner_events import (
    CaptureSaved,
    RunnerError,
    SessionStarted,
    SessionStopped,
    StatusChanged,
    TrackerUpdate,
    TranscriptLine,
)
from app.store import SessionStore
from tests.app.sessions_support import (
    PROMPT_TEXT,
    bundled_framework,
    read_utterances,
    small_framework,
    wait_until,
)

CLIP = Path(__file__).resolve().parents[1] / "data" / "spoken_pastebin_25s.flac"


@pytest.fixture()
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions.db")


@pytest.mark.slow
def test_a_recording_through_the_real_model_is_saved_as_it_happens(
    store: SessionStore, tmp_path: Path
) -> None:
    from capture.prompt import parse_prompt

    clip = tmp_path / "first_14s.wav"  # shorter than the test clip: keeps the suite quick
    data, rate = soundfile.read(str(CLIP), dtype="float32")
    soundfile.write(str(clip), data[: 14 * rate], rate)
    events: list[Any] = []
    session = replay_audio(store, clip, bundled_framework(), prompt=parse_prompt(PROMPT_TEXT),
                           listener=events.append).session
    assert session is not None
    assert session.status == "finished"
    assert isinstance(events[0], StatusChanged) and isinstance(events[-1], SessionStopped)
    assert events[-1].reason == "end_of_input"
    assert any(isinstance(e, SessionStarted) for e in events)
    record = store.load(session.id)
    text = " ".join(s.text for s in record.segments).lower()
    assert "use cases" in text and "link" in text
    finals = [e for e in events if isinstance(e, TranscriptLine) and e.final]
    assert [f.text for f in finals] == [s.text for s in record.segments]
    assert all(s.phase for s in record.segments)
    assert record.phase_spans and record.phase_spans[0].start_s == 0.0
    assert all(span.end_s is not None for span in record.phase_spans)
    assert record.captures[0].prompt_title == "Design a paste sharing service"
    assert session.duration_s == pytest.approx(14.0, abs=0.01)
    audio = store.audio_file(session)
    assert audio is not None
    assert soundfile.info(str(audio)).duration == pytest.approx(14.0, abs=0.01)
    assert session.report is not None and session.report["duration_s"] == pytest.approx(14.0)


def test_a_transcript_replay_saves_phases_coverage_and_report(store: SessionStore,
                                                              shared_data: Path) -> None:
    from capture.prompt import parse_prompt

    utterances = read_utterances(shared_data / "transcripts" / "sdp_pastebin.jsonl")
    prompt = parse_prompt((shared_data / "prompts" / "sdp_pastebin.txt").read_text())
    started = time.process_time()  # CPU, not wall time: a busy machine must not fail this
    session = replay_transcript(store, utterances, bundled_framework(), prompt=prompt).session
    assert session is not None
    assert time.process_time() - started < 10
    record = store.load(session.id)
    assert len(record.segments) == len(utterances)
    assert len({c.phase for c in record.phase_changes}) >= 3
    assert session.duration_s == pytest.approx(utterances[-1].end_s)
    assert session.report is not None
    assert session.report["phases"][0]["start"] == 0.0
    assert record.coverage and session.coverage_pct is not None
    # the segment phases agree with the saved timeline
    for seg in record.segments:
        span = next(s for s in reversed(record.phase_spans) if s.start_s <= seg.start_s + 1e-6)
        assert seg.phase == span.phase


def test_every_final_and_tracker_event_is_committed_within_a_second(
    store: SessionStore, tmp_path: Path
) -> None:
    utterances = read_utterances_local()
    said: dict[int, float] = {}
    lock = threading.Lock()

    def listener(event: Any) -> None:
        if isinstance(event, TranscriptLine) and event.final:
            with lock:
                said[len(said) + 1] = time.monotonic()

    runner = SessionRunner(store, small_framework(), utterances=utterances,
                           transcript_speed=40.0, listener=listener)
    session = runner.start()
    seen: dict[int, float] = {}
    reader = sqlite3.connect(store.path)
    while not runner.wait(0.01):
        n = reader.execute("SELECT count(*) FROM segments WHERE session_id = ?",
                           (session.id,)).fetchone()[0]
        for k in range(len(seen) + 1, n + 1):
            seen[k] = time.monotonic()
    reader.close()
    assert len(said) == len(utterances)
    delays = [seen[k] - said[k] for k in seen if k in said]
    assert len(delays) >= len(utterances) - 3  # the last ones may land with the final commit
    # saved within a second as a rule; a CPU-starved machine may hold one batch a little longer
    delays.sort()
    assert delays[int(0.9 * (len(delays) - 1))] <= 1.0, f"90th percentile {delays}"
    assert delays[-1] <= 3.0, f"slowest commit {delays[-1]:.2f} s"


def read_utterances_local() -> list[Any]:
    """Made-up speech (our own words), 1 s per line, for timing tests without shared data."""
    from framework.types import Utterance

    lines = [
        "let me start with the use cases and requirements",
        "users paste a block of text and get a link",
        "links should expire after some time",
        "now a back of the envelope estimate",
        "ten million users and a hundred million reads per month",
        "that is about forty reads per second",
        "for the high level design we have web servers and a database",
        "an object store keeps the paste contents",
        "to scale the design we add a cache and read replicas",
        "a load balancer in front of the web servers",
    ]
    return [Utterance(t, i * 1.2, i * 1.2 + 1.0) for i, t in enumerate(lines)]


def test_override_pause_capture_and_stop_in_a_paced_session(store: SessionStore) -> None:
    from PIL import Image

    from capture.prompt import parse_prompt

    events: list[Any] = []
    runner = SessionRunner(store, small_framework(), utterances=read_utterances_local(),
                           transcript_speed=4.0, listener=events.append)
    session = runner.start()
    wait_until(lambda: any(isinstance(e, TranscriptLine) for e in events), 10, "first line")
    runner.override_phase("scaling")
    runner.pause()
    assert runner.status == "paused"
    runner.resume()
    image = Image.new("RGB", (320, 80), "white")
    capture = runner.attach_capture(image, PROMPT_TEXT, parse_prompt(PROMPT_TEXT))
    runner.stop()
    assert runner.status == "stopped"
    record = store.load(session.id)
    manual = [c for c in record.phase_changes if c.manual]
    assert [c.phase for c in manual] == ["scaling"]
    assert record.captures[-1].id == capture.id
    saved = store.file_path(session.id, record.captures[-1].image_path or "")
    assert saved.exists() and saved.stat().st_size > 0
    assert any(isinstance(e, CaptureSaved) for e in events)
    stopped = [e for e in events if isinstance(e, SessionStopped)]
    assert len(stopped) == 1 and stopped[0].reason == "stopped"
    assert store.get_session(session.id).status == "finished"
    statuses = [e.status for e in events if isinstance(e, StatusChanged)]
    assert statuses[-3:] == ["running", "stopping", "stopped"] and "paused" in statuses


def test_a_capture_mid_session_ticks_requirements_already_spoken(store: SessionStore) -> None:
    from capture.prompt import parse_prompt

    events: list[Any] = []
    runner = SessionRunner(store, bundled_framework(), utterances=read_utterances_local(),
                           transcript_speed=10.0, listener=events.append)
    session = runner.start()
    wait_until(lambda: sum(isinstance(e, TranscriptLine) for e in events) >= 6, 10, "6 lines")
    prompt = parse_prompt(PROMPT_TEXT)
    runner.attach_capture(None, PROMPT_TEXT, prompt)
    runner.wait(30)
    record = store.load(session.id)
    assert record.captures[-1].image_path is None
    updates = [e for e in events if isinstance(e, TrackerUpdate)]
    assert any(i.kind == "requirement" for i in updates[-1].state.items)
    users = next(r for r in prompt.requirements if "10 million users" in r.text)
    ticked = {c.item_id: c.at_s for c in record.coverage if c.kind == "requirement"}
    # said at 4.8 s, before the capture existed: found by replaying the tracker's input
    assert ticked.get(users.id) == 4.8
    rows = [c for c in record.coverage if c.kind == "requirement"]
    assert len(rows) == len(ticked)  # each requirement saved once


def test_a_full_disk_stops_the_session_and_keeps_what_was_saved(store: SessionStore) -> None:
    from framework.types import Utterance

    events: list[Any] = []
    # Long lines, so that every new one needs fresh database pages.
    long = [Utterance(f"{u.text} " * 40 + f"number {i}", u.start_s, u.end_s)
            for i, u in enumerate(read_utterances_local())]
    runner = SessionRunner(store, small_framework(), utterances=long,
                           transcript_speed=6.0, listener=events.append)
    session = runner.start()
    reader = sqlite3.connect(store.path)

    def saved() -> int:
        return int(reader.execute("SELECT count(*) FROM segments").fetchone()[0])

    wait_until(lambda: saved() >= 2, 10, "two saved segments")
    with store._read() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
    assert runner.wait(20)
    reader.close()
    errors = [e for e in events if isinstance(e, RunnerError)]
    assert errors and errors[0].error == "disk_full" and errors[0].fatal
    assert "disk is full" in errors[0].message.lower()
    assert next(e for e in events if isinstance(e, SessionStopped)).reason == "error"
    with store._read() as conn:
        conn.execute("PRAGMA max_page_count = 1073741823")
    kept = store.load(session.id)
    assert len(kept.segments) >= 2
    assert kept.session.status == "running"  # recovery will offer it


def test_starting_needs_exactly_one_input(store: SessionStore) -> None:
    with pytest.raises(ValueError):
        SessionRunner(store, small_framework())
    with pytest.raises(ValueError):
        SessionRunner(store, small_framework(), source=object())  # no transcriber


def test_model_factory_is_lazy() -> None:
    factory = model_transcriber_factory("no-such-model-anywhere")
    with pytest.raises(Exception, match="model"):
        factory()


def test_a_failed_start_leaves_no_empty_session(store: SessionStore) -> None:
    from framework.definition import Framework

    broken = Framework(id="broken", name="No phases", phases=())
    runner = SessionRunner(store, broken, utterances=read_utterances_local())
    with pytest.raises(Exception):  # noqa: B017 - whatever the tracker raises
        runner.start()
    assert store.list_sessions() == [] and runner.status == "stopped"
    assert not store.files_root.exists() or list(store.files_root.iterdir()) == []
