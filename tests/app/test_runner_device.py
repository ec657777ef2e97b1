"""Losing the microphone mid-session: everything is kept, the session waits, another device
continues it. The sources here stand in for PortAudio; the audio itself is a real recording."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from app.runner import SessionRunner
from app.runner_events import RunnerError, SessionStopped, StatusChanged, TranscriptLine
from app.store import SessionStore
from audio.errors import DeviceLost
from audio.events import AudioFrame, TranscriptEvent
from tests.app.sessions_support import small_framework, wait_until

CLIP = Path(__file__).resolve().parents[1] / "data" / "spoken_pastebin_25s.flac"


class RecordingSource:
    """Plays samples like a live input; ends early with ``error`` set, as MicrophoneSource does
    when its device disappears."""

    realtime = True
    sample_rate = 16_000

    def __init__(self, samples: np.ndarray, lose_device_after_s: float | None = None,
                 raise_instead: bool = False) -> None:
        self.samples = samples
        self.lose_after = lose_device_after_s
        self.raise_instead = raise_instead
        self.error: Exception | None = None
        self.overflows = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def frames(self) -> Iterator[AudioFrame]:
        step = 1600
        for i in range(0, len(self.samples), step):
            if self._stop.is_set():
                return
            start_s = i / 16_000
            if self.lose_after is not None and start_s >= self.lose_after:
                lost = DeviceLost("The input device 'USB mic' disappeared.")
                if self.raise_instead:
                    raise lost
                self.error = lost
                return
            yield AudioFrame(self.samples[i : i + step], start_s)


class EverySecondTranscriber:
    """A final per second of audio; stands in for Whisper so this test stays about the runner."""

    lag_s = 0.0

    def __init__(self) -> None:
        self.received_s = 0.0
        self.said_s = 0.0

    def resync(self) -> None:
        """Nothing to forget: this stand-in has no wall clock."""

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        self.received_s = frame.start_s + len(frame.samples) / 16_000
        out = []
        while self.received_s - self.said_s >= 1.0:
            out.append(TranscriptEvent(f"second {int(self.said_s)}", self.said_s,
                                       self.said_s + 1.0, True, self.received_s))
            self.said_s += 1.0
        return out

    def finish(self) -> list[TranscriptEvent]:
        return []


def _samples() -> np.ndarray:
    data, rate = soundfile.read(str(CLIP), dtype="float32")
    assert rate == 16_000
    return np.asarray(data[: 6 * rate])


def _run_device_loss(tmp_path: Path, raise_instead: bool) -> None:
    samples = _samples()
    first = RecordingSource(samples[: 4 * 16_000], lose_device_after_s=3.0,
                            raise_instead=raise_instead)
    second = RecordingSource(samples)
    opened: list[Any] = []

    def open_device(device: Any) -> RecordingSource:
        opened.append(device)
        return second

    store = SessionStore(tmp_path / "s.db")
    events: list[Any] = []
    runner = SessionRunner(store, small_framework(), source=first,
                           transcriber=EverySecondTranscriber(), source_factory=open_device,
                           listener=events.append)
    session = runner.start()
    wait_until(lambda: runner.status == "device_lost", 10, "the device loss to be noticed")
    # The status flips before the event is delivered (both from the worker): wait for both.
    wait_until(lambda: any(isinstance(e, RunnerError) for e in events), 5, "the error event")
    lost = [e for e in events if isinstance(e, RunnerError)]
    assert len(lost) == 1 and lost[0].error == "device_lost" and not lost[0].fatal
    assert "saved" in lost[0].message
    wait_until(lambda: len(store.load(session.id).segments) >= 2, 5, "segments to be saved")
    assert store.get_session(session.id).status == "running"

    runner.switch_device("pulse")
    assert opened == ["pulse"]
    assert runner.wait(20)
    stopped = [e for e in events if isinstance(e, SessionStopped)]
    assert stopped and stopped[0].reason == "end_of_input"
    record = store.load(session.id)
    assert record.session.status == "finished"
    assert record.session.duration_s == 3.0 + 6.0
    starts = [s.start_s for s in record.segments]
    assert starts == sorted(starts) and starts[-1] >= 7.0
    audio = store.audio_file(record.session)
    assert audio is not None and soundfile.info(str(audio)).duration == 9.0
    statuses = [e.status for e in events if isinstance(e, StatusChanged)]
    assert "device_lost" in statuses and statuses[-1] == "stopped"


def test_device_lost_keeps_everything_and_another_device_continues(tmp_path: Path) -> None:
    _run_device_loss(tmp_path, raise_instead=False)


def test_a_source_that_raises_device_lost_is_handled_the_same(tmp_path: Path) -> None:
    _run_device_loss(tmp_path, raise_instead=True)


def test_stop_while_the_device_is_lost_finalises(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    source = RecordingSource(_samples(), lose_device_after_s=2.0)
    runner = SessionRunner(store, small_framework(), source=source,
                           transcriber=EverySecondTranscriber())
    session = runner.start()
    wait_until(lambda: runner.status == "device_lost", 10, "device loss")
    runner.stop(timeout_s=10)
    assert runner.status == "stopped"
    assert store.get_session(session.id).status == "finished"
    assert store.get_session(session.id).duration_s == 2.0


class FedSource:
    """A live input the test feeds frame by frame; ``asked`` counts frames the runner asked for,
    so the test knows when a frame has been fully handled (the runner asked for the next)."""

    realtime = True
    sample_rate = 16_000

    def __init__(self) -> None:
        import queue

        self.queue: queue.Queue[np.ndarray | None] = queue.Queue()
        self.asked = 0
        self.error: Exception | None = None
        self.overflows = 0
        self._start_s = 0.0

    def stop(self) -> None:
        self.queue.put(None)

    def frames(self) -> Iterator[AudioFrame]:
        while True:
            self.asked += 1
            samples = self.queue.get()
            if samples is None:
                return
            yield AudioFrame(samples, self._start_s)
            self._start_s += len(samples) / 16_000


def test_paused_audio_is_neither_recorded_nor_transcribed(tmp_path: Path) -> None:
    samples = _samples()
    source = FedSource()
    store = SessionStore(tmp_path / "s.db")
    runner = SessionRunner(store, small_framework(), source=source,
                           transcriber=EverySecondTranscriber())
    session = runner.start()

    def feed(seconds: int, offset: int) -> None:
        for i in range(seconds * 10):
            source.queue.put(samples[(offset * 10 + i) * 1600 : (offset * 10 + i + 1) * 1600])
        target = source.asked + seconds * 10
        wait_until(lambda: source.asked >= target, 10, "the frames to be handled")

    feed(2, 0)
    runner.pause()
    feed(1, 2)  # while paused: discarded
    assert runner.now_s() == 2.0
    runner.resume()
    feed(2, 3)
    runner.stop(timeout_s=10)
    record = store.load(session.id)
    assert record.session.duration_s == 4.0
    audio = store.audio_file(record.session)
    assert audio is not None and soundfile.info(str(audio)).duration == 4.0
    assert [s.text for s in record.segments] == [f"second {i}" for i in range(4)]


class FullDiskRecorder:
    """Stands in for the recorder on a full disk: the error the real one raises (ENOSPC)."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, frame: AudioFrame) -> None:
        import errno

        from audio.recorder import RecorderError

        if self.written >= 10:
            try:
                raise OSError(errno.ENOSPC, "No space left on device")
            except OSError as exc:
                raise RecorderError("Cannot write the recording: No space left on device.") from exc
        self.written += 1

    def close(self) -> None:
        pass


def test_a_full_disk_for_the_audio_stops_the_session(tmp_path: Path) -> None:
    source = FedSource()
    store = SessionStore(tmp_path / "s.db")
    events: list[Any] = []
    runner = SessionRunner(store, small_framework(), source=source,
                           transcriber=EverySecondTranscriber(), listener=events.append)
    session = runner.start()
    runner.line.recorder = FullDiskRecorder()  # type: ignore[assignment]  # before any frame
    for chunk in range(30):
        source.queue.put(_samples()[chunk * 1600 : (chunk + 1) * 1600])
    assert runner.wait(10)
    errors = [e for e in events if isinstance(e, RunnerError)]
    assert [e.error for e in errors] == ["disk_full"] and errors[0].fatal
    assert "Everything up to this moment is saved" in errors[0].message
    assert store.get_session(session.id).duration_s == 1.0  # what reached the recording


class RevisingTranscriber(EverySecondTranscriber):
    """Finals each second, then at 4 s a revision of the stretch [1, 3): what the refine pass
    does when a closed utterance is decoded again."""

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        out = super().insert(frame)
        if self.said_s >= 4.0 and not getattr(self, "revised_once", False):
            self.revised_once = True
            out.append(TranscriptEvent("seconds one and two, heard better", 1.0, 3.0, True,
                                       self.received_s, revised=True))
        return out


def test_a_revised_stretch_replaces_the_saved_lines(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    events: list[Any] = []
    runner = SessionRunner(store, small_framework(), source=RecordingSource(_samples()),
                           transcriber=RevisingTranscriber(), listener=events.append)
    session = runner.start()
    assert runner.wait(20)
    texts = [s.text for s in store.load(session.id).segments]
    assert texts == ["second 0", "seconds one and two, heard better", "second 3", "second 4",
                     "second 5"]
    revised = [e for e in events if isinstance(e, TranscriptLine) and e.revised]
    assert [(e.start_s, e.end_s) for e in revised] == [(1.0, 3.0)]
    assert runner.report is not None  # the replaced words no longer count (not 6 * 2 + 6)
    assert runner.report["signals"]["words"] == 4 * 2 + 6
