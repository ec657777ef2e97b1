"""The session store: SQLite (WAL, migrations, FTS5) plus each session's folder of files."""

from app.store.db import (
    LATEST_VERSION,
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseIOError,
    DatabaseTooNew,
    DiskFull,
    StoreError,
    is_disk_full,
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
from app.store.store import SessionBeingRecorded, SessionNotFound, SessionStore, utc_now_iso

__all__ = [
    "LATEST_VERSION",
    "Capture",
    "CoverageEvent",
    "DatabaseBusy",
    "DatabaseCorrupt",
    "DatabaseIOError",
    "DatabaseTooNew",
    "DiskFull",
    "Nudge",
    "PhaseChange",
    "PhaseSpan",
    "RequirementRow",
    "SearchHit",
    "Segment",
    "Session",
    "SessionBeingRecorded",
    "SessionNotFound",
    "SessionRecord",
    "SessionStatus",
    "SessionStore",
    "StoreError",
    "is_disk_full",
    "utc_now_iso",
]
