"""A whole mock through the REAL runner and store: live window → review window → export."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import SessionStore
from app.ui.application import Application
from capture.prompt import parse_prompt
from tests.ui.conftest import no_devices, read_utterances, transcript_runner_factory


def replayed_transcript_app(
    qapp: Any, store: SessionStore, tmp_path: Path, utterances: list[Any], speed: float
) -> Application:
    """The real app over ``store``, whose Start replays ``utterances`` through the real runner."""
    return Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                       runner_factory=transcript_runner_factory(store, utterances, speed=speed),
                       device_lister=no_devices, offer_recovery=False)


def test_whole_mock_live_then_review_then_export(
    qtbot: QtBot, qapp, shared_data: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    utterances = read_utterances(shared_data / "transcripts" / "sdp_pastebin.jsonl", 600)
    app = replayed_transcript_app(qapp, store, tmp_path, utterances, speed=60.0)
    live = app.live
    live.prompt_panel.set_prompt(
        parse_prompt((shared_data / "prompts" / "sdp_pastebin.txt").read_text()), "test")
    live.show()
    live.start_or_resume()
    # transcript appears
    qtbot.waitUntil(lambda: live.transcript.line_count >= 5, timeout=60_000)
    # a requirement gets ticked, the phase changes
    qtbot.waitUntil(lambda: live.coverage.counts("requirement")[0] >= 1, timeout=60_000)
    qtbot.waitUntil(lambda: live.phase_bar.current not in (None, "requirements"),
                    timeout=60_000)
    assert "→" in live.transcript.plain_text()  # the phrase that moved the phase is marked
    with qtbot.waitSignal(live.session_finished, timeout=60_000) as finished:
        live.stop()
    session_id = finished.args[0]
    assert live.status == "idle"

    app.show_review(session_id)
    review = app.review
    qtbot.waitUntil(lambda: review.data is not None and review.data.session_id == session_id,
                    timeout=60_000)
    assert session_id in review.session_ids()
    said_live = " ".join(live.transcript.line_texts()).split()
    assert " ".join(line.text for line in review.data.lines).split() == said_live
    assert any(r.addressed for r in review.data.coverage if r.group == "requirement")
    assert len(review.data.spans) >= 2

    target = tmp_path / "report.html"
    with qtbot.waitSignal(review.exported, timeout=60_000):
        review.export("html", target)
    html = target.read_text(encoding="utf-8")
    assert "<svg" in html and utterances[0].text.split()[0] in html
    md = tmp_path / "report.md"
    with qtbot.waitSignal(review.exported, timeout=60_000):
        review.export("md", md)
    assert md.read_text(encoding="utf-8").startswith("#")
    review.close()
    live.close()
    app.shutdown()


class LosingSource:
    """Plays a real recording like a live input, then loses the device (``error`` set), as
    MicrophoneSource does when a USB microphone is unplugged."""

    realtime = True
    sample_rate = 16_000

    def __init__(self, samples: Any, lose_after_s: float | None) -> None:
        self.samples = samples
        self.lose_after_s = lose_after_s
        self.error: Exception | None = None
        self.overflows = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def frames(self) -> Iterator[Any]:
        from audio.errors import DeviceLost
        from audio.events import AudioFrame

        step = 1600
        for i in range(0, len(self.samples), step):
            if self._stop.wait(0.01):
                return
            start_s = i / 16_000
            if self.lose_after_s is not None and start_s >= self.lose_after_s:
                self.error = DeviceLost("The input device 'USB mic' disappeared.")
                return
            yield AudioFrame(self.samples[i : i + step], start_s)


class SecondsTranscriber:
    """One final line per second of audio (this test is about the window, not about Whisper)."""

    lag_s = 0.0

    def __init__(self) -> None:
        self.said_s = 0.0

    def resync(self) -> None:
        """Nothing to forget: this stand-in has no wall clock."""

    def insert(self, frame: Any) -> list[Any]:
        from audio.events import TranscriptEvent

        end = frame.start_s + len(frame.samples) / 16_000
        out = []
        while end - self.said_s >= 1.0:
            out.append(TranscriptEvent(f"second {int(self.said_s)}", self.said_s,
                                       self.said_s + 1.0, True, end))
            self.said_s += 1.0
        return out

    def finish(self) -> list[Any]:
        return []


def test_device_lost_mid_session_says_so_and_resumes(
    qtbot: QtBot, qapp, test_data: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    import soundfile

    from app.runner import SessionRunner
    from app.ui.mic_panel import Device

    samples, _rate = soundfile.read(test_data / "spoken_pastebin_25s.flac", dtype="float32")
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")

    def factory(request: Any, listener: Any) -> Any:
        return SessionRunner(
            store, request.framework, listener=listener,
            source=LosingSource(samples, lose_after_s=2.0), transcriber=SecondsTranscriber(),
            source_factory=lambda device: LosingSource(samples[: 16_000 * 3], None),
            round_s=request.round_s,
        )

    devices = [Device("", "System default"), Device("Backup mic", "Backup mic")]
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      runner_factory=factory, device_lister=lambda: (devices, None),
                      offer_recovery=False)
    live = app.live
    live.show()
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.status == "device_lost", timeout=60_000)
    assert "microphone was lost" in live.banner.text()
    assert live.transcript.line_count >= 1  # what was said before is still there (and saved)
    resume = live.banner.findChild(QPushButton, "resumeButton")
    assert resume is not None and resume.isEnabled()
    resume.click()
    qtbot.waitUntil(lambda: live.status == "running", timeout=60_000)
    qtbot.waitUntil(lambda: "reconnected" in live.banner.text(), timeout=60_000)
    with qtbot.waitSignal(live.session_finished, timeout=60_000) as finished:
        live.stop()
    record = store.load(finished.args[0])
    assert len(record.segments) >= 2
    live.close()
    app.shutdown()


def test_gui_never_stalls_long_during_a_replayed_mock(
    qtbot: QtBot, qapp, shared_data: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The figures are printed by benchmarks/ui_stall.py; here only a generous bound, because a
    loaded CI machine adds its own scheduling delays."""
    from app.ui.stall_probe import StallProbe

    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    utterances = read_utterances(shared_data / "transcripts" / "sdp_twitter.jsonl", 400)
    app = replayed_transcript_app(qapp, store, tmp_path, utterances, speed=60.0)
    live = app.live
    live.show()
    probe = StallProbe()
    probe.start()
    with qtbot.waitSignal(live.session_finished, timeout=60_000):
        live.start_or_resume()
    figures = probe.stop()
    assert figures.ticks > 100
    assert figures.p99_ms < 250, figures
    assert figures.max_ms < 2000, figures
    live.close()
    app.shutdown()


def test_closing_mid_session_saves_and_leaves_no_thread(
    qtbot: QtBot, qapp, shared_data: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    utterances = read_utterances(shared_data / "transcripts" / "sdp_mint.jsonl", 900)
    before = set(threading.enumerate())
    app = replayed_transcript_app(qapp, store, tmp_path, utterances, speed=20.0)
    live = app.live
    live.show()
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.transcript.line_count >= 3, timeout=60_000)
    live.close()  # asks the runner to stop; the window closes once everything is saved
    qtbot.waitUntil(lambda: not live.isVisible(), timeout=60_000)
    app.shutdown()
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leftover, leftover
    (session,) = store.list_sessions()
    assert session.status == "finished" and session.duration_s > 0
    assert len(store.load(session.id).segments) >= 3


def test_pause_resume_phase_override_cues_lag_and_every_export(
    qtbot: QtBot, qapp, shared_data: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    import json

    from PySide6.QtCore import Qt

    from app.runner_events import LagUpdate

    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    utterances = read_utterances(shared_data / "transcripts" / "sdp_pastebin.jsonl", 240)
    app = replayed_transcript_app(qapp, store, tmp_path, utterances, speed=8.0)
    live = app.live
    live.resize(1280, 820)
    live.show()
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.status == "running" and live.transcript.line_count >= 2,
                    timeout=60_000)
    # the cue card shows the current phase's speakable template
    qtbot.waitUntil(lambda: bool(live.cue_card.template_text()), timeout=60_000)
    assert live.cue_card._phase.text().startswith("Now: ")

    live.pause()
    qtbot.waitUntil(lambda: live.status == "paused", timeout=60_000)
    assert live.act_start.text() == "Resume" and live.act_start.isEnabled()
    held = live.transcript.line_count
    qtbot.wait(800)  # 800 ms at 8x would be ~6 s of mock: nothing arrives while paused
    assert live.transcript.line_count == held
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.status == "running", timeout=60_000)
    qtbot.waitUntil(lambda: live.transcript.line_count > held, timeout=60_000)

    # a click on a phase chip overrides the detection
    last = live.phase_bar.phases()[-1].id
    qtbot.mouseClick(live.phase_bar, Qt.MouseButton.LeftButton,
                     pos=live.phase_bar.chip_rects()[-1].center().toPoint())
    qtbot.waitUntil(lambda: live.phase_bar.current == last, timeout=60_000)

    # the lag indicator appears when transcription falls behind, and goes when it catches up
    live.handle_batch([LagUpdate(lag_s=7.5, backlog_s=7.5)])
    assert "7.5 s behind" in live.lag_badge.text() and live.lag_badge.isVisible()
    live.handle_batch([LagUpdate(lag_s=0.2, backlog_s=0.0)])
    assert live.lag_badge.isHidden()

    with qtbot.waitSignal(live.session_finished, timeout=60_000) as finished:
        live.stop()
    session_id = finished.args[0]
    app.show_review(session_id)
    review = app.review
    qtbot.waitUntil(lambda: review.data is not None and review.data.session_id == session_id,
                    timeout=60_000)
    assert "Checklist" in review.coverage_text()  # coverage with the evidence, readable
    outputs = {}
    for fmt in ("md", "html", "srt", "vtt", "jsonl"):
        target = tmp_path / f"session.{fmt}"
        with qtbot.waitSignal(review.exported, timeout=60_000):
            review.export(fmt, target)
        outputs[fmt] = target.read_text(encoding="utf-8")
    assert outputs["md"].startswith("#") and "<svg" in outputs["html"]
    assert "-->" in outputs["srt"] and outputs["vtt"].startswith("WEBVTT")
    rows = [json.loads(line) for line in outputs["jsonl"].splitlines() if line.strip()]
    assert rows and all("text" in row for row in rows)
    review.close()
    live.close()
    app.shutdown()
