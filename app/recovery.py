"""Sessions that were still recording when mockcoach died, and bringing them back.

A runner commits every final segment and tracker event within a second and the recorder keeps its
WAV header current, so after a crash (or ``kill -9``) the store holds everything up to the last
second with ``status = 'running'``. On the next start the app asks ``find_unfinished`` and offers
``recover`` (keep it as a normal session, marked 'recovered') or ``discard``.

The transcriber trails the recorder, so a crash leaves audio nobody transcribed (a mock killed
at 127.7 s had its transcript stop at 73 s). ``recover`` decodes the saved audio past the last
saved segment with the batch decoder (``audio.batch``) before it rebuilds the report, so the
report covers the whole mock, and removes the stale ``.recording.lock``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.store import Segment, Session, SessionStore
from app.store.locks import LOCK_FILENAME, is_being_recorded
from audio.batch import Progress

UNTRANSCRIBED_MIN_S = 1.0
"""Audio past the last saved segment shorter than this is not worth a model load."""

log = logging.getLogger(__name__)


class RecoveryCancelled(Exception):
    """The user cancelled while the untranscribed audio was decoded: nothing was written, the
    session is still unfinished (and offered again)."""


@dataclass(frozen=True)
class Unfinished:
    """A session that did not end cleanly, with what it holds (for the "recover?" prompt)."""

    session: Session
    segment_count: int
    last_speech_s: float  # end of the last saved transcript segment
    audio_file: Path | None
    audio_s: float | None  # seconds of audio on disk (after repair), None if there is none

    @property
    def duration_s(self) -> float:
        return max(self.session.duration_s, self.last_speech_s, self.audio_s or 0.0)


def _audio_seconds(path: Path | None) -> float | None:
    """Repair the WAV header from the bytes on disk (a killed recorder could not) and measure."""
    if path is None or not path.exists():
        return None
    try:
        from audio.recorder import repair_wav

        return float(repair_wav(path))
    except Exception as exc:  # a file we cannot repair is reported, never deleted
        log.warning("cannot repair the recording %s: %s", path, exc)
        try:
            import soundfile

            return float(soundfile.info(str(path)).duration)
        except Exception:
            return None


def find_unfinished(store: SessionStore) -> list[Unfinished]:
    """Sessions left 'running' by a process that is gone (a live recording is skipped)."""
    out = []
    for session in store.unfinished():
        folder = store.session_dir(session.id, create=False)
        if is_being_recorded(folder):
            continue
        with store._read():
            count = store._conn.execute(
                "SELECT count(*) FROM segments WHERE session_id = ?", (session.id,)
            ).fetchone()[0]
            last = store.segments.last_end_s(session.id)
        audio = store.audio_file(session)
        out.append(
            Unfinished(
                session=session,
                segment_count=int(count),
                last_speech_s=last,
                audio_file=audio,
                audio_s=_audio_seconds(audio),
            )
        )
    return out


def recover(
    store: SessionStore,
    session_id: int,
    frameworks_dirs: tuple[Path, ...] = (),
    *,
    transcribe_rest: bool = True,
    model_spec: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Session:
    """Keep an unfinished session: fix its audio, transcribe what the crash left untranscribed,
    close its timeline, rebuild its report, drop its stale lock file.

    The report is recomputed by replaying the saved transcript through the tracker (it is
    deterministic), so coverage and delivery signals match what the live session would have
    shown; if the framework is no longer available the session is kept without a report.
    ``progress(done_s, total_s)`` follows the decoding of the untranscribed audio; ``cancel()``
    returning True stops it and raises :class:`RecoveryCancelled` before anything is written.
    """
    session = store.get_session(session_id)
    audio_file = store.audio_file(session)
    audio_s = _audio_seconds(audio_file)
    if transcribe_rest and audio_file is not None and audio_s is not None:
        try:
            _transcribe_rest(store, session_id, audio_file, audio_s, model_spec, progress, cancel)
        except RecoveryCancelled:
            raise
        except Exception as exc:  # the session is still worth keeping without the tail
            log.warning("session %s: the untranscribed audio could not be decoded: %s",
                        session_id, exc)
    record = store.load(session_id)
    last_speech = max((s.end_s for s in record.segments), default=0.0)
    duration = max(session.duration_s, last_speech, audio_s or 0.0)
    report, coverage = None, None
    try:
        report, coverage = _rebuild_report(store, session, frameworks_dirs)
    except Exception as exc:
        log.warning("session %s recovered without a report: %s", session_id, exc)
    ended_at = _ended_at(session.started_at, duration)
    finished = store.finish_session(
        session_id,
        duration_s=duration,
        status="recovered",
        report=report,
        coverage_pct=coverage,
        ended_at=ended_at,
    )
    _remove_stale_lock(store.session_dir(session_id, create=False))
    return finished


def _transcribe_rest(
    store: SessionStore,
    session_id: int,
    audio_file: Path,
    audio_s: float,
    model_spec: str | None,
    progress: Progress | None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Batch-decode the audio past the last saved segment and save it; how many lines.
    Lines are saved only once all are decoded, so a cancel leaves the store as it was."""
    record = store.load(session_id)
    last_end = max((s.end_s for s in record.segments), default=0.0)
    if audio_s - last_end < UNTRANSCRIBED_MIN_S:
        return 0
    from audio.batch import BatchDecoder, read_audio
    from audio.model import load_model, resolve_model

    before = " ".join(s.text for s in record.segments[-10:]).split()[-40:]
    model = load_model(resolve_model(model_spec), short_window=False)
    segments: list[Segment] = []
    decoded = BatchDecoder(model).segments(
        read_audio(audio_file, last_end),
        offset_s=last_end,
        prompt=" ".join(before) or None,
        progress=progress,
    )
    for event in decoded:  # lazily: the next window is decoded only when asked for
        if cancel is not None and cancel():
            raise RecoveryCancelled(f"session {session_id}: recovery cancelled")
        segments.append(Segment(start_s=event.start_s, end_s=event.end_s, text=event.text))
    if cancel is not None and cancel():
        raise RecoveryCancelled(f"session {session_id}: recovery cancelled")
    if segments:
        store.add_segments(session_id, segments)
    log.info("session %s: %d lines transcribed from %.1f s to %.1f s after the crash",
             session_id, len(segments), last_end, audio_s)
    return len(segments)


def _remove_stale_lock(folder: Path) -> None:
    """The lock file of a dead recorder (nobody holds it any more) goes with the crash."""
    lock = folder / LOCK_FILENAME
    if lock.exists() and not is_being_recorded(folder):
        try:
            lock.unlink()
        except OSError as exc:
            log.warning("cannot remove the stale lock %s: %s", lock, exc)


def discard(store: SessionStore, session_id: int) -> None:
    store.delete_session(session_id)


def _ended_at(started_at: str, duration_s: float) -> str:
    from datetime import datetime, timedelta

    try:
        start = datetime.fromisoformat(started_at)
    except ValueError:
        return started_at
    return (start + timedelta(seconds=duration_s)).isoformat(timespec="seconds")


def _rebuild_report(
    store: SessionStore, session: Session, frameworks_dirs: tuple[Path, ...]
) -> tuple[dict[str, object] | None, float | None]:
    from app import paths
    from framework.definition import available_frameworks
    from framework.tracker import Tracker
    from framework.types import PromptItem, Utterance

    frameworks = available_frameworks(paths.user_frameworks_dir(), *frameworks_dirs, errors=[])
    framework = frameworks.get(session.framework)
    if framework is None:
        return None, None
    record = store.load(session.id)
    requirements = [
        PromptItem(id=r.id, text=r.text, kind=r.kind)
        for c in record.captures[-1:]
        for r in c.requirements
    ]
    tracker = Tracker(framework, requirements=requirements, round_s=session.round_s)
    manual = [c for c in record.phase_changes if c.manual]
    for seg in record.segments:
        while manual and manual[0].at_s <= seg.start_s:
            tracker.override(manual.pop(0).phase, seg.start_s)
        tracker.feed(Utterance(seg.text, seg.start_s, seg.end_s, speaker=seg.speaker))
    end = max(session.duration_s, record.segments[-1].end_s if record.segments else 0.0)
    state = tracker.state(end)
    items = state.items
    coverage = round(100.0 * sum(i.addressed for i in items) / len(items), 1) if items else None
    return tracker.report(end), coverage
