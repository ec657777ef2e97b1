"""The session store: SQLite (WAL, migrations, FTS5) plus each session's folder of files."""

from app.store.db import (
    LATEST_VERSION,
    DatabaseCorrupt,
    DatabaseTooNew,
    DiskFull,
    StoreError,
    is_disk_full,
    move_aside,
)
from app.store.entities import (
    Capture,
    CoverageEvent,
    Nudge,
    PhaseChange,
    PhaseSpan,
    RequirementRow,
    SearchHit,
    Segment,
    Session,
    SessionRecord,
    SessionStatus,
)
from app.store.store import SessionNotFound, SessionStore, utc_now_iso

__all__ = [
    "LATEST_VERSION",
    "Capture",
    "CoverageEvent",
    "DatabaseCorrupt",
    "DatabaseTooNew",
    "DiskFull",
    "Nudge",
    "PhaseChange",
    "PhaseSpan",
    "RequirementRow",
    "SearchHit",
    "Segment",
    "Session",
    "SessionNotFound",
    "SessionRecord",
    "SessionStatus",
    "SessionStore",
    "StoreError",
    "is_disk_full",
    "move_aside",
    "utc_now_iso",
]
