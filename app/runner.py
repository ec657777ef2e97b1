"""The session runner: one mock interview from the first word to the saved session.

It composes the three libraries and the store — audio source → recorder + streaming transcriber
→ tracker → store — on worker threads joined by bounded queues, and reports what happens to a
listener (``app.runner_events``). The desktop app and the CLI both use it.

For the ``replay`` command (framework helper) — two headless entry points:

* a transcript, no audio::

      session = replay_transcript(store, utterances, framework, prompt=prompt, title="...")
      # utterances: Iterable[framework.types.Utterance]; returns the finished store Session

* an audio file through the real model, as fast as the CPU allows::

      session = replay_audio(store, Path("mock.flac"), framework, model_spec=None, prompt=prompt)

Both block until the session is saved and finalised; pass ``listener=`` to see events live and
``SessionRunner(...).report`` (or ``store.get_session(id).report``) for the tracker's report.

Threads: *pump* (source → recorder, level, frame queue), *transcribe* (transcriber + tracker;
it is the only thread touching the transcriber; the tracker is shared under a lock with
``override_phase``/``attach_capture``), *writer* (store, batched commits every
``commit_interval_s``). ``stop()`` waits for all three.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.runner_events import (
    CaptureSaved,
    LagUpdate,
    LevelUpdate,
    RunnerError,
    RunnerEvent,
    RunnerStatus,
    SessionStarted,
    SessionStopped,
    StatusChanged,
    StopReason,
    TrackerUpdate,
    TranscriptLine,
)
from app.store import (
    Capture,
    CoverageEvent,
    DiskFull,
    Nudge,
    PhaseChange,
    RequirementRow,
    Segment,
    Session,
    SessionStore,
    is_disk_full,
)
from app.store.locks import hold_recording_lock, release_recording_lock

if TYPE_CHECKING:
    from framework.definition import Framework
    from framework.events import TrackerEvent, TrackerState
    from framework.types import PromptItem, Utterance

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
AUDIO_FILENAME = "audio.wav"
CAPTURES_DIRNAME = "captures"

Listener = Callable[[RunnerEvent], None]


class Transcriber(Protocol):
    """What the runner needs from ``audio.streaming.StreamingTranscriber``."""

    def insert(self, frame: Any) -> list[Any]: ...

    def finish(self) -> list[Any]: ...

    @property
    def lag_s(self) -> float: ...


class RunnerStateError(RuntimeError):
    """A method was called in a state where it makes no sense (e.g. ``start`` twice)."""


@dataclass(frozen=True)
class _Progress:
    duration_s: float
    coverage_pct: float | None


@dataclass(frozen=True)
class _PhaseRow:
    change: PhaseChange
    budget_s: float | None


class _End:
    """Sentinel closing a queue."""


_END = _End()


def prompt_items(prompt: Any) -> list[PromptItem]:
    """``capture.prompt.Prompt`` → the tracker's ``PromptItem``s (the libraries never meet)."""
    from framework.types import PromptItem

    if prompt is None:
        return []
    return [PromptItem(id=r.id, text=r.text, kind=r.kind) for r in prompt.requirements]


def utterance_from(event: Any) -> Utterance:
    """``audio.events.TranscriptEvent`` → ``framework.types.Utterance``."""
    from framework.types import Utterance

    return Utterance(
        text=event.text,
        start_s=float(event.start_s),
        end_s=float(event.end_s),
        final=bool(event.final),
    )


def _requirement_rows(prompt: Any) -> tuple[RequirementRow, ...]:
    if prompt is None:
        return ()
    return tuple(
        RequirementRow(
            id=r.id,
            text=r.text,
            kind=r.kind,
            value=getattr(r, "value", None),
            unit=getattr(r, "unit", None),
        )
        for r in prompt.requirements
    )


def _dbfs(samples: Any) -> float:
    import numpy as np

    if len(samples) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * math.log10(rms) if rms > 1e-6 else -120.0


def _evidence_text(evidence: Any) -> str:
    if isinstance(evidence, str):
        return evidence
    return " · ".join(str(e) for e in evidence or ())


def _is_device_lost(exc: BaseException) -> bool:
    try:
        from audio.sources import DeviceLost
    except ImportError:  # pragma: no cover - audio always present in a build
        return type(exc).__name__ == "DeviceLost"
    return isinstance(exc, DeviceLost)


class SessionRunner:
    """One session, live or replayed. Create, ``start()``, then ``stop()`` (or ``wait()``).

    Exactly one input: ``source`` (an ``audio.sources.AudioSource``; needs ``transcriber`` or
    ``transcriber_factory`` — the factory runs on the worker so loading a model never blocks the
    caller) or ``utterances`` (already-transcribed speech; ``transcript_speed`` paces them
    against the wall clock, None = as fast as possible).
    """

    def __init__(
        self,
        store: SessionStore,
        framework: Framework,
        *,
        listener: Listener | None = None,
        source: Any | None = None,
        transcriber: Transcriber | None = None,
        transcriber_factory: Callable[[], Transcriber] | None = None,
        utterances: Iterable[Utterance] | None = None,
        transcript_speed: float | None = None,
        source_factory: Callable[[Any], Any] | None = None,
        prompt: Any | None = None,
        prompt_image: Any | None = None,
        round_s: float | None = None,
        title: str | None = None,
        settings: Mapping[str, Any] | None = None,
        record_audio: bool = True,
        commit_interval_s: float = 0.25,
        max_backlog_s: float = 300.0,
    ) -> None:
        if (source is None) == (utterances is None):
            raise ValueError("give exactly one of source= or utterances=")
        if source is not None and transcriber is None and transcriber_factory is None:
            raise ValueError("an audio source needs transcriber= or transcriber_factory=")
        self.store = store
        self.framework = framework
        self.round_s = float(round_s or framework.round_s or 2700.0)
        self._listener = listener
        self._source = source
        self._source_factory = source_factory
        self._transcriber = transcriber
        self._transcriber_factory = transcriber_factory
        self._utterances = utterances
        self._transcript_speed = transcript_speed
        self._prompt = prompt
        self._prompt_image = prompt_image
        self._title = title
        self._settings = dict(settings or {})
        self._record_audio = record_audio and source is not None
        self._commit_interval_s = commit_interval_s
        self._max_backlog_s = max_backlog_s

        self._lock = threading.RLock()
        self._status: RunnerStatus = "idle"
        self._session: Session | None = None
        self._tracker: Any = None
        self._recorder: Any = None
        self._lock_fd: int | None = None
        self._frames: queue.Queue[Any] = queue.Queue(maxsize=4096)
        self._writes: queue.Queue[Any] = queue.Queue(maxsize=20_000)
        self._stop_requested = threading.Event()
        self._resumed = threading.Event()
        self._resumed.set()
        self._done = threading.Event()
        self._input_ended = False
        self._resync_needed = False  # tell the transcriber the wall clock jumped (pause, switch)
        self._pump: threading.Thread | None = None
        self._pump_generation = 0  # bumped by switch_device so a replaced pump exits quietly
        self._worker: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self._fed_samples = 0  # audio handed to recorder + transcriber: the session clock
        self._consumed_s = 0.0  # audio (or transcript) the tracker has seen
        self._backlog_s = 0.0
        self._dropped_audio_s = 0.0
        self._last_level_wall = 0.0
        self._stop_reason: StopReason = "stopped"
        self._write_failed = False
        self._pause_started: float | None = None
        self._paused_wall_s = 0.0
        self._last_phase: str | None = None
        # What the tracker was fed, in order, so it can be rebuilt with new requirements.
        self._tracker_inputs: list[tuple[str, Any, float]] = []
        self._covered: set[tuple[str, str]] = set()
        self.report: dict[str, Any] | None = None

    # -- public API -----------------------------------------------------------------------------

    @property
    def session_id(self) -> int | None:
        return self._session.id if self._session else None

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def status(self) -> RunnerStatus:
        return self._status

    def now_s(self) -> float:
        """The session clock: seconds of audio (or transcript) taken in so far."""
        if self._source is not None:
            return self._fed_samples / SAMPLE_RATE
        return self._consumed_s

    def state(self) -> TrackerState | None:
        with self._lock:
            return self._tracker.state(self._consumed_s) if self._tracker else None

    def start(self) -> Session:
        """Create the session row and folder, then start the workers. Returns at once."""
        from framework.tracker import Tracker

        with self._lock:
            if self._status != "idle":
                raise RunnerStateError("this runner was already started; create a new one")
            self._set_status("starting")
            title = self._title or getattr(self._prompt, "title", "") or "Mock interview"
            self._session = self.store.create_session(
                title=title,
                framework=getattr(self.framework, "id", str(self.framework)),
                round_s=self.round_s,
                settings=self._settings,
            )
            sid = self._session.id
            audio_file: Path | None = None
            try:
                folder = self.store.session_dir(sid)
                self._lock_fd = hold_recording_lock(folder)
                self._tracker = Tracker(
                    self.framework, requirements=prompt_items(self._prompt), round_s=self.round_s
                )
                if self._record_audio:
                    from audio.recorder import Recorder

                    audio_file = folder / AUDIO_FILENAME
                    self._recorder = Recorder(audio_file)
                    self.store.set_audio_path(sid, AUDIO_FILENAME)
                    self._session = self.store.get_session(sid)
            except BaseException:
                # Nothing was recorded yet: leave no empty session behind to "recover".
                release_recording_lock(self._lock_fd)
                self._lock_fd = None
                with contextlib.suppress(Exception):
                    self.store.delete_session(sid)
                self._session = None
                self._set_status("stopped")
                raise
        self._emit(
            SessionStarted(
                session_id=sid,
                started_at=self._session.started_at,
                title=title,
                framework_id=self._session.framework,
                round_s=self.round_s,
                audio_path=audio_file,
            )
        )
        if self._prompt is not None or self._prompt_image is not None:
            self._save_capture(
                self._prompt_image,
                getattr(self._prompt, "raw_text", ""),
                self._prompt,
                at_s=0.0,
                update_tracker=False,
            )
        # The tracker's opening phase (its first call reports it), so the timeline starts at 0.
        with self._lock:
            opening = list(self._tracker.advance(0.0))
            initial = self._tracker.state(0.0)
            self._record_tracker_events(opening, initial)
        self._writer = threading.Thread(target=self._writer_loop, name="runner-writer", daemon=True)
        self._worker = threading.Thread(
            target=self._transcribe_loop, name="runner-transcribe", daemon=True
        )
        self._writer.start()
        self._worker.start()
        self._start_pump(self._source)
        self._set_status("running")
        self._emit(TrackerUpdate(events=(), state=initial))
        return self._session

    def pause(self) -> None:
        """Stop taking audio in (a microphone's audio while paused is discarded, not recorded)."""
        with self._lock:
            if self._status != "running":
                return
            self._resumed.clear()
            self._pause_started = time.monotonic()
            self._set_status("paused")

    def resume(self) -> None:
        with self._lock:
            if self._status != "paused":
                return
            if self._pause_started is not None:
                self._paused_wall_s += time.monotonic() - self._pause_started
                self._pause_started = None
            self._resync_needed = True
            self._resumed.set()
            self._set_status("running")

    def stop(self, timeout_s: float | None = None) -> Session | None:
        """End the session: stop the input, drain transcription, save, finalise. Waits."""
        with self._lock:
            if self._status == "idle":
                return None
            if self._status not in ("stopping", "stopped"):
                self._set_status("stopping")
            self._stop_requested.set()
            self._resumed.set()
        source = self._source
        if source is not None:
            with contextlib.suppress(Exception):
                source.stop()
        pump = self._pump
        if pump is not None and pump is not threading.current_thread():
            pump.join(timeout_s)
        self._end_input()  # idempotent; needed when no pump is left (device lost)
        self._done.wait(timeout_s)
        return self._session

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the session has ended by itself (end of file/transcript) or was stopped."""
        return self._done.wait(timeout_s)

    def override_phase(self, phase_id: str) -> None:
        """The user says which phase they are in (clicked the phase bar)."""
        with self._lock:
            if self._tracker is None:
                raise RunnerStateError("start the session first")
            at_s = self.now_s()
            event = self._tracker.override(phase_id, at_s)
            self._tracker_inputs.append(("override", phase_id, at_s))
            state = self._tracker.state(max(at_s, self._consumed_s))
            self._record_tracker_events([event], state)
        self._emit(TrackerUpdate(events=(event,), state=state))

    def attach_capture(
        self, image: Any | None, ocr_text: str, prompt: Any | None = None
    ) -> Capture:
        """Keep a captured prompt (PIL image or image path; None for typed text) with its OCR
        text and parsed requirements; the tracker starts watching the new requirements."""
        if self._session is None:
            raise RunnerStateError("start the session first (or pass prompt= to the runner)")
        return self._save_capture(image, ocr_text, prompt, at_s=self.now_s(), update_tracker=True)

    def switch_device(self, device: Any) -> None:
        """After a lost device (or at any time while live): continue on another input."""
        if self._source_factory is None:
            raise RunnerStateError("this runner has no source_factory to open another device")
        new_source = self._source_factory(device)
        with self._lock:
            if self._status in ("stopping", "stopped", "idle"):
                with contextlib.suppress(Exception):
                    new_source.stop()
                raise RunnerStateError("the session is not running")
            old, old_pump = self._source, self._pump
            self._source = new_source
            self._pump_generation += 1
        if old_pump is not None and old_pump.is_alive():
            with contextlib.suppress(Exception):
                if old is not None:
                    old.stop()
            old_pump.join()
        self._resync_needed = True  # the wall clock jumped while no audio came
        self._start_pump(new_source)
        with self._lock:
            if self._status == "device_lost":
                self._set_status("running")

    # -- internals: events ----------------------------------------------------------------------

    def _emit(self, event: RunnerEvent) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception:
            log.exception("runner listener failed on %s", type(event).__name__)

    def _set_status(self, status: RunnerStatus) -> None:
        self._status = status
        self._emit(StatusChanged(status=status, at_s=self.now_s()))

    def _error(self, kind: Any, message: str, fatal: bool) -> None:
        log.error("session %s: %s: %s", self.session_id, kind, message)
        self._emit(RunnerError(error=kind, message=message, fatal=fatal, at_s=self.now_s()))

    # -- internals: input -----------------------------------------------------------------------

    def _start_pump(self, source: Any) -> None:
        target = self._pump_audio if self._utterances is None else self._pump_transcript
        self._pump = threading.Thread(
            target=target, args=(source, self._pump_generation), name="runner-pump", daemon=True
        )
        self._pump.start()

    def _pump_audio(self, source: Any, generation: int) -> None:
        realtime = bool(getattr(source, "realtime", True))
        error: BaseException | None = None
        disk_full = False
        try:
            for frame in source.frames():
                if self._stop_requested.is_set():
                    break
                if not self._resumed.is_set():
                    if realtime:
                        continue  # a live input keeps coming; paused audio is discarded
                    self._resumed.wait()
                    if self._stop_requested.is_set():
                        break
                n = len(frame.samples)
                rebased = dataclasses.replace(frame, start_s=self._fed_samples / SAMPLE_RATE)
                if self._recorder is not None:
                    try:
                        self._recorder.write(rebased)
                    except Exception as exc:
                        if is_disk_full(exc) or is_disk_full(exc.__cause__ or exc):
                            disk_full = True
                            break
                        raise
                self._fed_samples += n
                self._level(rebased)
                self._queue_frame(rebased, n / SAMPLE_RATE, block=not realtime)
        except Exception as exc:
            error = exc
        if error is None:
            error = getattr(source, "error", None)
        if generation != self._pump_generation:
            return  # replaced by switch_device(); the new pump carries on
        if disk_full:
            self._error("disk_full", str(DiskFull(self.store.path)), fatal=True)
            self._stop_reason = "error"
            self._request_stop_from_worker()
        elif error is not None and not self._stop_requested.is_set():
            if _is_device_lost(error) or self._source_factory is not None:
                with self._lock:
                    self._set_status("device_lost")
                if _is_device_lost(error):
                    message = (f"The microphone stopped working ({error}). Everything up to now "
                               "is saved; choose another device to go on, or stop the session.")
                else:  # e.g. NoMicrophone on opening: its message says what to do
                    message = (f"{error} Everything up to now is saved; choose another device "
                               "to go on, or stop the session.")
                self._error("device_lost", message, fatal=False)
                return  # wait for switch_device() or stop()
            self._error("source", f"Audio input failed: {error}", fatal=True)
            self._stop_reason = "error"
        elif not self._stop_requested.is_set():
            self._stop_reason = "end_of_input"
        self._end_input()

    def _pump_transcript(self, _source: Any, _generation: int) -> None:
        assert self._utterances is not None
        started = time.monotonic()
        try:
            for utterance in self._utterances:
                if self._stop_requested.is_set():
                    break
                self._resumed.wait()
                if self._transcript_speed:
                    while not self._stop_requested.is_set():
                        self._resumed.wait()
                        elapsed = time.monotonic() - started - self._paused_wall_s
                        due = utterance.end_s / self._transcript_speed - elapsed
                        if due <= 0:
                            break
                        self._stop_requested.wait(min(due, 0.1))
                    if self._stop_requested.is_set():
                        break
                self._frames.put(utterance)
            else:
                self._stop_reason = "end_of_input"
        except Exception as exc:
            self._error("source", f"Reading the transcript failed: {exc}", fatal=True)
            self._stop_reason = "error"
        self._end_input()

    def _end_input(self) -> None:
        with self._lock:
            if self._input_ended:
                return
            self._input_ended = True
        self._frames.put(_END)

    def _queue_frame(self, frame: Any, seconds: float, block: bool) -> None:
        if self._backlog_s + seconds > self._max_backlog_s and not block:
            self._dropped_audio_s += seconds  # recorded, but transcription cannot keep up
            return
        try:
            self._frames.put(frame, block=block, timeout=None)
        except queue.Full:
            self._dropped_audio_s += seconds
            return
        with self._lock:
            self._backlog_s += seconds

    def _level(self, frame: Any) -> None:
        now = time.monotonic()
        if now - self._last_level_wall < 0.05:
            return
        self._last_level_wall = now
        self._emit(LevelUpdate(dbfs=_dbfs(frame.samples), at_s=self.now_s()))

    def _request_stop_from_worker(self) -> None:
        with self._lock:
            if self._status not in ("stopping", "stopped"):
                self._set_status("stopping")
            self._stop_requested.set()
            self._resumed.set()
        with contextlib.suppress(Exception):
            if self._source is not None:
                self._source.stop()
        if (
            self._pump is None
            or not self._pump.is_alive()
            or (self._pump is threading.current_thread())
        ):
            self._end_input()

    # -- internals: transcription + tracking ----------------------------------------------------

    def _transcribe_loop(self) -> None:
        transcriber = self._transcriber
        if transcriber is None and self._transcriber_factory is not None:
            try:
                transcriber = self._transcriber_factory()
            except Exception as exc:
                self._error("model", str(exc), fatal=True)
                self._stop_reason = "error"
                self._request_stop_from_worker()
                transcriber = None
        last_tick = time.monotonic()
        try:
            while True:
                try:
                    item = self._frames.get(timeout=0.25)
                except queue.Empty:
                    item = None
                if isinstance(item, _End):
                    if transcriber is not None and self._source is not None:
                        self._handle_transcript(transcriber.finish())
                    break
                if item is None:
                    pass
                elif self._utterances is not None:
                    self._handle_transcript([item])
                elif transcriber is not None:
                    seconds = len(item.samples) / SAMPLE_RATE
                    if self._resync_needed:
                        self._resync_needed = False
                        resync = getattr(transcriber, "resync", None)
                        if resync is not None:
                            resync()
                    events = transcriber.insert(item)
                    with self._lock:
                        self._backlog_s = max(0.0, self._backlog_s - seconds)
                    self._consumed_s = item.start_s + seconds
                    self._handle_transcript(events)
                if time.monotonic() - last_tick >= 1.0:
                    last_tick = time.monotonic()
                    self._tick(transcriber)
        except Exception as exc:
            log.exception("transcription failed")
            self._error("transcriber", f"Transcription failed: {exc}", fatal=True)
            self._stop_reason = "error"
            self._request_stop_from_worker()
            while not isinstance(self._frames.get(), _End):
                pass  # drain so the pump can finish
        finally:
            self._finish_tracking()
            self._writes.put(_END)

    def _tick(self, transcriber: Any) -> None:
        with self._lock:
            events = list(self._tracker.advance(self._consumed_s))
            state = self._tracker.state(self._consumed_s)
            self._record_tracker_events(events, state)
        self._emit(TrackerUpdate(events=tuple(events), state=state))
        if self._source is not None:
            lag = float(getattr(transcriber, "lag_s", 0.0) or 0.0) if transcriber else 0.0
            self._emit(
                LagUpdate(
                    lag_s=max(lag, self._backlog_s),
                    backlog_s=self._backlog_s,
                    dropped_audio_s=self._dropped_audio_s,
                )
            )
        self._writes.put(_Progress(self.now_s(), _coverage_pct(state)))

    def _handle_transcript(self, events: Sequence[Any]) -> None:
        for ev in events:
            text = str(ev.text).strip()
            final = bool(getattr(ev, "final", True))
            emitted = float(getattr(ev, "emitted_s", ev.end_s))
            if self._utterances is not None:
                self._consumed_s = max(self._consumed_s, float(ev.end_s))
            if not final:
                self._emit(
                    TranscriptLine(
                        text=text,
                        start_s=ev.start_s,
                        end_s=ev.end_s,
                        final=False,
                        emitted_s=emitted,
                        phase=self._last_phase,
                    )
                )
                continue
            if not text:
                continue
            utterance = utterance_from(ev)
            with self._lock:
                self._tracker_inputs.append(("feed", utterance, 0.0))
                tracker_events = list(self._tracker.feed(utterance))
                tracker_events += list(self._tracker.advance(max(self._consumed_s, ev.end_s)))
                state = self._tracker.state(max(self._consumed_s, float(ev.end_s)))
                self._record_tracker_events(tracker_events, state)
            phase = self._phase_at(float(ev.start_s), tracker_events, state)
            self._writes.put(
                Segment(start_s=float(ev.start_s), end_s=float(ev.end_s), text=text, phase=phase)
            )
            self._emit(
                TranscriptLine(
                    text=text,
                    start_s=ev.start_s,
                    end_s=ev.end_s,
                    final=True,
                    emitted_s=emitted,
                    phase=phase,
                )
            )
            self._emit(TrackerUpdate(events=tuple(tracker_events), state=state))

    @staticmethod
    def _phase_at(start_s: float, events: Sequence[Any], state: Any) -> str:
        phase = str(state.phase)
        for ev in events:
            if getattr(ev, "event", "") == "phase_changed" and ev.at_s > start_s + 1e-6:
                phase = ev.previous or phase
        return phase

    def _record_tracker_events(self, events: Iterable[TrackerEvent], state: Any) -> None:
        """Queue tracker events for the writer (called under ``self._lock``)."""
        from framework.events import Addressed, PhaseChanged
        from framework.events import Nudge as TrackerNudge

        for ev in events:
            if isinstance(ev, PhaseChanged):
                previous = ev.previous if ev.previous is not None else self._last_phase
                self._last_phase = ev.phase
                self._writes.put(
                    _PhaseRow(
                        PhaseChange(
                            at_s=ev.at_s,
                            phase=ev.phase,
                            previous_phase=previous,
                            evidence=_evidence_text(ev.evidence),
                            manual=bool(ev.manual),
                        ),
                        _budget(state, ev.phase),
                    )
                )
            elif isinstance(ev, Addressed):
                if (ev.kind, ev.item_id) in self._covered:
                    continue
                self._covered.add((ev.kind, ev.item_id))
                self._writes.put(
                    CoverageEvent(
                        at_s=ev.at_s,
                        item_id=ev.item_id,
                        kind=ev.kind,
                        label=ev.label,
                        evidence=_evidence_text(ev.evidence),
                    )
                )
            elif isinstance(ev, TrackerNudge):
                self._writes.put(Nudge(at_s=ev.at_s, kind=ev.kind, text=ev.text))

    def _finish_tracking(self) -> None:
        end_s = self.now_s()
        with self._lock:
            if self._tracker is None:
                return
            try:
                events = list(self._tracker.advance(end_s))
                state = self._tracker.state(end_s)
                self._record_tracker_events(events, state)
                self.report = self._tracker.report(end_s)
            except Exception:
                log.exception("tracker could not finish")
                return
        self._writes.put(_Progress(end_s, _coverage_pct(state)))

    def _save_capture(
        self,
        image: Any | None,
        ocr_text: str,
        prompt: Any | None,
        *,
        at_s: float,
        update_tracker: bool,
    ) -> Capture:
        assert self._session is not None
        sid = self._session.id
        relative: str | None = None
        if image is not None:
            folder = self.store.session_dir(sid) / CAPTURES_DIRNAME
            folder.mkdir(exist_ok=True)
            n = len(list(folder.iterdir())) + 1
            relative = f"{CAPTURES_DIRNAME}/capture-{n:03d}.png"
            target = self.store.file_path(sid, relative)
            if isinstance(image, (str, Path)):
                import shutil

                suffix = Path(image).suffix.lower() or ".png"
                relative = relative[: -len(".png")] + suffix
                target = self.store.file_path(sid, relative)
                shutil.copyfile(image, target)
            else:
                image.save(target, format="PNG", compress_level=1)
        capture = self.store.add_capture(
            sid,
            Capture(
                at_s=at_s,
                image_path=relative,
                ocr_text=ocr_text or "",
                prompt_title=getattr(prompt, "title", "") or "",
                requirements=_requirement_rows(prompt),
            ),
        )
        image_file = self.store.file_path(sid, relative) if relative else None
        self._emit(CaptureSaved(capture=capture, image_file=image_file))
        if update_tracker and prompt is not None:
            events = self._rebuild_tracker(prompt_items(prompt))
            with self._lock:
                state = self._tracker.state(max(at_s, self._consumed_s))
            self._emit(TrackerUpdate(events=tuple(events), state=state))
        return capture

    def _rebuild_tracker(self, requirements: list[PromptItem]) -> list[TrackerEvent]:
        """A new tracker that also watches ``requirements``, brought to the present by replaying
        what the old one was fed (the tracker is pure, so the past comes out the same). Returns
        only what is new: requirements the replay finds addressed, and nudges due now.

        The long replay runs outside ``self._lock`` (a fraction of a millisecond per utterance
        so far), so live transcription and the phase bar never wait for it; only what arrived
        meanwhile is replayed under the lock before the new tracker takes over."""
        from framework.events import Addressed
        from framework.tracker import Tracker

        tracker = Tracker(self.framework, requirements=requirements, round_s=self.round_s)
        new: list[TrackerEvent] = []

        def replay(inputs: list[tuple[str, Any, float]]) -> None:
            for kind, value, at_s in inputs:
                if kind == "override":
                    events: list[TrackerEvent] = [tracker.override(value, at_s)]
                else:
                    events = list(tracker.feed(value))
                new.extend(e for e in events
                           if isinstance(e, Addressed) and e.kind == "requirement")

        with self._lock:
            done = len(self._tracker_inputs)
            snapshot = list(self._tracker_inputs)
        replay(snapshot)
        with self._lock:
            replay(self._tracker_inputs[done:])
            new.extend(e for e in tracker.advance(self._consumed_s)
                       if not (isinstance(e, Addressed) and e.kind != "requirement"))
            self._tracker = tracker
            state = tracker.state(self._consumed_s)
            self._record_tracker_events(new, state)
        return new

    # -- internals: storage ---------------------------------------------------------------------

    def _writer_loop(self) -> None:
        assert self._session is not None
        sid = self._session.id
        pending: list[Any] = []
        oldest: float | None = None
        finished = False
        while not finished:
            timeout = self._commit_interval_s
            if oldest is not None:
                timeout = max(0.0, oldest + self._commit_interval_s - time.monotonic())
            try:
                item = self._writes.get(timeout=timeout)
            except queue.Empty:
                item = None
            if isinstance(item, _End):
                finished = True
            elif item is not None:
                pending.append(item)
                if oldest is None:
                    oldest = time.monotonic()
            due = oldest is not None and time.monotonic() - oldest >= self._commit_interval_s
            if pending and (due or finished):
                self._flush(sid, pending)
                pending, oldest = [], None
        self._finalise()

    def _flush(self, sid: int, items: list[Any]) -> None:
        if self._write_failed:
            return
        segments = [i for i in items if isinstance(i, Segment)]
        phases = [(i.change, i.budget_s) for i in items if isinstance(i, _PhaseRow)]
        coverage = [i for i in items if isinstance(i, CoverageEvent)]
        nudges = [i for i in items if isinstance(i, Nudge)]
        progress = [i for i in items if isinstance(i, _Progress)]
        last = progress[-1] if progress else None
        try:
            self.store.write_batch(
                sid,
                segments=segments,
                phase_changes=phases,
                coverage=coverage,
                nudges=nudges,
                duration_s=last.duration_s if last else self.now_s(),
                coverage_pct=last.coverage_pct if last else None,
            )
        except DiskFull as exc:
            self._write_failed = True
            self._error("disk_full", str(exc), fatal=True)
            self._stop_reason = "error"
            self._request_stop_from_worker()
        except Exception as exc:
            self._write_failed = True
            log.exception("saving session %s failed", sid)
            self._error(
                "store",
                f"Saving the session failed: {exc}. Recording stopped; what "
                "was saved before stays saved.",
                fatal=True,
            )
            self._stop_reason = "error"
            self._request_stop_from_worker()

    def _finalise(self) -> None:
        """Last step, on the writer thread: close the audio, mark the session finished."""
        assert self._session is not None
        if self._pump is not None and self._pump is not threading.current_thread():
            self._pump.join()
        if self._worker is not None and self._worker is not threading.current_thread():
            # Its last act was to close our queue; joining also means the model it loaded is
            # released before anyone is told the session ended (a CTranslate2 model torn down
            # by interpreter exit on a half-finished thread aborts the process).
            self._worker.join()
        if self._recorder is not None:
            try:
                self._recorder.close()
            except OSError as exc:
                log.error("closing the recording failed: %s", exc)
        duration = self.now_s()
        state = None
        with self._lock:
            if self._tracker is not None:
                with contextlib.suppress(Exception):
                    state = self._tracker.state(duration)
        if not self._write_failed:
            try:
                self._session = self.store.finish_session(
                    self._session.id,
                    duration_s=duration,
                    report=self.report,
                    coverage_pct=_coverage_pct(state) if state is not None else None,
                )
            except Exception as exc:
                log.exception("finalising session failed")
                self._error(
                    "disk_full" if isinstance(exc, DiskFull) else "store", str(exc), fatal=True
                )
        release_recording_lock(self._lock_fd)
        self._lock_fd = None
        with self._lock:
            self._set_status("stopped")
        self._emit(
            SessionStopped(
                session_id=self._session.id,
                duration_s=duration,
                reason=self._stop_reason,
                report=self.report,
            )
        )
        self._done.set()


def _budget(state: Any, phase: str) -> float | None:
    for timing in getattr(state, "phases", ()):
        if timing.phase == phase:
            return float(timing.budget_s)
    return None


def _coverage_pct(state: Any) -> float | None:
    items = getattr(state, "items", None)
    if not items:
        return None
    addressed = sum(1 for i in items if i.addressed)
    return round(100.0 * addressed / len(items), 1)


# -- headless helpers (CLI replay, tests, benchmarks) ----------------------------------------------


def replay_transcript(
    store: SessionStore,
    utterances: Iterable[Utterance],
    framework: Framework,
    *,
    prompt: Any | None = None,
    title: str | None = None,
    round_s: float | None = None,
    listener: Listener | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Session:
    """Save an already-transcribed mock as a session (as fast as possible). Blocks."""
    runner = SessionRunner(
        store,
        framework,
        utterances=utterances,
        prompt=prompt,
        title=title,
        round_s=round_s,
        listener=listener,
        settings=settings,
    )
    runner.start()
    runner.wait()
    return store.get_session(runner.session_id or 0)


def model_transcriber_factory(
    model_spec: str | None = None, *, glossary: str | None = None, threads: int | None = None
) -> Callable[[], Transcriber]:
    """A factory that resolves and loads the Whisper model on the runner's worker thread."""

    def make() -> Transcriber:
        from audio.model import load_model, resolve_model
        from audio.streaming import StreamingTranscriber

        model = load_model(resolve_model(model_spec), threads=threads)
        transcriber: Transcriber = StreamingTranscriber(model, glossary=glossary)
        return transcriber

    return make


def replay_audio(
    store: SessionStore,
    path: Path,
    framework: Framework,
    *,
    model_spec: str | None = None,
    transcriber: Transcriber | None = None,
    realtime: bool = False,
    prompt: Any | None = None,
    title: str | None = None,
    round_s: float | None = None,
    listener: Listener | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Session:
    """Run a recording through the live pipeline into a saved session. Blocks."""
    from audio.sources import FileSource

    runner = SessionRunner(
        store,
        framework,
        source=FileSource(path, realtime=realtime),
        transcriber=transcriber,
        transcriber_factory=None if transcriber else model_transcriber_factory(model_spec),
        prompt=prompt,
        title=title or Path(path).stem,
        round_s=round_s,
        listener=listener,
        settings=settings,
    )
    runner.start()
    runner.wait()
    return store.get_session(runner.session_id or 0)
