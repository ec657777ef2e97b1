"""Opening the SQLite file safely: WAL, foreign keys, schema migrations, and refusing to touch
a database that is corrupt or was written by a newer mockcoach.

Schema as a file (``schema.sql`` = version 1), migrations as code (``MIGRATIONS``): a fresh
database runs the file and then every migration, an old one runs only the migrations it lacks, so
both paths end at the same schema and ``PRAGMA user_version`` says which one a file has.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
# ``quick_check`` reads every page (about 6 ms per MB here); above this size opening stays fast
# and damage is reported when SQLite meets it instead.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024


class StoreError(RuntimeError):
    """Something a person has to act on about the session database."""


class DatabaseCorrupt(StoreError):
    def __init__(self, path: Path, backup: Path, detail: str) -> None:
        self.path, self.backup = path, backup
        super().__init__(
            f"The session database {path} is damaged ({detail}). It was moved to {backup} so "
            "nothing is overwritten; mockcoach starts a new, empty one. Your recordings in the "
            "sessions folder are untouched."
        )


class DatabaseTooNew(StoreError):
    def __init__(self, path: Path, backup: Path, found: int, supported: int) -> None:
        self.path, self.backup, self.found, self.supported = path, backup, found, supported
        super().__init__(
            f"The session database {path} was written by a newer mockcoach (schema version "
            f"{found}; this build understands up to {supported}). It was moved, untouched, to "
            f"{backup}; this build starts a new, empty one. To see those sessions again, update "
            f"mockcoach and move the file back to {path.name}."
        )


class DiskFull(StoreError):
    def __init__(self, path: Path | None = None) -> None:
        where = f" ({path.parent})" if path else ""
        super().__init__(
            f"The disk is full{where}: recording stopped. Everything up to this moment is saved. "
            "Free some space, then start a new session."
        )


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return "disk is full" in message or "disk full" in message
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _v2_progress_columns(conn: sqlite3.Connection) -> None:
    """Coverage and the tracker's final report, so the library list needs no recomputation."""
    conn.execute("ALTER TABLE sessions ADD COLUMN coverage_pct REAL")
    conn.execute("ALTER TABLE sessions ADD COLUMN report_json TEXT")
    conn.execute("CREATE INDEX sessions_by_start ON sessions(started_at)")


# MIGRATIONS[n] upgrades a database from user_version n to n + 1 (schema.sql makes version 1).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v2_progress_columns,
}
LATEST_VERSION = 1 + len(MIGRATIONS)


def schema_sql() -> str:
    return resources.files("app.store").joinpath("schema.sql").read_text(encoding="utf-8")


def _timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def _companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _move_aside(path: Path, label: str) -> Path:
    """Rename the database (and its WAL/SHM files) out of the way, never deleting anything."""
    backup = path.with_name(f"{path.name}.{label}-{_timestamp()}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.{label}-{_timestamp()}-{n}")
        n += 1
    for src in _companions(path):
        if src.exists():
            src.rename(backup.with_name(backup.name + src.name[len(path.name) :]))
    return backup


def move_aside(path: Path) -> Path:
    """Set an unusable database aside (e.g. after ``DatabaseTooNew``) so a fresh one can start."""
    return _move_aside(path, "set-aside")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or migrating) the session database at ``path``.

    Raises ``DatabaseCorrupt`` or ``DatabaseTooNew`` after renaming the file (and its WAL/SHM)
    with a timestamp, never writing to it: the caller shows the message; the next ``connect``
    starts with a new, empty database.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    if existed:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            backup = _move_aside(path, "corrupt")
            raise DatabaseCorrupt(path, backup, "not an SQLite database")
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > LATEST_VERSION:
            conn.close()
            raise DatabaseTooNew(path, _move_aside(path, f"v{version}"), version, LATEST_VERSION)
        if existed and path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(str(check))
        conn.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a committed transaction survives the process being killed (the OS has the
        # pages); only a power cut can lose the last moments, which is the right trade for audio.
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except DatabaseTooNew:
        raise
    except sqlite3.DatabaseError as exc:
        if is_disk_full(exc):
            conn.close()
            raise DiskFull(path) from exc
        conn.close()
        backup = _move_aside(path, "corrupt")
        log.error("session database %s is corrupt (%s); moved to %s", path, exc, backup)
        raise DatabaseCorrupt(path, backup, str(exc)) from exc
    return conn


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Bring the schema up to ``target``; each step is one transaction. Returns the version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        if tables[0]:
            raise sqlite3.DatabaseError("tables present but no schema version")
        conn.executescript(f"BEGIN;\n{schema_sql()}\nPRAGMA user_version = 1;\nCOMMIT;")
        version = 1
    while version < target:
        step = MIGRATIONS[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("session database migrated to schema version %d", version + 1)
        version += 1
    return version
