"""A small JSON summary per closed session, computed once and kept (table ``session_summaries``,
schema version 3): what progress needs from the scorecard, so reading 200 sessions is one query
rather than 200 loads and scorings.

A summary is only used while it still describes the session and the rules: each row carries the
fingerprint of the rules that made it (``rules``) and the session as it was (``session_key``:
when it ended and how long it was, which a recovery changes). Anything else is recomputed by the
caller and saved again. Saving is best effort: a database another program holds, or a read-only
one, only costs the recomputation next time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from app.store.db import StoreError
from app.store.entities import Session
from app.store.store import SessionStore

log = logging.getLogger(__name__)


def session_key(session: Session) -> str:
    return f"{session.ended_at}|{session.duration_s:.3f}"


def read_summaries(store: SessionStore, rules: str,
                   sessions: Sequence[Session]) -> dict[int, dict[str, Any]]:
    """The saved summaries still valid for ``sessions`` under ``rules``, by session id."""
    if not sessions:
        return {}
    keys = {s.id: session_key(s) for s in sessions}
    with store._read() as conn:
        rows = conn.execute(
            "SELECT session_id, session_key, summary_json FROM session_summaries "
            "WHERE rules = ?", (rules,)).fetchall()
    out: dict[int, dict[str, Any]] = {}
    for sid, key, text in rows:
        if keys.get(sid) != key:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            out[int(sid)] = value
    return out


def save_summaries(store: SessionStore, rules: str,
                   summaries: Mapping[int, tuple[Session, Mapping[str, Any]]]) -> bool:
    """Keep ``summaries`` (session id -> (session, summary)) in one transaction; False when the
    database would not take them (they are recomputed next time)."""
    if not summaries:
        return True
    rows = [(sid, rules, session_key(session), json.dumps(summary, ensure_ascii=False))
            for sid, (session, summary) in summaries.items()]
    try:
        with store.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO session_summaries "
                "(session_id, rules, session_key, summary_json) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?)",
                [(*row, row[0]) for row in rows])
    except StoreError as exc:
        log.info("session summaries not saved: %s", exc)
        return False
    return True
