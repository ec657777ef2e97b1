"""One small data-access object per table: SQL lives here and nowhere else.

DAOs neither lock nor commit; ``SessionStore`` does both, so a batch of rows from different tables
lands in one transaction.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from app.store.entities import (
    Capture,
    CoverageEvent,
    DiagramCapture,
    DrawnLabel,
    Nudge,
    PhaseChange,
    PhaseSpan,
    RequirementRow,
    SearchHit,
    Segment,
    Session,
)

_SESSION_COLUMNS = (
    "id, started_at, ended_at, title, framework, round_s, duration_s, notes, status, "
    "audio_path, settings_json, coverage_pct, report_json"
)


def _session(row: sqlite3.Row | tuple[Any, ...]) -> Session:
    (
        sid,
        started,
        ended,
        title,
        framework,
        round_s,
        duration,
        notes,
        status,
        audio,
        settings,
        coverage,
        report,
    ) = row
    return Session(
        id=sid,
        started_at=started,
        ended_at=ended,
        title=title,
        framework=framework,
        round_s=round_s,
        duration_s=duration,
        notes=notes,
        status=status,
        audio_path=audio,
        settings=json.loads(settings or "{}"),
        coverage_pct=coverage,
        report=json.loads(report) if report else None,
    )


def _mark_words(text: str, words: list[str]) -> str:
    """Bracket the words of ``text`` that start with one of ``words`` (as the search matched)."""
    prefixes = tuple(w.casefold() for w in words)

    def mark(m: re.Match[str]) -> str:
        return f"[{m.group(0)}]" if m.group(0).casefold().startswith(prefixes) else m.group(0)

    return re.sub(r"\w+", mark, text)


class SessionDAO:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert(
        self,
        *,
        started_at: str,
        title: str,
        framework: str,
        round_s: float,
        settings: dict[str, Any],
    ) -> int:
        cur = self._conn.execute(
            "INSERT INTO sessions (started_at, title, framework, round_s, settings_json) "
            "VALUES (?, ?, ?, ?, ?)",
            (started_at, title, framework, round_s, json.dumps(settings, default=str)),
        )
        return int(cur.lastrowid or 0)

    def get(self, session_id: int) -> Session | None:
        row = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return _session(row) if row else None

    def list(self, status: str | None = None) -> list[Session]:
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        rows = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions {where} ORDER BY started_at DESC, id DESC",
            params,
        ).fetchall()
        return [_session(r) for r in rows]

    def update(self, session_id: int, **fields: Any) -> None:
        allowed = {
            "ended_at",
            "title",
            "framework",
            "round_s",
            "duration_s",
            "notes",
            "status",
            "audio_path",
            "settings_json",
            "coverage_pct",
            "report_json",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown session fields: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._conn.execute(
            f"UPDATE sessions SET {assignments} WHERE id = ?", (*fields.values(), session_id)
        )

    def delete(self, session_id: int) -> bool:
        cur = self._conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cur.rowcount > 0


class SegmentDAO:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert_many(self, session_id: int, segments: Iterable[Segment]) -> None:
        self._conn.executemany(
            "INSERT INTO segments (session_id, start_s, end_s, text, phase, speaker) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(session_id, s.start_s, s.end_s, s.text, s.phase, s.speaker) for s in segments],
        )

    def for_session(self, session_id: int) -> list[Segment]:
        rows = self._conn.execute(
            "SELECT id, start_s, end_s, text, phase, speaker FROM segments WHERE session_id = ? "
            "ORDER BY start_s, id",
            (session_id,),
        ).fetchall()
        return [Segment(id=i, start_s=a, end_s=b, text=t, phase=p, speaker=w)
                for i, a, b, t, p, w in rows]

    def rows(self, session_id: int) -> list[tuple[float, float, str, str]]:
        rows: list[tuple[float, float, str, str]] = self._conn.execute(
            "SELECT start_s, end_s, text, speaker FROM segments WHERE session_id = ? "
            "ORDER BY start_s, id", (session_id,)).fetchall()
        return rows

    def delete_between(self, session_id: int, start_s: float, end_s: float,
                       speaker: str | None = None) -> int:
        """Delete the segments whose middle lies in [start_s, end_s) (only ``speaker``'s, when
        given: a revision of one voice leaves the other's lines); the FTS index follows
        (triggers). Returns how many went."""
        cursor = self._conn.execute(
            "DELETE FROM segments WHERE session_id = ? AND (start_s + end_s) / 2 >= ? "
            "AND (start_s + end_s) / 2 < ? AND (? IS NULL OR speaker = ?)",
            (session_id, start_s, end_s, speaker, speaker),
        )
        return cursor.rowcount

    def set_phase_from(self, session_id: int, start_s: float, phase: str) -> None:
        self._conn.execute(
            "UPDATE segments SET phase = ? WHERE session_id = ? AND start_s >= ?",
            (phase, session_id, start_s - 1e-6),
        )

    def last_end_s(self, session_id: int) -> float:
        row = self._conn.execute(
            "SELECT max(end_s) FROM segments WHERE session_id = ?", (session_id,)
        ).fetchone()
        return float(row[0] or 0.0)

    def search(self, query: str, words: list[str], limit: int) -> list[SearchHit]:
        """Newest matches first. The most recent ``limit`` matching rows are picked by rowid
        (rows are inserted in time order) and only those are read and marked up, so a word said
        in every session costs ``limit`` rows, not one per match."""
        rows = self._conn.execute(
            "SELECT s.session_id, sess.title, s.id, s.start_s, s.text FROM segments s "
            "JOIN sessions sess ON sess.id = s.session_id WHERE s.id IN ("
            "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT ?) "
            "ORDER BY sess.started_at DESC, s.session_id DESC, s.start_s",
            (query, limit),
        ).fetchall()
        return [
            SearchHit(session_id=a, session_title=b, segment_id=c, start_s=d,
                      snippet=_mark_words(text, words))
            for a, b, c, d, text in rows
        ]

    def matching_sessions(self, query: str) -> set[int]:
        rows = self._conn.execute(
            "SELECT DISTINCT s.session_id FROM segments_fts "
            "JOIN segments s ON s.id = segments_fts.rowid WHERE segments_fts MATCH ?",
            (query,),
        ).fetchall()
        return {int(r[0]) for r in rows}


class PhaseChangeDAO:
    """Phase changes: the events (when, to what, why, by hand or detected)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert(self, session_id: int, change: PhaseChange) -> None:
        self._conn.execute(
            "INSERT INTO phase_changes (session_id, at_s, phase, previous_phase, evidence, manual) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                session_id,
                change.at_s,
                change.phase,
                change.previous_phase,
                change.evidence,
                int(change.manual),
            ),
        )

    def for_session(self, session_id: int) -> list[PhaseChange]:
        rows = self._conn.execute(
            "SELECT id, at_s, phase, previous_phase, evidence, manual FROM phase_changes "
            "WHERE session_id = ? ORDER BY at_s, id",
            (session_id,),
        ).fetchall()
        return [
            PhaseChange(id=i, at_s=a, phase=p, previous_phase=q, evidence=e, manual=bool(m))
            for i, a, p, q, e, m in rows
        ]


class PhaseSpanDAO:
    """Phase spans: the timeline the changes make (one open span at a time)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def open(
        self, session_id: int, phase: str, start_s: float, budget_s: float | None
    ) -> None:
        self.close_open(session_id, start_s)
        self._conn.execute(
            "INSERT INTO phase_spans (session_id, phase, start_s, end_s, budget_s) "
            "VALUES (?, ?, ?, NULL, ?)",
            (session_id, phase, start_s, budget_s),
        )

    def close_open(self, session_id: int, end_s: float) -> None:
        self._conn.execute(
            "UPDATE phase_spans SET end_s = max(start_s, ?) WHERE session_id = ? AND end_s IS NULL",
            (end_s, session_id),
        )

    def for_session(self, session_id: int) -> list[PhaseSpan]:
        rows = self._conn.execute(
            "SELECT id, phase, start_s, end_s, budget_s FROM phase_spans "
            "WHERE session_id = ? ORDER BY start_s, id",
            (session_id,),
        ).fetchall()
        return [PhaseSpan(id=i, phase=p, start_s=a, end_s=b, budget_s=g) for i, p, a, b, g in rows]


class CaptureDAO:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert(self, session_id: int, capture: Capture) -> int:
        cur = self._conn.execute(
            "INSERT INTO captures (session_id, at_s, image_path, ocr_text, prompt_title, "
            "requirements_json) VALUES (?, ?, ?, ?, ?, ?)",
            (
                session_id,
                capture.at_s,
                capture.image_path,
                capture.ocr_text,
                capture.prompt_title,
                capture.requirements_json(),
            ),
        )
        return int(cur.lastrowid or 0)

    def for_session(self, session_id: int) -> list[Capture]:
        rows = self._conn.execute(
            "SELECT id, at_s, image_path, ocr_text, prompt_title, requirements_json FROM captures "
            "WHERE session_id = ? ORDER BY at_s, id",
            (session_id,),
        ).fetchall()
        out = []
        for i, a, path, text, title, reqs in rows:
            requirements = tuple(
                RequirementRow(
                    id=str(r["id"]),
                    text=str(r["text"]),
                    kind=str(r["kind"]),
                    value=r.get("value"),
                    unit=r.get("unit"),
                )
                for r in json.loads(reqs or "[]")
            )
            out.append(
                Capture(
                    id=i,
                    at_s=a,
                    image_path=path,
                    ocr_text=text,
                    prompt_title=title,
                    requirements=requirements,
                )
            )
        return out

    def prompt_titles(self) -> dict[int, str]:
        """Each session's prompt title (its last capture with one): which prompts were practised."""
        rows = self._conn.execute(
            "SELECT session_id, prompt_title FROM captures WHERE prompt_title != '' "
            "ORDER BY session_id, at_s, id"
        ).fetchall()
        return {int(sid): str(title) for sid, title in rows}


class CoverageDAO:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert(self, session_id: int, event: CoverageEvent) -> None:
        self._conn.execute(
            "INSERT INTO coverage_events (session_id, at_s, item_id, kind, label, evidence, "
            "source) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (session_id, event.at_s, event.item_id, event.kind, event.label, event.evidence,
             event.source),
        )

    def for_session(self, session_id: int) -> list[CoverageEvent]:
        rows = self._conn.execute(
            "SELECT id, at_s, item_id, kind, label, evidence, source FROM coverage_events "
            "WHERE session_id = ? ORDER BY at_s, id",
            (session_id,),
        ).fetchall()
        return [
            CoverageEvent(id=i, at_s=a, item_id=it, kind=k, label=lb, evidence=e, source=s)
            for i, a, it, k, lb, e, s in rows
        ]


class DiagramDAO:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert(self, session_id: int, diagram: DiagramCapture) -> int:
        cursor = self._conn.execute(
            "INSERT INTO diagrams (session_id, at_s, image_path, labels_json) VALUES (?, ?, ?, ?)",
            (session_id, diagram.at_s, diagram.image_path, diagram.labels_json()),
        )
        return int(cursor.lastrowid or 0)

    def for_session(self, session_id: int) -> list[DiagramCapture]:
        rows = self._conn.execute(
            "SELECT id, at_s, image_path, labels_json FROM diagrams WHERE session_id = ? "
            "ORDER BY at_s, id",
            (session_id,),
        ).fetchall()
        out = []
        for i, a, path, labels in rows:
            try:
                items = json.loads(labels)
            except ValueError:  # a damaged row still shows its image
                items = []
            drawn = tuple(
                DrawnLabel(str(d.get("text", "")), _box(d.get("box")), d.get("component"))
                for d in items if isinstance(d, dict)
            )
            out.append(DiagramCapture(at_s=a, image_path=path, labels=drawn, id=i))
        return out


def _box(value: Any) -> tuple[int, int, int, int]:
    if isinstance(value, list) and len(value) == 4:
        return (int(value[0]), int(value[1]), int(value[2]), int(value[3]))
    return (0, 0, 0, 0)


class NudgeDAO:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def insert(self, session_id: int, nudge: Nudge) -> None:
        self._conn.execute(
            "INSERT INTO nudges (session_id, at_s, kind, text) VALUES (?, ?, ?, ?)",
            (session_id, nudge.at_s, nudge.kind, nudge.text),
        )

    def for_session(self, session_id: int) -> list[Nudge]:
        rows = self._conn.execute(
            "SELECT id, at_s, kind, text FROM nudges WHERE session_id = ? ORDER BY at_s, id",
            (session_id,),
        ).fetchall()
        return [Nudge(id=i, at_s=a, kind=k, text=t) for i, a, k, t in rows]
