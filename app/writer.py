"""The store side of a session: its row and folder, captures, batched writes, the final save.

``SessionWriter`` is the only part of a running session that touches the database. The step's
rows arrive through a bounded queue and are committed together every ``commit_interval_s`` on the
writer's own thread, so a slow disk never holds up transcription and a crash loses at most that
much. A failed write stops the session through ``on_failure`` (what was saved stays saved).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.pipeline import PhaseRow, Progress, SegmentRevision, StoreRow, requirement_rows
from app.runner_events import ErrorKind
from app.store import Capture, CoverageEvent, DiskFull, Nudge, Segment, Session, SessionStore
from app.store.locks import hold_recording_lock, release_recording_lock
from audio.recorder import Recorder

if TYPE_CHECKING:
    from PIL.Image import Image

    from capture.prompt import Prompt

log = logging.getLogger(__name__)

AUDIO_FILENAME = "audio.wav"
CAPTURES_DIRNAME = "captures"


class _End:
    """Sentinel closing the writer's queue."""


class SessionWriter:
    """One saved session. ``create`` → ``start`` → ``put``… → ``close`` → ``finalise``."""

    def __init__(
        self,
        store: SessionStore,
        *,
        on_failure: Callable[[ErrorKind, str], None],
        clock: Callable[[], float],
        commit_interval_s: float = 0.25,
    ) -> None:
        self.store = store
        self.session: Session | None = None
        self.failed = False
        self._on_failure = on_failure
        self._clock = clock
        self._commit_interval_s = commit_interval_s
        self._rows: queue.Queue[StoreRow | _End] = queue.Queue(maxsize=20_000)
        self._lock_fd: int | None = None
        self._thread: threading.Thread | None = None

    @property
    def session_id(self) -> int:
        assert self.session is not None
        return self.session.id

    def create(self, *, title: str, framework_id: str, round_s: float,
               settings: Mapping[str, Any], record_audio: bool) -> Recorder | None:
        """The session row, its folder (locked while recording) and, if asked, the recorder
        writing into it. On failure nothing is left behind for recovery to offer."""
        self.session = self.store.create_session(
            title=title, framework=framework_id, round_s=round_s, settings=settings)
        sid = self.session.id
        try:
            folder = self.store.session_dir(sid)
            self._lock_fd = hold_recording_lock(folder)
            if not record_audio:
                return None
            recorder = Recorder(folder / AUDIO_FILENAME)
            self.store.set_audio_path(sid, AUDIO_FILENAME)
            self.session = self.store.get_session(sid)
            return recorder
        except BaseException:
            release_recording_lock(self._lock_fd)
            self._lock_fd = None
            with contextlib.suppress(Exception):
                self.store.delete_session(sid)
            self.session = None
            raise

    def save_capture(self, image: Image | Path | None, ocr_text: str, prompt: Prompt | None,
                     at_s: float) -> tuple[Capture, Path | None]:
        """Keep a captured prompt: the image (a PIL image or a file to copy) in the session
        folder, the OCR text and parsed requirements in the database."""
        sid = self.session_id
        relative: str | None = None
        if image is not None:
            folder = self.store.session_dir(sid) / CAPTURES_DIRNAME
            folder.mkdir(exist_ok=True)
            n = len(list(folder.iterdir())) + 1
            relative = f"{CAPTURES_DIRNAME}/capture-{n:03d}.png"
            if isinstance(image, (str, Path)):
                relative = relative[: -len(".png")] + (Path(image).suffix.lower() or ".png")
                shutil.copyfile(image, self.store.file_path(sid, relative))
            else:
                image.save(self.store.file_path(sid, relative), format="PNG", compress_level=1)
        capture = self.store.add_capture(sid, Capture(
            at_s=at_s, image_path=relative, ocr_text=ocr_text or "",
            prompt_title=prompt.title if prompt is not None else "",
            requirements=requirement_rows(prompt)))
        return capture, self.store.file_path(sid, relative) if relative else None

    # ------------------------------------------------------------------ the writer thread

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="runner-writer", daemon=True)
        self._thread.start()

    def put(self, rows: list[StoreRow]) -> None:
        for row in rows:
            self._rows.put(row)

    def close(self) -> None:
        """Flush what is queued and stop the thread; returns when it is all written."""
        self._rows.put(_End())
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        pending: list[StoreRow] = []
        oldest: float | None = None
        while True:
            timeout = self._commit_interval_s
            if oldest is not None:
                timeout = max(0.0, oldest + self._commit_interval_s - time.monotonic())
            try:
                item: StoreRow | _End | None = self._rows.get(timeout=timeout)
            except queue.Empty:
                item = None
            finished = isinstance(item, _End)
            if item is not None and not isinstance(item, _End):
                pending.append(item)
                oldest = oldest if oldest is not None else time.monotonic()
            due = oldest is not None and time.monotonic() - oldest >= self._commit_interval_s
            if pending and (due or finished):
                self._flush(pending)
                pending, oldest = [], None
            if finished:
                return

    def _flush(self, rows: list[StoreRow]) -> None:
        if self.failed:
            return
        progress = [r for r in rows if isinstance(r, Progress)]
        last = progress[-1] if progress else None
        try:
            self.store.write_batch(
                self.session_id,
                segments=[r for r in rows if isinstance(r, Segment)],
                phase_changes=[(r.change, r.budget_s) for r in rows if isinstance(r, PhaseRow)],
                coverage=[r for r in rows if isinstance(r, CoverageEvent)],
                nudges=[r for r in rows if isinstance(r, Nudge)],
                duration_s=max(last.duration_s, self._clock()) if last else self._clock(),
                coverage_pct=last.coverage_pct if last else None,
            )
            for revision in (r for r in rows if isinstance(r, SegmentRevision)):
                self.store.replace_segments(  # after the batch: it may hold what is replaced
                    self.session_id, revision.start_s, revision.end_s,
                    [revision.segment] if revision.segment is not None else [],
                    revision.speaker)
        except DiskFull as exc:
            self.failed = True
            self._on_failure("disk_full", str(exc))
        except Exception as exc:
            self.failed = True
            log.exception("saving session %s failed", self.session_id)
            self._on_failure("store", f"Saving the session failed: {exc}. Recording stopped; "
                             "what was saved before stays saved.")

    # ------------------------------------------------------------------ the end

    def finalise(self, duration_s: float, report: dict[str, Any] | None,
                 coverage_pct: float | None) -> None:
        """Mark the session finished (unless a write failed: then it stays 'running' and
        recovery offers it next time) and release the folder's recording lock."""
        try:
            if not self.failed:
                self.session = self.store.finish_session(
                    self.session_id, duration_s=duration_s, report=report,
                    coverage_pct=coverage_pct)
        except Exception as exc:
            log.exception("finalising session failed")
            self._on_failure("disk_full" if isinstance(exc, DiskFull) else "store", str(exc))
        finally:
            release_recording_lock(self._lock_fd)
            self._lock_fd = None
