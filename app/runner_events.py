"""What a ``SessionRunner`` tells its listener, as small frozen dataclasses.

The listener is called from the runner's worker threads, never the GUI thread: a Qt front end
wraps it in a QObject that re-emits each event as a signal (queued to the GUI thread); the CLI
just prints or ignores them. Listeners must return quickly and must not call back into the
runner's ``stop()`` from inside the callback (use a queued signal or another thread).

``RunnerEvent`` is the union; switch on ``isinstance`` (or the ``kind`` class attribute).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from app.store.entities import Capture, DiagramCapture
from framework.events import TrackerEvent, TrackerState

RunnerStatus = Literal[
    "idle", "starting", "running", "paused", "device_lost", "stopping", "stopped"
]
ErrorKind = Literal["device_lost", "disk_full", "model", "transcriber", "source", "store"]
StopReason = Literal["stopped", "end_of_input", "error"]


@dataclass(frozen=True)
class SessionStarted:
    kind: ClassVar[str] = "started"
    session_id: int
    started_at: str
    title: str
    framework_id: str
    round_s: float
    audio_path: Path | None  # where the recording is being written, None in transcript mode


@dataclass(frozen=True)
class TranscriptLine:
    """A piece of transcript. Partials (``final=False``) replace the previous partial in place;
    a final replaces the partials before it and is saved (``phase``: the phase it belongs to).
    ``revised``: a final decoded again (the refine pass); it replaces the finals shown before
    whose midpoint lies in ``[start_s, end_s)``."""

    kind: ClassVar[str] = "transcript"
    text: str
    start_s: float
    end_s: float
    final: bool
    emitted_s: float  # session time when it was produced (end_s + latency)
    phase: str | None = None
    speaker: str = "candidate"  # "candidate" | "interviewer"
    revised: bool = False


@dataclass(frozen=True)
class TrackerUpdate:
    """The tracker moved: what happened (may be empty for a pure clock tick) and the new state."""

    kind: ClassVar[str] = "tracker"
    events: tuple[TrackerEvent, ...]
    state: TrackerState


@dataclass(frozen=True)
class LevelUpdate:
    """Input level of the latest audio, at most ~20 per second; drop freely if busy."""

    kind: ClassVar[str] = "level"
    dbfs: float
    at_s: float


@dataclass(frozen=True)
class LagUpdate:
    """How far transcription trails the audio (about once a second while recording).

    ``dropped_audio_s``: audio that was recorded but skipped by transcription because the
    backlog hit its bound (the recording itself still has it)."""

    kind: ClassVar[str] = "lag"
    lag_s: float
    backlog_s: float
    dropped_audio_s: float = 0.0


@dataclass(frozen=True)
class StatusChanged:
    kind: ClassVar[str] = "status"
    status: RunnerStatus
    at_s: float


@dataclass(frozen=True)
class CaptureSaved:
    kind: ClassVar[str] = "capture"
    capture: Capture
    image_file: Path | None  # absolute path of the saved image


@dataclass(frozen=True)
class DiagramSaved:
    """A capture of the candidate's diagram was read and saved with the session."""

    kind: ClassVar[str] = "diagram"
    diagram: DiagramCapture
    image_file: Path  # absolute path of the saved image


@dataclass(frozen=True)
class RunnerError:
    """Something went wrong. ``fatal``: the session is ending (what was saved stays saved).

    ``device_lost`` is not fatal: everything so far is kept, the session waits for
    ``switch_device`` (or ``stop``)."""

    kind: ClassVar[str] = "error"
    error: ErrorKind
    message: str
    fatal: bool
    at_s: float


@dataclass(frozen=True)
class SessionStopped:
    """Always the last event. The session is finalised in the store (unless the disk was full,
    in which case it stays 'running' and recovery offers it next time). ``report``: the
    tracker's report (``mockcoach replay --json``)."""

    kind: ClassVar[str] = "stopped"
    session_id: int | None  # None when the run saved nothing (no store)
    duration_s: float
    reason: StopReason
    report: dict[str, Any] | None = field(default=None, compare=False)


RunnerEvent = (
    SessionStarted
    | TranscriptLine
    | TrackerUpdate
    | LevelUpdate
    | LagUpdate
    | StatusChanged
    | CaptureSaved
    | DiagramSaved
    | RunnerError
    | SessionStopped
)
