"""The session runner: the one pipeline every way of running a mock goes through.

    line (app.lines) ─inbox─> worker: decode ─> SessionStep (app.pipeline) ─rows─> SessionWriter
      pump thread               thread           tracker, thread-free    └─events─> listener

The live window, ``mockcoach transcribe``, ``mockcoach replay`` (saved or ``--no-save``), the mic
test and the self-test all build a ``SessionRunner``; they differ only in their line (microphone,
audio file, transcript file), whether there is a store to save into, and whether there is a
framework to track. The runner itself only owns threads and status: the pump belongs to the line,
the tracker to the step, the database to the writer.

Headless use (CLI, tests, benchmarks)::

    result = run_to_end(SessionRunner(store_or_None, framework, TranscriptFeed(utterances)))
    result.report      # the tracker's report (the ``replay --json`` object)
    result.session     # the saved session, None without a store

Threads: the line's *pump*, the *worker* (decoder + step; the only thread touching the
transcriber; the step is shared under one lock with ``override_phase``/``attach_capture``) and,
with a store, the writer's. ``stop()`` waits for all of them; the worker's last act finalises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.lines import (
    AudioLine,
    End,
    Gate,
    Inbox,
    Line,
    LiveSource,
    PumpEnd,
    Transcriber,
    TranscriptFeed,
)
from app.partner import PartnerLine, interviewer_recorder_for
from app.pipeline import Heard, SessionStep, StepOutput, coverage_pct, prompt_items
from app.runner_events import (
    CaptureSaved,
    DiagramSaved,
    ErrorKind,
    LagUpdate,
    LevelUpdate,
    RunnerError,
    RunnerEvent,
    RunnerStatus,
    SessionStarted,
    SessionStopped,
    StatusChanged,
    StopReason,
)
from app.store import Capture, DiskFull, Session, SessionStore
from app.writer import AUDIO_FILENAME, SessionWriter
from audio.events import AudioFrame, TranscriptEvent
from audio.recorder import Recorder
from framework.events import TrackerState
from framework.types import Utterance

if TYPE_CHECKING:
    from PIL.Image import Image

    from app.diagrams import DiagramResult
    from app.store import DiagramCapture
    from capture.prompt import Prompt
    from framework.definition import Framework

__all__ = [
    "AUDIO_FILENAME",
    "RunResult",
    "RunnerStateError",
    "SessionRunner",
    "model_transcriber_factory",
    "run_to_end",
]

log = logging.getLogger(__name__)

Listener = Callable[[RunnerEvent], None]
LAG_INTERVAL_S = 1.0


class RunnerStateError(RuntimeError):
    """A method was called in a state where it makes no sense (e.g. ``start`` twice)."""


def session_title(title: str | None, prompt: Prompt | None, fallback: str | None) -> str:
    """What a session is called: the caller's explicit title, else the prompt's title, else the
    caller's fallback (a replay's file name), else "Mock interview".

    A file name is only a fallback: a replay given ``--prompt`` is about that prompt, and the
    session list should say so rather than "Replay of mock.jsonl".
    """
    return title or (prompt.title if prompt is not None else "") or fallback or "Mock interview"


class SessionRunner:
    """One session, live or replayed. Create, ``start()``, then ``stop()`` (or ``wait()``).

    ``store=None``: nothing is saved (``replay --no-save``, ``transcribe``, the mic test);
    ``framework=None``: no tracker, a transcript only. The input is ``line`` (``AudioLine`` or
    ``TranscriptFeed``); the keywords ``source``/``transcriber``/``transcriber_factory``/
    ``source_factory`` (audio) or ``utterances``/``transcript_speed`` (a transcript) build one.
    """

    def __init__(
        self,
        store: SessionStore | None,
        framework: Framework | None,
        line: Line | PartnerLine | None = None,
        *,
        listener: Listener | None = None,
        source: LiveSource | None = None,
        transcriber: Transcriber | None = None,
        transcriber_factory: Callable[[], Transcriber] | None = None,
        source_factory: Callable[[str | None], LiveSource] | None = None,
        utterances: Iterable[Utterance] | None = None,
        transcript_speed: float | None = None,
        prompt: Prompt | None = None,
        prompt_image: Image | Path | None = None,
        round_s: float | None = None,
        title: str | None = None,
        fallback_title: str | None = None,
        settings: Mapping[str, Any] | None = None,
        record_audio: bool = True,
        record_to: Path | None = None,
        commit_interval_s: float = 0.25,
        max_backlog_s: float = 300.0,
    ) -> None:
        self.line: Line | PartnerLine = line or _line(
            source, transcriber, transcriber_factory, source_factory, utterances,
            transcript_speed)
        self.store = store
        self.framework = framework
        self.round_s = float(round_s or (framework.round_s if framework else 0) or 2700.0)
        self.decode_s = 0.0
        """CPU time the worker spent decoding (transcriber insert/finish), for ``transcribe``."""
        self._listener = listener
        self._prompt = prompt
        self._prompt_image = prompt_image
        self._title = session_title(title, prompt, fallback_title)
        self._settings = dict(settings or {})
        self._record = record_audio and isinstance(self.line, (AudioLine, PartnerLine))
        self._record_to = record_to
        self._commit_interval_s = commit_interval_s
        self._lock = threading.RLock()
        self._status: RunnerStatus = "idle"
        self._step: SessionStep | None = None
        self._writer: SessionWriter | None = None
        self._recorder: Recorder | None = None
        self._partner_recorder: Recorder | None = None
        self._inbox = Inbox(max_backlog_s)
        self._gate = Gate()
        self._worker: threading.Thread | None = None
        self._done = threading.Event()
        self._stop_reason: StopReason = "stopped"
        self.errors: list[RunnerError] = []
        """The fatal errors so far, in order (the listener heard them too)."""
        self.input_error: BaseException | None = None
        """Why the input failed or was lost, as raised (a mic test words it for the user)."""

    # -- public API -----------------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        return self._writer.session if self._writer is not None else None

    @property
    def session_id(self) -> int | None:
        return self.session.id if self.session is not None else None

    @property
    def status(self) -> RunnerStatus:
        return self._status

    @property
    def report(self) -> dict[str, Any] | None:
        """The tracker's report, once the session has ended."""
        return self._step.report if self._step is not None else None

    def now_s(self) -> float:
        """The session clock: seconds of audio taken in (or of transcript consumed) so far."""
        if isinstance(self.line, (AudioLine, PartnerLine)):
            return self.line.fed_s
        return self._step.now_s if self._step is not None else 0.0

    def state(self) -> TrackerState | None:
        with self._lock:
            return self._step.state() if self._step is not None else None

    def start(self) -> Session | None:
        """Create the session (with a store), then start the pump and the worker. Returns at
        once with the saved session, or None when nothing is saved."""
        with self._lock:
            if self._status != "idle":
                raise RunnerStateError("this runner was already started; create a new one")
            self._set_status("starting")
            try:  # the tracker first: if it cannot start, no empty session is left behind
                self._step = SessionStep(self.framework,
                                         requirements=prompt_items(self._prompt),
                                         round_s=self.round_s)
                self._open_outputs()
            except BaseException:
                self._set_status("stopped")
                raise
        self._announce()
        opening = self._apply(lambda step: step.start())
        self._worker = threading.Thread(target=self._work, name="runner-transcribe",
                                        daemon=True)
        self._worker.start()
        self.line.start(self._inbox, self._gate, self._pump_ended)
        self._set_status("running")
        self._emit_all(opening)
        return self.session

    def pause(self) -> None:
        """Stop taking input (a microphone's audio while paused is discarded, not recorded)."""
        with self._lock:
            if self._status != "running":
                return
            self._gate.resumed.clear()
            if isinstance(self.line, TranscriptFeed):
                self.line.pause()
            self._set_status("paused")

    def resume(self) -> None:
        with self._lock:
            if self._status != "paused":
                return
            self.line.resume()
            self._gate.resumed.set()
            self._set_status("running")

    def stop(self, timeout_s: float | None = None) -> Session | None:
        """End the session: stop the input, drain transcription, save, finalise. Waits."""
        with self._lock:
            if self._status == "idle":
                return None
            if self._status not in ("stopping", "stopped"):
                self._set_status("stopping")
            self._gate.stopped.set()
            self._gate.resumed.set()
        self.line.stop()
        self.line.join(timeout_s)
        self._inbox.end()  # idempotent; needed when no pump is left (device lost)
        self._done.wait(timeout_s)
        return self.session

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the session has ended by itself (end of input) or was stopped."""
        return self._done.wait(timeout_s)

    def override_phase(self, phase_id: str) -> None:
        """The user says which phase they are in (clicked the phase bar)."""
        if self._step is None:
            raise RunnerStateError("start the session first")
        at_s = self.now_s()
        self._emit_all(self._apply(lambda step: step.override(phase_id, at_s)))

    def attach_capture(self, image: Image | Path | None, ocr_text: str,
                       prompt: Prompt | None = None) -> Capture:
        """Keep a captured prompt (PIL image or image path; None for typed text) with its OCR
        text and parsed requirements; the tracker starts watching the new requirements."""
        if self._writer is None or self._writer.session is None or self._step is None:
            raise RunnerStateError("start a saved session first (or pass prompt= to the runner)")
        capture, image_file = self._writer.save_capture(image, ocr_text, prompt, self.now_s())
        self._emit(CaptureSaved(capture=capture, image_file=image_file))
        if prompt is not None and self.framework is not None:
            step = self._step
            with self._lock:
                past = step.past()
            # The long replay runs outside the lock, so live transcription never waits for it.
            replay = step.replay_with(prompt_items(prompt), past)
            self._emit_all(self._apply(lambda s: s.adopt(replay)))
        return capture

    def attach_diagram(self, result: DiagramResult) -> DiagramCapture:
        """Keep a diagram capture that was read (``app.diagrams``): the image and its labels
        in the session, its components as tracker evidence at the capture's time. Blocking
        (a PNG write): call it off the GUI thread."""
        from app.diagrams import drawn_evidence, png_bytes
        from capture.diagram_vocabulary import default_vocabulary

        if self._writer is None or self._writer.session is None or self._step is None:
            raise RunnerStateError("start a saved session first")
        sid = self._writer.session_id
        diagram = self._writer.store.add_diagram(sid, result.at_s, png_bytes(result.image),
                                                 result.labels)
        self._emit(DiagramSaved(diagram, self._writer.store.file_path(sid,
                                                                      diagram.image_path)))
        evidence = drawn_evidence(result.labels, result.at_s, default_vocabulary())
        self._emit_all(self._apply(lambda s: s.drawn(evidence)))
        return diagram

    def switch_device(self, device: str | None) -> None:
        """After a lost device (or at any time while live): continue on another input."""
        if (not isinstance(self.line, (AudioLine, PartnerLine))
                or self.line.source_factory is None):
            raise RunnerStateError("this runner has no source_factory to open another device")
        with self._lock:
            if self._status in ("stopping", "stopped", "idle"):
                raise RunnerStateError("the session is not running")
        self.line.switch_device(device, self._inbox, self._gate, self._pump_ended)
        with self._lock:
            if self._status == "device_lost":
                self._set_status("running")

    # -- start ----------------------------------------------------------------------------------

    def _open_outputs(self) -> None:
        """The saved session (with its recorder), or just a recorder for ``--record``."""
        if self.store is not None:
            self._writer = SessionWriter(self.store, on_failure=self._write_failed,
                                         clock=self.now_s,
                                         commit_interval_s=self._commit_interval_s)
            self._recorder = self._writer.create(
                title=self._title, framework_id=self.framework.id if self.framework else "",
                round_s=self.round_s, settings=self._settings, record_audio=self._record)
        elif self._record_to is not None and self._record:
            self._recorder = Recorder(self._record_to, append=False)
        if isinstance(self.line, PartnerLine) and self._recorder is not None:
            # The session keeps both recordings: the partner's beside the microphone's.
            self._partner_recorder = interviewer_recorder_for(self._recorder.path)
            self.line.interviewer_recorder = self._partner_recorder
        if isinstance(self.line, (AudioLine, PartnerLine)):
            self.line.recorder = self._recorder
            self.line.on_level = lambda dbfs, at_s: self._emit(LevelUpdate(dbfs=dbfs, at_s=at_s))

    def _announce(self) -> None:
        """Tell the listener the session exists, and keep the prompt it starts with."""
        writer = self._writer
        if writer is None or writer.session is None:
            return
        session = writer.session
        self._emit(SessionStarted(
            session_id=session.id, started_at=session.started_at, title=session.title,
            framework_id=session.framework, round_s=self.round_s,
            audio_path=self._recorder.path if self._recorder is not None else None))
        if self._prompt is not None or self._prompt_image is not None:
            capture, image_file = writer.save_capture(
                self._prompt_image, self._prompt.raw_text if self._prompt else "", self._prompt,
                at_s=0.0)
            self._emit(CaptureSaved(capture=capture, image_file=image_file))
        writer.start()

    # -- the worker -----------------------------------------------------------------------------

    def _work(self) -> None:
        decoding = self._open_line()
        last_lag = time.monotonic()
        try:
            while True:
                item = self._inbox.get(timeout_s=0.25)
                if isinstance(item, End):
                    self._take(None if decoding else item)
                    break
                if item is not None and decoding:
                    self._take(item)
                if time.monotonic() - last_lag >= LAG_INTERVAL_S:
                    last_lag = time.monotonic()
                    self._report_lag()
        except Exception as exc:
            log.exception("transcription failed")
            self._fail("transcriber", f"Transcription failed: {exc}")
            self._inbox.drain()  # so the pump can finish
        finally:
            self._finish()

    def _open_line(self) -> bool:
        """Load the model (here, so the caller never waits for it). False: it failed."""
        try:
            self.line.open()
        except Exception as exc:
            self._fail("model", str(exc))
            return False
        return True

    def _take(self, item: AudioFrame | Utterance | End | None) -> None:
        """Decode one inbox item (None: the end, flush the transcriber; ``End``: the end with
        nothing to flush) and run the step on what was heard."""
        started = time.perf_counter()
        if isinstance(item, End):
            heard: list[Heard] = []
        elif item is None:
            heard = self.line.finish()
        else:
            heard = self.line.decode(item)
        self.decode_s += time.perf_counter() - started
        now_s = item.end_s if isinstance(item, (AudioFrame, Utterance)) else None
        heard_now = [h for h in heard if not h[0].revised]
        self._emit_all(self._apply(
            lambda s: s.take(heard_now, s.now_s if now_s is None else now_s)))
        for event, speaker in heard:
            if event.revised:
                self._revise(event, speaker)

    def _revise(self, event: TranscriptEvent, speaker: str) -> None:
        """A stretch decoded again replaces what was heard there. Rebuilding the tracker from
        its inputs is the long part (about 3 ms per utterance so far): it runs outside the lock,
        so a phase click on the GUI thread never waits for it."""
        with self._lock:
            assert self._step is not None
            step = self._step
            revision = step.revision(event, speaker)
            requirements = step.requirements
        replay = step.replay_with(requirements, revision.past()) if revision.replay else None
        self._emit_all(self._apply(lambda s: s.adopt_revision(revision, replay)))

    def _report_lag(self) -> None:
        lag = self.line.lag_s
        if lag is None:
            return
        backlog = self._inbox.backlog_s
        self._emit(LagUpdate(lag_s=max(lag, backlog), backlog_s=backlog,
                             dropped_audio_s=self._inbox.dropped_s))

    def _finish(self) -> None:
        """The worker's last act: report, flush, close the audio, finalise, tell the listener."""
        end_s = self.now_s()
        state: TrackerState | None = None
        try:
            self._apply(lambda s: s.finish(end_s))
            state = self.state()
        except Exception:
            log.exception("tracker could not finish")
        self.line.join()
        self.line.close()
        for recorder in (self._recorder, self._partner_recorder):
            if recorder is None:
                continue
            try:
                recorder.close()
            except OSError as exc:
                log.error("closing the recording failed: %s", exc)
        if self._writer is not None:
            self._writer.close()
            self._writer.finalise(end_s, self.report, coverage_pct(state))
        with self._lock:
            self._set_status("stopped")
        self._emit(SessionStopped(session_id=self.session_id, duration_s=end_s,
                                  reason=self._stop_reason, report=self.report))
        self._done.set()

    # -- the step -------------------------------------------------------------------------------

    def _apply(self, change: Callable[[SessionStep], StepOutput]) -> StepOutput:
        """Run one step under the lock; its rows go to the writer in the step's order."""
        with self._lock:
            assert self._step is not None
            out = change(self._step)
            if self._writer is not None:
                self._writer.put(out.rows)
        return out

    def _emit_all(self, out: StepOutput) -> None:
        for event in out.events:
            self._emit(event)

    # -- input ending, failures -----------------------------------------------------------------

    def _pump_ended(self, end: PumpEnd) -> None:
        """Called on the pump thread when its input ends, fails or is lost."""
        stopping = self._gate.stopped.is_set()
        if end.error is not None and not stopping:
            self.input_error = end.error
        if end.reason == "disk_full":
            self._fail("disk_full", str(DiskFull(self.store.path if self.store else None)))
        elif end.reason in ("device_lost", "error") and not stopping:
            if self._wait_for_device(end):
                return  # switch_device() or stop() goes on from here
            what = "Reading the transcript" if isinstance(self.line, TranscriptFeed) else (
                "Audio input")
            self._fail("source", f"{what} failed: {end.error}")
        elif end.reason == "end_of_input" and not stopping:
            self._stop_reason = "end_of_input"
        self._inbox.end()

    def _wait_for_device(self, end: PumpEnd) -> bool:
        """A lost microphone keeps the session: everything so far is saved, the user picks
        another device (or stops). True when the runner now waits for that."""
        lost = end.reason == "device_lost"
        can_switch = (isinstance(self.line, (AudioLine, PartnerLine))
                      and self.line.source_factory is not None)
        if not (can_switch or (lost and self.store is not None)):
            return False  # nothing saved to come back to (``transcribe --mic``): just end
        with self._lock:
            self._set_status("device_lost")
        if lost:
            message = (f"The microphone stopped working ({end.error}). Everything up to now "
                       "is saved; choose another device to go on, or stop the session.")
        else:  # e.g. NoMicrophone on opening: its message says what to do
            message = (f"{end.error} Everything up to now is saved; choose another device "
                       "to go on, or stop the session.")
        self._error("device_lost", message, fatal=False)
        return True

    def _write_failed(self, kind: ErrorKind, message: str) -> None:
        if self._status in ("stopping", "stopped"):
            self._error(kind, message, fatal=True)
            return
        self._fail(kind, message)

    def _fail(self, kind: ErrorKind, message: str) -> None:
        """A fatal error: say so, then end the session (what was saved stays saved)."""
        self._error(kind, message, fatal=True)
        self._stop_reason = "error"
        with self._lock:
            if self._status not in ("stopping", "stopped"):
                self._set_status("stopping")
            self._gate.stopped.set()
            self._gate.resumed.set()
        self.line.stop()
        if not self.line.alive():
            self._inbox.end()

    # -- events ---------------------------------------------------------------------------------

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

    def _error(self, kind: ErrorKind, message: str, fatal: bool) -> None:
        log.error("session %s: %s: %s", self.session_id, kind, message)
        error = RunnerError(error=kind, message=message, fatal=fatal, at_s=self.now_s())
        if fatal:
            self.errors.append(error)
        self._emit(error)


def _line(
    source: LiveSource | None,
    transcriber: Transcriber | None,
    transcriber_factory: Callable[[], Transcriber] | None,
    source_factory: Callable[[str | None], LiveSource] | None,
    utterances: Iterable[Utterance] | None,
    speed: float | None,
) -> Line:
    if (source is None) == (utterances is None):
        raise ValueError("give exactly one of source= or utterances= (or a line)")
    if utterances is not None:
        return TranscriptFeed(utterances, speed)
    assert source is not None
    return AudioLine(source, transcriber=transcriber, transcriber_factory=transcriber_factory,
                     source_factory=source_factory)


# -- headless use (CLI, self-test, tests, benchmarks) ----------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What a headless run leaves: the saved session (None without a store), the tracker's
    report (None without a framework) and the first fatal error, if any."""

    session: Session | None
    report: dict[str, Any] | None
    error: RunnerError | None


def run_to_end(runner: SessionRunner) -> RunResult:
    """Start ``runner``, wait for the end of its input, return what it made. Ctrl-C stops it
    cleanly (the session is saved) and is raised again."""
    runner.start()
    try:
        runner.wait()
    except KeyboardInterrupt:
        runner.stop()
        raise
    session = runner.store.get_session(runner.session_id) if (
        runner.store is not None and runner.session_id is not None) else None
    return RunResult(session, runner.report, runner.errors[0] if runner.errors else None)


def model_transcriber_factory(
    model_spec: str | None = None, *, glossary: str | None = None, threads: int | None = None,
    live: bool | None = None,
) -> Callable[[], Transcriber]:
    """A factory that resolves and loads the Whisper model on the runner's worker thread.
    ``live=False`` for a file read as fast as possible: no lag, no degrading, so two runs of
    the same audio decode the same."""

    def make() -> Transcriber:
        from audio.model import load_model, resolve_model
        from audio.streaming import StreamingTranscriber

        model = load_model(resolve_model(model_spec), threads=threads)
        return StreamingTranscriber(model, glossary=glossary, live=live)

    return make


def replay_transcript(
    store: SessionStore | None,
    utterances: Iterable[Utterance],
    framework: Framework,
    *,
    prompt: Prompt | None = None,
    title: str | None = None,
    round_s: float | None = None,
    listener: Listener | None = None,
    settings: Mapping[str, Any] | None = None,
) -> RunResult:
    """An already-transcribed mock through the pipeline, as fast as possible. Blocks."""
    return run_to_end(SessionRunner(
        store, framework, TranscriptFeed(utterances), prompt=prompt, title=title,
        round_s=round_s, listener=listener, settings=settings))


def replay_audio(
    store: SessionStore | None,
    path: Path,
    framework: Framework,
    *,
    model_spec: str | None = None,
    transcriber: Transcriber | None = None,
    realtime: bool = False,
    prompt: Prompt | None = None,
    title: str | None = None,
    round_s: float | None = None,
    listener: Listener | None = None,
    settings: Mapping[str, Any] | None = None,
) -> RunResult:
    """A recording through the live pipeline (as fast as the CPU allows unless ``realtime``).
    Blocks."""
    from audio.sources import FileSource

    line = AudioLine(
        FileSource(path, realtime=realtime), transcriber=transcriber,
        transcriber_factory=None if transcriber else model_transcriber_factory(
            model_spec, live=realtime))
    return run_to_end(SessionRunner(
        store, framework, line, prompt=prompt, title=title, fallback_title=Path(path).stem,
        round_s=round_s, listener=listener, settings=settings))

