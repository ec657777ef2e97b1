"""The streaming transcriber with the real tiny.en model on real recordings."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio.events import SAMPLE_RATE, AudioFrame, TranscriptEvent
from audio.metrics import word_error_rate
from audio.sources import FileSource
from audio.streaming import StreamingTranscriber, transcribe_stream

pytestmark = pytest.mark.slow

REFERENCE_JFK = (
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do "
    "for your country."
)


def assert_finals_well_formed(events: list[TranscriptEvent]) -> None:
    finals = [e for e in events if e.final]
    previous_end = 0.0
    for ev in finals:
        assert ev.text.strip()
        assert ev.start_s <= ev.end_s
        assert ev.start_s >= previous_end - 1e-6, f"final overlaps the previous one: {ev}"
        previous_end = ev.end_s
    emitted = [e.emitted_s for e in events]
    assert emitted == sorted(emitted)


def frames_of(samples: np.ndarray, frame_s: float = 0.1) -> list[AudioFrame]:
    step = int(frame_s * SAMPLE_RATE)
    return [
        AudioFrame(samples[i : i + step], i / SAMPLE_RATE) for i in range(0, len(samples), step)
    ]


def test_jfk_through_file_source_matches_reference(
    whisper_model: Any, jfk_path: Path, jfk_reference: str
) -> None:
    transcriber = StreamingTranscriber(whisper_model)
    events = list(transcribe_stream(FileSource(jfk_path), transcriber))
    assert_finals_well_formed(events)
    text = " ".join(e.text for e in events if e.final)
    assert word_error_rate(jfk_reference, text) <= 0.10, text
    assert any(not e.final for e in events), "partials are shown before words are final"
    assert transcriber.lag_s == 0.0


def test_silence_and_noise_yield_nothing(whisper_model: Any) -> None:
    rng = np.random.default_rng(0)
    silence = np.zeros(8 * SAMPLE_RATE, np.float32)
    white = (rng.standard_normal(8 * SAMPLE_RATE) * 0.01).astype(np.float32)
    t = np.arange(8 * SAMPLE_RATE) / SAMPLE_RATE
    hum = (0.03 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    transcriber = StreamingTranscriber(whisper_model)
    events: list[TranscriptEvent] = []
    for frame in frames_of(np.concatenate((silence, white, hum))):
        events += transcriber.insert(frame)
    events += transcriber.finish()
    assert events == []
    assert transcriber.stats.decodes == 0, "the VAD gate keeps the model idle on non-speech"


def test_pauses_finalise_and_long_sessions_keep_a_short_buffer(
    whisper_model: Any, jfk_path: Path
) -> None:
    speech = np.concatenate([f.samples for f in FileSource(jfk_path).frames()])
    gap = np.zeros(3 * SAMPLE_RATE, np.float32)
    transcriber = StreamingTranscriber(whisper_model)
    events: list[TranscriptEvent] = []
    longest_buffer_s = 0.0
    for frame in frames_of(np.concatenate((speech, gap, speech, gap))):
        events += transcriber.insert(frame)
        longest_buffer_s = max(longest_buffer_s, transcriber.buffer_s)
    finals_before_finish = [e for e in events if e.final]
    events += transcriber.finish()
    assert_finals_well_formed(events)
    # Everything was final before finish(): the pauses ended each utterance.
    assert finals_before_finish == [e for e in events if e.final]
    assert finals_before_finish[-1].end_s > 11.0 + 3.0 + 9.0
    assert longest_buffer_s <= transcriber.config.hard_buffer_s + 0.5
    assert "country" in finals_before_finish[-1].text.lower()


def test_transcribe_cli_json_contract(jfk_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    assert main(["transcribe", str(jfk_path), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    *events, summary = lines
    assert events, "events before the summary"
    for record in events:
        assert set(record) == {"event", "text", "start", "end", "emitted"}
        assert record["event"] in ("partial", "final", "revised")
        assert isinstance(record["text"], str)
        assert all(isinstance(record[k], float | int) for k in ("start", "end", "emitted"))
    finals = [r for r in events if r["event"] == "final"]
    for before, after in itertools.pairwise(finals):
        assert after["start"] >= before["end"]
    assert set(summary) == {"event", "audio_s", "wall_s", "rtf", "lag_max_s", "peak_rss_mb"}
    assert summary["event"] == "summary"
    assert summary["audio_s"] == pytest.approx(11.0, abs=0.1)
    assert summary["peak_rss_mb"] > 50
    text = " ".join(r["text"] for r in finals).lower()
    assert "country" in text
    # The refine pass: revisions cover every final (by midpoint) and read as one line.
    revised = [r for r in events if r["event"] == "revised"]
    assert revised, "the closed utterance is decoded again"
    for final in finals:
        mid = (final["start"] + final["end"]) / 2
        assert any(r["start"] <= mid < r["end"] for r in revised), final
    lines: list[dict[str, Any]] = []  # a revision replaces the finals (and revisions) it covers
    for record in [r for r in events if r["event"] != "partial"]:
        if record["event"] == "revised":
            lo, hi = record["start"], record["end"]
            lines = [x for x in lines if not lo <= (x["start"] + x["end"]) / 2 < hi]
        lines.append(record)
        lines.sort(key=lambda x: x["start"])
    refined = " ".join(r["text"] for r in lines)
    assert word_error_rate(REFERENCE_JFK, refined) <= 0.05, refined
    assert len(lines) < len(finals)


def test_transcribe_cli_no_refine(jfk_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    assert main(["transcribe", str(jfk_path), "--json", "--no-refine"]) == 0
    kinds = {json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()}
    assert kinds == {"partial", "final", "summary"}


def test_transcribe_cli_bad_inputs_say_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10)
    assert main(["transcribe", str(broken)]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "wav, flac" in err
    assert main(["transcribe", str(tmp_path / "nope.flac")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["transcribe", str(broken), "--model", str(tmp_path / "no-model")]) == 2


def test_no_edge_words_lost_on_a_long_read(
    whisper_model: Any, long_read: tuple[np.ndarray, str]
) -> None:
    """Issue 11: six LJ Speech clips back to back (52 s of one reader, the buffer is cut many
    times). Deletions are counted apart from substitutions: a lost word is worse than a misheard
    one. "books" in "the art of making books" used to fall at a buffer cut."""
    from audio.metrics import error_counts

    audio, reference = long_read
    transcriber = StreamingTranscriber(whisper_model, live=False)
    events: list[TranscriptEvent] = []
    for frame in frames_of(audio):
        events += transcriber.insert(frame)
    events += transcriber.finish()
    assert_finals_well_formed(events)
    text = " ".join(e.text for e in events if e.final)
    counts = error_counts(reference, text)
    assert counts.deletions <= 2, (counts, text)
    assert counts.errors <= 0.08 * counts.words, (counts, text)
    assert "making books" in text.lower()
