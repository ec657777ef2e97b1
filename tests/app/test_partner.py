"""Practise with a partner: two lines on one clock, the speaker on every line, echo dropped.

Unit tests drive ``PartnerLine`` with scripted transcribers (what each stream "hears" and when)
and sources of synthetic frames; the store and exports run on real SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.export import export
from app.lines import AudioLine
from app.partner import PartnerLine
from app.runner import SessionRunner, run_to_end
from app.runner_events import RunnerEvent, TranscriptLine
from app.store import Segment, SessionStore
from audio.echo import EchoFilter, Levels, SpeechTrack, spread_words
from audio.events import SAMPLE_RATE, AudioFrame, TranscriptEvent
from framework.definition import get_framework

FRAME_S = 0.1


class ArraySource:
    """Frames of a numpy signal, as fast as they are taken (like a file read at full speed)."""

    realtime = False

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples
        self.error: Exception | None = None
        self.overflows = 0

    def frames(self) -> Iterator[AudioFrame]:
        step = int(FRAME_S * SAMPLE_RATE)
        for i in range(0, len(self.samples), step):
            yield AudioFrame(self.samples[i:i + step], i / SAMPLE_RATE)

    def stop(self) -> None:
        """Nothing to release."""


class Scripted:
    """A transcriber that emits each scripted event once its audio has been taken in, plus
    ``delay_s`` (how long the real decoder takes to commit)."""

    def __init__(self, events: list[TranscriptEvent], delay_s: float = 0.5) -> None:
        self.pending = sorted(events, key=lambda e: e.end_s)
        self.delay_s = delay_s
        self.lag_s = 0.0

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        out = [e for e in self.pending if e.end_s + self.delay_s <= frame.end_s]
        self.pending = [e for e in self.pending if e not in out]
        return out

    def finish(self) -> list[TranscriptEvent]:
        out, self.pending = self.pending, []
        return out

    def resync(self) -> None:
        """Nothing to forget."""


def final(text: str, start: float, end: float, revised: bool = False) -> TranscriptEvent:
    return TranscriptEvent(text, start, end, True, end, revised)


def tone(spans: list[tuple[float, float]], total_s: float, level: float) -> np.ndarray:
    """Sound where ``spans`` say, digital silence elsewhere."""
    out = np.zeros(int(total_s * SAMPLE_RATE), np.float32)
    t = np.arange(len(out)) / SAMPLE_RATE
    for a, b in spans:
        mask = (t >= a) & (t < b)
        out[mask] = level * np.sin(2 * np.pi * 220 * t[mask])
    return out


def run_line(line: PartnerLine, store: SessionStore | None = None,
             framework: object = None) -> tuple[list[TranscriptLine], object]:
    heard: list[TranscriptLine] = []

    def listen(event: RunnerEvent) -> None:
        if isinstance(event, TranscriptLine):
            heard.append(event)

    runner = SessionRunner(store, framework, line, listener=listen)  # type: ignore[arg-type]
    result = run_to_end(runner)
    assert result.error is None, result.error
    return heard, result


# --------------------------------------------------------------------------- the echo filter


def test_words_spread_over_a_final_by_length() -> None:
    words = spread_words(final("a database", 1.0, 1.9))
    assert [w.text for _, w in words] == ["a", "database"]
    assert words[0][1].mid_s == pytest.approx(1.05) and words[1][1].mid_s == pytest.approx(1.5)


def test_a_final_said_while_the_partner_is_quiet_passes_at_once() -> None:
    echo = EchoFilter()
    echo.track.add(0.0, 10.0, -100.0)  # the partner's source heard, silent
    event = final("we shard by user id", 2.0, 4.0)
    assert echo.candidate(event) == [event]


def test_an_echo_is_held_until_the_partner_stream_has_it_then_dropped() -> None:
    echo = EchoFilter()
    echo.track.add(0.0, 5.0, -20.0)  # the partner speaks 0-5 s
    echoed = final("how would you store them?", 1.0, 3.0)
    assert echo.candidate(echoed) == []  # held: the partner's words are not decoded yet
    echo.interviewer_event(final("How would you store them?", 1.1, 3.2))
    assert echo.interviewer_heard(4.0) == []  # not decoded far enough past it yet
    assert echo.interviewer_heard(6.5) == []  # released and wholly dropped
    assert echo.stats.dropped_words == 5


def test_once_the_partner_is_quiet_a_held_final_goes_without_waiting_the_full_hold() -> None:
    echo = EchoFilter()
    echo.track.add(0.0, 3.2, -20.0)  # the partner speaks, then is quiet
    echo.track.add(3.2, 4.3, -100.0)
    assert echo.candidate(final("sure, replicas", 2.5, 3.0)) == []
    assert echo.interviewer_heard(4.0) == []  # quiet for 0.8 s: the utterance may be open
    assert [e.text for e in echo.interviewer_heard(4.3)] == ["sure, replicas"]


def test_only_the_echoed_words_go_and_the_candidates_own_stay() -> None:
    echo = EchoFilter()
    echo.track.add(0.0, 3.0, -20.0)
    echo.interviewer_event(final("and the cache fails?", 0.0, 2.0))
    echo.candidate(final("the cache fails? sure, replicas", 0.2, 4.0))
    out = echo.interviewer_heard(8.0)
    assert [e.text for e in out] == ["sure, replicas"]


def test_a_misheard_echo_goes_by_level_when_the_mic_only_hears_the_partner() -> None:
    levels = Levels()
    for i in range(40):  # the partner alone: the mic hears them 12 dB down
        t = i * 0.1
        levels.add("loop", t, t + 0.1, -20.0)
        levels.add("mic", t, t + 0.1, -32.0)
    levels.add("loop", 4.0, 6.0, -100.0)  # then the candidate alone, loud
    levels.add("mic", 4.0, 6.0, -18.0)
    assert levels.gain_db == pytest.approx(-12.0)
    assert levels.echo_only(1.0, 2.0) is True
    assert levels.echo_only(4.5, 5.5) is False


def test_a_revision_that_was_all_echo_still_replaces_what_it_covers() -> None:
    echo = EchoFilter()
    echo.track.add(0.0, 4.0, -20.0)
    echo.interviewer_event(final("why not a queue?", 0.5, 2.0))
    echo.candidate(final("why not a queue?", 0.5, 2.0, revised=True))
    (out,) = echo.flush()
    assert out.revised and out.text == ""


def test_the_filter_off_passes_everything() -> None:
    from audio.echo import EchoConfig

    echo = EchoFilter(EchoConfig(enabled=False))
    echo.track.add(0.0, 5.0, -20.0)
    event = final("how would you store them?", 1.0, 3.0)
    assert echo.candidate(event) == [event]


def test_speech_track_merges_spans() -> None:
    track = SpeechTrack(hangover_s=0.3)
    track.add(0.0, 0.1, -20.0)
    track.add(0.2, 0.3, -20.0)
    track.add(2.0, 2.1, -20.0)
    assert len(track.spans) == 2 and track.overlap_s(0.0, 0.3) == pytest.approx(0.3)


# ------------------------------------------------------------------------ two lines, one clock


def dialogue_line(echo_in_mic: bool) -> PartnerLine:
    """The partner asks (0.5-2.5 s), the candidate answers (3.5-6 s); with ``echo_in_mic`` the
    microphone also hears the question, faintly, and its transcriber writes it down."""
    total = 8.0
    mic = tone([(3.5, 6.0)], total, 0.5) + (tone([(0.5, 2.5)], total, 0.12) if echo_in_mic
                                            else 0)
    loop = tone([(0.5, 2.5)], total, 0.5)
    mic_events = [final("We shard by user id", 3.5, 6.0)]
    if echo_in_mic:
        mic_events.insert(0, final("how would you shard it?", 0.6, 2.4))
    return PartnerLine(
        AudioLine(ArraySource(mic), transcriber=Scripted(mic_events)),
        AudioLine(ArraySource(loop), transcriber=Scripted(
            [final("How would you shard it?", 0.5, 2.5)], delay_s=1.5)))


@pytest.mark.parametrize("echo_in_mic", [False, True])
def test_each_line_has_its_speaker_and_the_echo_is_gone(echo_in_mic: bool) -> None:
    line = dialogue_line(echo_in_mic)
    heard, _ = run_line(line)
    said = [(h.speaker, h.text) for h in heard if h.final]
    assert sorted(said) == [("candidate", "We shard by user id"),
                            ("interviewer", "How would you shard it?")]
    assert line.echo.stats.dropped_words == (5 if echo_in_mic else 0)


def test_a_saved_partner_session_keeps_speakers_both_recordings_and_the_signals(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "s.db")
    _, result = run_line(dialogue_line(True), store, get_framework("system-design"))
    session = result.session  # type: ignore[attr-defined]
    record = store.load(session.id)
    assert [(s.speaker, s.text) for s in record.segments] == [
        ("interviewer", "How would you shard it?"), ("candidate", "We shard by user id")]
    folder = store.session_dir(session.id)
    assert (folder / "audio.wav").stat().st_size > 0
    assert (folder / "interviewer.wav").stat().st_size > 0
    signals = result.report["signals"]  # type: ignore[attr-defined]
    assert signals["words"] == 5  # the candidate's only
    assert signals["answers"]["items"][0]["after_s"] == pytest.approx(1.0)
    assert 0.5 < signals["talk_time"]["candidate_share"] < 0.6
    srt = export(record, "srt")
    assert "Interviewer: How would you shard it?" in srt and "Candidate: We shard" in srt
    assert "<v Interviewer>How would you shard it?" in export(record, "vtt")
    assert "**Interviewer:**" in export(record, "md")
    assert "<td class='who'>Interviewer</td>" in export(record, "html")


def test_a_revision_replaces_only_its_own_speakers_lines(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    sid = store.create_session(title="pair", framework="system-design").id
    store.write_batch(sid, segments=[Segment(0.0, 2.0, "why a queue?", speaker="interviewer"),
                                     Segment(0.5, 1.5, "uh huh")])
    store.replace_segments(sid, 0.0, 3.0, [Segment(0.4, 1.6, "right")], "candidate")
    assert [(s.speaker, s.text) for s in store.load(sid).segments] == [
        ("interviewer", "why a queue?"), ("candidate", "right")]


def test_a_solo_session_exports_as_before(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    sid = store.create_session(title="solo", framework="system-design").id
    store.write_batch(sid, segments=[Segment(0.0, 2.0, "We start with requirements.")])
    record = store.load(sid)
    assert "Candidate" not in export(record, "srt") and "<v " not in export(record, "vtt")
    assert '"speaker"' not in export(record, "jsonl")


def test_a_second_device_starts_on_the_first_ones_clock_and_its_recording_lines_up(
    tmp_path: Path,
) -> None:
    import soundfile as sf

    from app.lines import Gate, Inbox, PumpEnd
    from audio.recorder import Recorder

    line = AudioLine(ArraySource(tone([(0.0, 0.5)], 0.5, 0.5)), transcriber=Scripted([]),
                     speaker="interviewer")
    line.recorder = Recorder(tmp_path / "interviewer.wav")
    line.starts_at = lambda: 1.0  # the microphone's clock when the partner's first frame came
    inbox, ends = Inbox(), []
    line.start(inbox, Gate(), ends.append)
    line.join(30)
    line.recorder.close()
    assert ends == [PumpEnd("end_of_input")]
    first = inbox.get(1.0)
    assert isinstance(first, AudioFrame) and first.start_s == pytest.approx(1.0)
    assert line.fed_s == pytest.approx(1.5)
    recorded, rate = sf.read(tmp_path / "interviewer.wav")
    assert len(recorded) == int(1.5 * rate) and not recorded[: rate].any()


def test_sessions_show_names_the_speakers_of_a_partner_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main
    from app.settings import Settings

    with Settings().open_store() as store:
        sid = store.create_session(title="pair", framework="system-design").id
        store.write_batch(sid, segments=[
            Segment(0.0, 2.0, "Why a queue?", speaker="interviewer"),
            Segment(3.0, 5.0, "To absorb bursts.")])
        store.finish_session(sid, duration_s=6.0)
    assert main(["sessions", "show", str(sid)]) == 0
    out = capsys.readouterr().out
    assert "Interviewer: Why a queue?" in out and "Candidate: To absorb bursts." in out
    assert main(["sessions", "show", str(sid), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [g["speaker"] for g in shown["segments"]] == ["interviewer", "candidate"]
