"""Input lines: where a session's transcript comes from.

A line has two halves. Its *pump* runs on a thread of its own and puts what the source yields
into the runner's bounded ``Inbox``: audio frames (after the recorder and the level meter) or a
transcript file's utterances (paced, if asked). Its *decoder* runs on the runner's worker and
turns an inbox item into transcript events with their speaker (``pipeline.Heard``): a frame
through the streaming transcriber, an utterance as it is. A transcript file is therefore one
more source, not a mode: everything after ``decode`` is the same pipeline.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from app.pipeline import Heard, event_from
from app.store import is_disk_full
from audio.errors import DeviceLost
from audio.events import SAMPLE_RATE, AudioFrame, TranscriptEvent
from audio.meter import dbfs
from audio.recorder import Recorder
from framework.types import Utterance

LEVEL_INTERVAL_S = 0.05


class Transcriber(Protocol):
    """What a line needs from ``audio.streaming.StreamingTranscriber``."""

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]: ...

    def finish(self) -> list[TranscriptEvent]: ...

    def resync(self) -> None: ...

    @property
    def lag_s(self) -> float: ...


class LiveSource(Protocol):
    """``audio.sources.AudioSource`` plus whether it paces itself at the speed of speech."""

    realtime: bool
    error: Exception | None

    def frames(self) -> Iterator[AudioFrame]: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class SpeakerFrame(AudioFrame):
    """A frame on the session clock with who is heard on it: with a partner's source beside the
    microphone (``app.partner``) two lines share one inbox and the decoder tells them apart."""

    speaker: str = "candidate"


class End:
    """The last item of an inbox: the input is over."""


END = End()
InboxItem = AudioFrame | Utterance | End
EndReason = Literal["end_of_input", "stopped", "disk_full", "device_lost", "error"]


@dataclass(frozen=True)
class PumpEnd:
    """Why a pump stopped; ``error`` says what failed (device lost, a bad file...)."""

    reason: EndReason
    error: BaseException | None = None


class Gate:
    """Stop and pause, shared by the runner (which sets them) and its pump (which obeys)."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.resumed = threading.Event()
        self.resumed.set()


class Inbox:
    """The bounded queue from a pump to the worker, and how much audio it holds: when
    transcription falls ``max_backlog_s`` behind, a live line's frames are dropped (they are
    still recorded) instead of memory growing."""

    def __init__(self, max_backlog_s: float = 300.0, maxsize: int = 4096) -> None:
        self.max_backlog_s = max_backlog_s
        self.backlog_s = 0.0
        self.dropped_s = 0.0
        self._queue: queue.Queue[InboxItem] = queue.Queue(maxsize=maxsize)
        self._lock = threading.Lock()
        self._ended = False

    def put_frame(self, frame: AudioFrame, block: bool) -> None:
        seconds = frame.duration_s
        if not block and self.backlog_s + seconds > self.max_backlog_s:
            self.dropped_s += seconds
            return
        try:
            self._queue.put(frame, block=block)
        except queue.Full:
            self.dropped_s += seconds
            return
        with self._lock:
            self.backlog_s += seconds

    def put(self, item: Utterance) -> None:
        self._queue.put(item)

    def end(self) -> None:
        """Close the inbox (idempotent: the pump, a stop and a failure may all try)."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        self._queue.put(END)

    def get(self, timeout_s: float) -> InboxItem | None:
        try:
            item = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None
        if isinstance(item, AudioFrame):
            with self._lock:
                self.backlog_s = max(0.0, self.backlog_s - item.duration_s)
        return item

    def drain(self) -> None:
        """Throw everything away up to the end (the worker failed; let the pump finish)."""
        while not isinstance(self._queue.get(), End):
            pass


class _Pumped:
    """A line whose pump runs on its own thread: join it (never from itself) and ask if it
    is still running."""

    _thread: threading.Thread | None = None

    def join(self, timeout_s: float | None = None) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class AudioLine(_Pumped):
    """A microphone or an audio file through the streaming transcriber.

    Pump side (its own thread): frames are rebased on the session clock (samples taken in, so a
    switched device or a pause leaves no gap), written to the recorder, metered, and queued.
    Paused live audio is discarded, not recorded. ``switch_device`` continues on another input.
    Decoder side (the worker): the transcriber, loaded there by ``transcriber_factory`` so a
    model load never blocks the caller.
    """

    def __init__(
        self,
        source: LiveSource,
        *,
        transcriber: Transcriber | None = None,
        transcriber_factory: Callable[[], Transcriber] | None = None,
        source_factory: Callable[[str | None], LiveSource] | None = None,
        speaker: str = "candidate",
    ) -> None:
        if transcriber is None and transcriber_factory is None:
            raise ValueError("an audio source needs transcriber= or transcriber_factory=")
        self.source = source
        self.source_factory = source_factory
        self.speaker = speaker
        self.recorder: Recorder | None = None
        self.on_level: Callable[[float, float], None] | None = None
        self._transcriber = transcriber
        self._factory = transcriber_factory
        self._fed_samples = 0
        self._last_level = 0.0
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._resync = False
        self.starts_at: Callable[[], float] | None = None
        """For a second live line (the partner's): where on the session clock its first frame
        lands (the first line's clock when it arrives), so two devices opened one after the
        other still share one clock."""

    @property
    def fed_s(self) -> float:
        """The session clock: seconds of audio handed to recorder and transcriber so far."""
        return self._fed_samples / SAMPLE_RATE

    @property
    def realtime(self) -> bool:
        return bool(self.source.realtime)

    # ------------------------------------------------------------------ pump side

    def start(self, inbox: Inbox, gate: Gate, on_end: Callable[[PumpEnd], None]) -> None:
        self._thread = threading.Thread(
            target=self._pump, args=(self.source, self._generation, inbox, gate, on_end),
            name="runner-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.source.stop()

    def switch_device(self, device: str | None, inbox: Inbox, gate: Gate,
                      on_end: Callable[[PumpEnd], None]) -> None:
        """Stop the old input (its pump exits quietly) and go on with ``device``."""
        if self.source_factory is None:
            raise ValueError("this line has no source_factory to open another device")
        new_source = self.source_factory(device)
        old = self.source
        self._generation += 1
        self.source = new_source
        with contextlib.suppress(Exception):
            old.stop()
        self.join()
        self._resync = True  # the wall clock jumped while no audio came
        self.start(inbox, gate, on_end)

    def resume(self) -> None:
        self._resync = True

    def _pump(self, source: LiveSource, generation: int, inbox: Inbox, gate: Gate,
              on_end: Callable[[PumpEnd], None]) -> None:
        try:
            end = self._pump_frames(source, inbox, gate)
        except DeviceLost as exc:
            end = PumpEnd("device_lost", exc)
        except Exception as exc:
            end = PumpEnd("error", exc)
        if end.reason == "end_of_input" and source.error is not None:
            lost = isinstance(source.error, DeviceLost)
            end = PumpEnd("device_lost" if lost else "error", source.error)
        if generation == self._generation:  # else: replaced by switch_device, which goes on
            on_end(end)

    def _pump_frames(self, source: LiveSource, inbox: Inbox, gate: Gate) -> PumpEnd:
        realtime = bool(source.realtime)
        for frame in source.frames():
            if self.starts_at is not None:
                lead = max(0, round(self.starts_at() * SAMPLE_RATE) - self._fed_samples)
                self.starts_at = None
                if lead and self.recorder is not None:  # so both recordings line up
                    self.recorder.write(np.zeros(lead, dtype=np.float32))
                self._fed_samples += lead
            if gate.stopped.is_set():
                return PumpEnd("stopped")
            if not gate.resumed.is_set():
                if realtime:
                    continue  # a live input keeps coming; paused audio is discarded
                gate.resumed.wait()
                if gate.stopped.is_set():
                    return PumpEnd("stopped")
            rebased = SpeakerFrame(frame.samples, self.fed_s, self.speaker)
            if self.recorder is not None:
                try:
                    self.recorder.write(rebased)
                except Exception as exc:
                    if is_disk_full(exc) or is_disk_full(exc.__cause__ or exc):
                        return PumpEnd("disk_full", exc)
                    raise
            self._fed_samples += len(frame.samples)
            self._level(rebased)
            inbox.put_frame(rebased, block=not realtime)
        return PumpEnd("stopped" if gate.stopped.is_set() else "end_of_input")

    def _level(self, frame: AudioFrame) -> None:
        now = time.monotonic()
        if self.on_level is None or now - self._last_level < LEVEL_INTERVAL_S:
            return
        self._last_level = now
        self.on_level(dbfs(frame.samples), self.fed_s)

    # ------------------------------------------------------------------ decoder side

    def open(self) -> None:
        """Load the model (on the worker thread)."""
        if self._transcriber is None and self._factory is not None:
            self._transcriber = self._factory()

    def decode(self, item: AudioFrame | Utterance) -> list[Heard]:
        assert isinstance(item, AudioFrame) and self._transcriber is not None
        if self._resync:
            self._resync = False
            self._transcriber.resync()
        return [(e, self.speaker) for e in self._transcriber.insert(item)]

    def finish(self) -> list[Heard]:
        if self._transcriber is None:
            return []
        return [(e, self.speaker) for e in self._transcriber.finish()]

    @property
    def lag_s(self) -> float | None:
        """How far transcription trails the audio (None: nothing to trail)."""
        return self._transcriber.lag_s if self._transcriber is not None else 0.0

    def close(self) -> None:
        """Let go of the model before anyone hears the session ended (a CTranslate2 model torn
        down by interpreter exit on a half-finished thread aborts the process)."""
        self._transcriber = None


class TranscriptFeed(_Pumped):
    """Already-transcribed speech (a transcript file, a benchmark) as a source.

    ``speed`` paces utterances against the wall clock (2.0: twice as fast as spoken; None: as
    fast as possible). Each utterance keeps its speaker.
    """

    realtime = False
    recorder: Recorder | None = None
    fed_s = None

    def __init__(self, utterances: Iterable[Utterance], speed: float | None = None) -> None:
        self.utterances = utterances
        self.speed = speed
        self.source_factory = None
        self._thread: threading.Thread | None = None
        self._paused_s = 0.0
        self._pause_started: float | None = None

    def start(self, inbox: Inbox, gate: Gate, on_end: Callable[[PumpEnd], None]) -> None:
        self._thread = threading.Thread(target=self._pump, args=(inbox, gate, on_end),
                                        name="runner-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """The gate stops the pump; nothing to close."""

    def pause(self) -> None:
        self._pause_started = time.monotonic()

    def resume(self) -> None:
        if self._pause_started is not None:
            self._paused_s += time.monotonic() - self._pause_started
            self._pause_started = None

    def _pump(self, inbox: Inbox, gate: Gate, on_end: Callable[[PumpEnd], None]) -> None:
        started = time.monotonic()
        try:
            for utterance in self.utterances:
                if gate.stopped.is_set():
                    on_end(PumpEnd("stopped"))
                    return
                gate.resumed.wait()
                if self.speed and not self._wait_until_due(utterance, started, gate):
                    on_end(PumpEnd("stopped"))
                    return
                inbox.put(utterance)
        except Exception as exc:
            on_end(PumpEnd("error", exc))
            return
        on_end(PumpEnd("end_of_input"))

    def _wait_until_due(self, utterance: Utterance, started: float, gate: Gate) -> bool:
        assert self.speed
        while not gate.stopped.is_set():
            gate.resumed.wait()
            due = utterance.end_s / self.speed - (time.monotonic() - started - self._paused_s)
            if due <= 0:
                return True
            gate.stopped.wait(min(due, 0.1))
        return False

    def open(self) -> None:
        """Nothing to load."""

    def decode(self, item: AudioFrame | Utterance) -> list[Heard]:
        assert isinstance(item, Utterance)
        return [(event_from(item), item.speaker)]

    def finish(self) -> list[Heard]:
        return []

    lag_s = None

    def close(self) -> None:
        """Nothing to let go of."""


Line = AudioLine | TranscriptFeed
