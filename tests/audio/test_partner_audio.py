"""Practise with a partner on real audio: two synthetic voices (espeak-ng), the real tiny.en
model, and, in the integration test, a real virtual sound card (PulseAudio null sinks): the
candidate speaks into the microphone's sink, the interviewer into the speakers' sink whose
monitor is the loopback, and every word lands with the right speaker.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.lines import AudioLine
from app.partner import INTERVIEWER_CONFIG, PartnerLine
from app.runner import SessionRunner
from app.runner_events import RunnerEvent, TranscriptLine
from audio.echo import spread_words
from audio.events import TranscriptEvent
from audio.loopback import open_loopback
from audio.metrics import normalize_words
from audio.sources import MicrophoneSource
from audio.streaming import StreamingTranscriber
from benchmarks._dialogue import Dialogue, build_dialogue, espeak_available, write_wav

SHORT = (
    ("interviewer", "How would you store the short links?"),
    ("candidate", "I would use a key value store with three replicas."),
    ("interviewer", "And what happens when the cache fails?"),
    ("candidate", "Requests fall through to the database, so we warm it slowly."),
)

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dialogue, Path, Path]:
    work = tmp_path_factory.mktemp("dialogue")
    spoken = build_dialogue(work / "turns", SHORT)
    return (spoken, write_wav(work / "candidate.wav", spoken.candidate),
            write_wav(work / "interviewer.wav", spoken.interviewer))


def right_share(dialogue: Dialogue, lines: list[tuple[str, float, float, str]],
                offset_s: float = 0.0) -> tuple[float, dict[str, int]]:
    """Share of words whose speaker is the turn's they fall in; words heard per speaker."""
    right = total = 0
    per = {"candidate": 0, "interviewer": 0}
    for text, start, end, speaker in lines:
        for _, word in spread_words(TranscriptEvent(text, start, end, True, end)):
            total += 1
            per[speaker] += 1
            right += dialogue.speaker_at(word.mid_s - offset_s) == speaker
    return right / max(1, total), per


@pytest.mark.slow
def test_transcribe_two_files_labels_every_event(
    dialogue: tuple[Dialogue, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    spoken, candidate, interviewer = dialogue
    assert main(["transcribe", str(candidate), "--interviewer", str(interviewer), "--json",
                 "--no-refine"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    events = [r for r in records if r["event"] != "summary"]
    assert events and all(r["speaker"] in ("candidate", "interviewer") for r in events)
    finals = [(r["text"], r["start"], r["end"], r["speaker"]) for r in events
              if r["event"] == "final"]
    share, per = right_share(spoken, finals)
    assert share >= 0.98, finals
    assert per["candidate"] >= 12 and per["interviewer"] >= 8, per
    summary = records[-1]
    assert summary["event"] == "summary" and summary["interviewer_audio_s"] > 10


@pytest.fixture()
def call_sink(pulse_server: dict[str, str]) -> Any:
    """A second null sink made the default output: its monitor is the loopback (the call),
    while the default source (the "microphone") stays the first sink's monitor."""
    def pactl(*args: str) -> str:
        done = subprocess.run(["pactl", *args], env=pulse_server, capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    module = pactl("load-module", "module-null-sink", "sink_name=callsink", "rate=48000",
                   "channels=2")
    pactl("set-default-sink", "callsink")
    try:
        yield pulse_server
    finally:
        pactl("set-default-sink", "mocksink")
        pactl("unload-module", module)


def right_by_words(dialogue: Dialogue, lines: list[tuple[str, float, float, str]]
                   ) -> tuple[int, int]:
    """Words only one speaker's script has, and how many of them carry that speaker: judged by
    what was said, since two players started by the test may begin a little apart under load."""
    own = {who: set(normalize_words(dialogue.text_of(who)))
           for who in ("candidate", "interviewer")}
    right = total = 0
    for text, _, _, speaker in lines:
        for word in normalize_words(text):
            mine = [who for who, words in own.items() if word in words]
            if len(mine) == 1:
                total += 1
                right += mine[0] == speaker
    return right, total


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        threading.Event().wait(0.05)


@pytest.mark.slow
@pytest.mark.integration
def test_each_voice_lands_with_its_speaker_on_a_virtual_sound_card(
    call_sink: dict[str, str], whisper_model: Any, dialogue: tuple[Dialogue, Path, Path],
) -> None:
    if shutil.which("paplay") is None:
        pytest.skip("paplay is not installed")
    spoken, candidate_wav, interviewer_wav = dialogue
    mic = MicrophoneSource(None)  # the default source: the microphone's sink monitor
    loopback = open_loopback(None)  # the default output's monitor: the call
    assert loopback.device.name == "callsink.monitor"
    candidate = AudioLine(mic, transcriber=StreamingTranscriber(whisper_model))
    interviewer = AudioLine(loopback, transcriber=StreamingTranscriber(
        whisper_model, config=INTERVIEWER_CONFIG))
    heard: list[TranscriptLine] = []

    def listen(event: RunnerEvent) -> None:
        if isinstance(event, TranscriptLine) and event.final and not event.revised:
            heard.append(event)

    runner = SessionRunner(None, None, PartnerLine(candidate, interviewer), listener=listen)
    runner.start()
    try:
        wait_for(lambda: candidate.fed_s > 0.5 and interviewer.fed_s > 0.5, 30,
                 "both sources to deliver audio")
        offset_s = candidate.fed_s
        players = [subprocess.Popen(["paplay", f"--device={sink}", str(wav)], env=call_sink)
                   for sink, wav in (("mocksink", candidate_wav), ("callsink", interviewer_wav))]
        for player in players:
            assert player.wait(timeout=120) == 0
        wait_for(lambda: candidate.fed_s > offset_s + spoken.duration_s + 1.5, 60,
                 "the recording to pass the dialogue")
    finally:
        runner.stop(timeout_s=180)
    assert runner.status == "stopped" and not runner.errors, runner.errors
    lines = [(h.text, h.start_s, h.end_s, h.speaker) for h in heard]
    right, total = right_by_words(spoken, lines)
    assert total >= 10 and right == total, lines
    for speaker, text in (("candidate", spoken.text_of("candidate")),
                          ("interviewer", spoken.text_of("interviewer"))):
        said = set(normalize_words(" ".join(h[0] for h in lines if h[3] == speaker)))
        reference = normalize_words(text)
        # each stream heard its own voice (tiny.en on synthetic speech misses some words)
        assert sum(w in said for w in reference) >= 0.4 * len(reference), (speaker, said, lines)
