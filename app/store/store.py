"""``SessionStore``: the one object the app, the runner and the CLI use to keep sessions.

One SQLite connection guarded by a lock, so the runner's writer thread and the review window can
share a store; every public write is one transaction. Files that belong to a session (audio,
capture images) live in ``<files_root>/<id>/`` and go when the session is deleted.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from app.store.dao import (
    CaptureDAO,
    CoverageDAO,
    DiagramDAO,
    NudgeDAO,
    PhaseChangeDAO,
    PhaseSpanDAO,
    SegmentDAO,
    SessionDAO,
)
from app.store.db import StoreError, connect, usage_error
from app.store.entities import (
    Capture,
    CoverageEvent,
    DiagramCapture,
    DrawnLabel,
    Nudge,
    PhaseChange,
    SearchHit,
    Segment,
    Session,
    SessionRecord,
    SessionStatus,
)
from app.store.locks import is_being_recorded

log = logging.getLogger(__name__)

DB_FILENAME = "sessions.db"


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SessionNotFound(StoreError):
    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        super().__init__(
            f"No session with id {session_id}. `mockcoach sessions list` shows the saved ones."
        )


class SessionBeingRecorded(StoreError):
    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        super().__init__(
            f"Session {session_id} is being recorded right now; stop it before deleting it."
        )


def fts_query(text: str) -> str:
    """Turn what a person types into a safe FTS5 query: every word must appear, last as prefix."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class SessionStore:
    """``busy_timeout_s``: how long a read or write waits for another program's lock before
    ``DatabaseBusy`` is raised."""

    def __init__(
        self, path: Path | None = None, files_root: Path | None = None,
        busy_timeout_s: float = 10.0,
    ) -> None:
        from app import paths

        self.path = Path(path) if path is not None else paths.data_dir() / DB_FILENAME
        self.files_root = (
            Path(files_root)
            if files_root is not None
            else (paths.sessions_dir() if path is None else self.path.parent / "sessions")
        )
        self._lock = threading.RLock()
        self._conn = connect(self.path, busy_timeout_s)
        self.sessions = SessionDAO(self._conn)
        self.segments = SegmentDAO(self._conn)
        self.phase_changes = PhaseChangeDAO(self._conn)
        self.phase_spans = PhaseSpanDAO(self._conn)
        self.captures = CaptureDAO(self._conn)
        self.coverage = CoverageDAO(self._conn)
        self.nudges = NudgeDAO(self._conn)
        self.diagrams = DiagramDAO(self._conn)

    # -- plumbing -----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write, rolled back on any error. Another program's lock becomes
        ``DatabaseBusy``, a failing disk ``DatabaseIOError``, a full one ``DiskFull``."""
        with self._lock, self._errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            yield self._conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite errors a person can act on, as ``StoreError``s; the rest (bugs) unchanged."""
        try:
            yield
        except sqlite3.Error as exc:
            known = usage_error(exc, self.path)
            if known is None:
                raise
            raise known from exc

    def session_dir(self, session_id: int, create: bool = True) -> Path:
        folder = self.files_root / str(session_id)
        if create:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    # -- sessions -----------------------------------------------------------------------------

    def create_session(
        self,
        *,
        title: str = "",
        framework: str = "",
        round_s: float = 2700.0,
        settings: Mapping[str, Any] | None = None,
        started_at: str | None = None,
    ) -> Session:
        with self.transaction():
            sid = self.sessions.insert(
                started_at=started_at or utc_now_iso(),
                title=title,
                framework=framework,
                round_s=round_s,
                settings=dict(settings or {}),
            )
        folder = self.files_root / str(sid)
        if folder.exists() and any(folder.iterdir()):
            # Left over from a database that was set aside: keep it, but not under this id.
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
            folder.rename(folder.with_name(f"{sid}.orphan-{stamp}"))
        self.session_dir(sid)
        return self.get_session(sid)

    def get_session(self, session_id: int) -> Session:
        with self._read():
            session = self.sessions.get(session_id)
        if session is None:
            raise SessionNotFound(session_id)
        return session

    def list_sessions(self, search: str | None = None) -> list[Session]:
        """Newest first; with ``search``, only sessions whose title or transcript matches."""
        with self._read():
            sessions = self.sessions.list()
            if not search or not search.strip():
                return sessions
            query = fts_query(search)
            hits = self.segments.matching_sessions(query) if query else set()
        needle = search.strip().casefold()
        return [s for s in sessions if s.id in hits or needle in s.title.casefold()]

    def unfinished(self) -> list[Session]:
        with self._read():
            return self.sessions.list(status="running")

    def set_audio_path(self, session_id: int, relative: str | None) -> None:
        with self.transaction():
            self.sessions.update(session_id, audio_path=relative)

    def rename_session(self, session_id: int, title: str) -> None:
        self.get_session(session_id)
        with self.transaction():
            self.sessions.update(session_id, title=title.strip())

    def set_notes(self, session_id: int, notes: str) -> None:
        self.get_session(session_id)
        with self.transaction():
            self.sessions.update(session_id, notes=notes)

    def finish_session(
        self,
        session_id: int,
        *,
        duration_s: float,
        status: SessionStatus = "finished",
        report: Mapping[str, Any] | None = None,
        coverage_pct: float | None = None,
        ended_at: str | None = None,
    ) -> Session:
        fields: dict[str, Any] = {
            "duration_s": duration_s,
            "status": status,
            "ended_at": ended_at or utc_now_iso(),
        }
        if report is not None:
            fields["report_json"] = json.dumps(report, default=str)
        if coverage_pct is not None:
            fields["coverage_pct"] = coverage_pct
        with self.transaction():
            self.phase_spans.close_open(session_id, duration_s)
            self.sessions.update(session_id, **fields)
        return self.get_session(session_id)

    def delete_session(self, session_id: int) -> None:
        """Delete the rows (cascading to every child table) and the session's files.

        Refused while the session is being recorded (by this or another process)."""
        self.get_session(session_id)
        if is_being_recorded(self.files_root / str(session_id)):
            raise SessionBeingRecorded(session_id)
        with self.transaction():
            self.sessions.delete(session_id)
        folder = self.files_root / str(session_id)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=False)

    # -- what happens during a session ---------------------------------------------------------

    def write_batch(
        self,
        session_id: int,
        *,
        segments: Sequence[Segment] = (),
        phase_changes: Sequence[tuple[PhaseChange, float | None]] = (),
        coverage: Sequence[CoverageEvent] = (),
        nudges: Sequence[Nudge] = (),
        duration_s: float | None = None,
        coverage_pct: float | None = None,
    ) -> None:
        """Everything that happened in the last moment, in one transaction.

        ``phase_changes`` pairs each change with the new phase's budget (for the timeline).
        """
        with self.transaction():
            if segments:
                self.segments.insert_many(session_id, segments)
            for change, budget_s in phase_changes:
                self.phase_changes.insert(session_id, change)
                self.phase_spans.open(session_id, change.phase, change.at_s, budget_s)
                # A detected change is placed where the speech that showed it began, which may
                # be before lines already saved: those belong to the new phase.
                self.segments.set_phase_from(session_id, change.at_s, change.phase)
            for event in coverage:
                self.coverage.insert(session_id, event)
            for nudge in nudges:
                self.nudges.insert(session_id, nudge)
            fields: dict[str, Any] = {}
            if duration_s is not None:
                fields["duration_s"] = duration_s
            if coverage_pct is not None:
                fields["coverage_pct"] = coverage_pct
            if fields:
                self.sessions.update(session_id, **fields)

    def replace_segments(
        self, session_id: int, start_s: float, end_s: float, segments: Sequence[Segment],
        speaker: str | None = None,
    ) -> int:
        """A revised transcript of [start_s, end_s): in one transaction, the saved segments whose
        middle lies in that range make way for ``segments`` (search follows). Returns how many
        segments were replaced."""
        with self.transaction():
            gone = self.segments.delete_between(session_id, start_s, end_s, speaker)
            if segments:
                self.segments.insert_many(session_id, segments)
        return gone

    def add_segments(self, session_id: int, segments: Iterable[Segment]) -> None:
        self.write_batch(session_id, segments=list(segments))

    def add_capture(self, session_id: int, capture: Capture) -> Capture:
        with self.transaction():
            cid = self.captures.insert(session_id, capture)
        return Capture(
            id=cid,
            at_s=capture.at_s,
            image_path=capture.image_path,
            ocr_text=capture.ocr_text,
            prompt_title=capture.prompt_title,
            requirements=capture.requirements,
        )

    def add_diagram(self, session_id: int, at_s: float, png: bytes,
                    labels: Sequence[DrawnLabel]) -> DiagramCapture:
        """Save one diagram capture: the PNG in the session folder (``diagrams/``), then its
        row. The file is written first, so a row never points at a missing image."""
        folder = self.session_dir(session_id) / "diagrams"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"diagram-{at_s:08.1f}s-{len(list(folder.glob('*.png'))) + 1:03d}.png"
        (folder / name).write_bytes(png)
        diagram = DiagramCapture(at_s=at_s, image_path=f"diagrams/{name}", labels=tuple(labels))
        with self.transaction():
            did = self.diagrams.insert(session_id, diagram)
        return DiagramCapture(at_s, diagram.image_path, diagram.labels, did)

    # -- reading back --------------------------------------------------------------------------

    def load(self, session_id: int) -> SessionRecord:
        """The whole session for review/export: a handful of indexed queries, well under 1 s."""
        with self._read():
            session = self.sessions.get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            return SessionRecord(
                session=session,
                segments=tuple(self.segments.for_session(session_id)),
                phase_changes=tuple(self.phase_changes.for_session(session_id)),
                phase_spans=tuple(self.phase_spans.for_session(session_id)),
                captures=tuple(self.captures.for_session(session_id)),
                coverage=tuple(self.coverage.for_session(session_id)),
                nudges=tuple(self.nudges.for_session(session_id)),
                diagrams=tuple(self.diagrams.for_session(session_id)),
            )

    def transcript_rows(self, session_id: int) -> list[tuple[float, float, str, str]]:
        """``(start_s, end_s, text, speaker)`` of every segment, in order: the transcript
        without a ``Segment`` per row, for readers of many sessions (the scorecard)."""
        with self._read():
            return self.segments.rows(session_id)

    def captures_of(self, session_id: int) -> list[Capture]:
        with self._read():
            return self.captures.for_session(session_id)

    def prompt_titles(self) -> dict[int, str]:
        """Session id -> the title of the prompt it practised (sessions with a prompt only)."""
        with self._read():
            return self.captures.prompt_titles()

    def search(self, text: str, limit: int = 200) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        words = re.findall(r"\w+", text, flags=re.UNICODE)
        with self._read():
            return self.segments.search(query, words, limit)

    def audio_file(self, session: Session) -> Path | None:
        if not session.audio_path:
            return None
        return self.files_root / str(session.id) / session.audio_path

    def file_path(self, session_id: int, relative: str) -> Path:
        return self.files_root / str(session_id) / relative
