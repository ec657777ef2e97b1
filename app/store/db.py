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
from typing import Literal

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


class DatabaseBusy(StoreError):
    """Another program holds a lock on the database: nothing is wrong with it, nothing moved."""

    def __init__(self, path: Path | None, detail: str) -> None:
        self.path = path
        where = f" {path}" if path else ""
        super().__init__(
            f"Another program is using the session database{where} ({detail}): a second "
            "mockcoach, an SQLite browser or a backup tool. Close it or wait for it to finish, "
            "then try again. Nothing was changed or moved."
        )


class DatabaseIOError(StoreError):
    """The database file cannot be opened, read or written: the disk or the permissions."""

    def __init__(self, path: Path | None, detail: str) -> None:
        self.path = path
        where = f" {path}" if path else ""
        super().__init__(
            f"The session database{where} cannot be read or written ({detail}). Check that its "
            "disk is present and that you may write to the file and its folder. Nothing was "
            "moved."
        )


class DiskFull(StoreError):
    def __init__(self, path: Path | None = None) -> None:
        where = f" ({path.parent})" if path else ""
        super().__init__(
            f"The disk is full{where}: recording stopped. Everything up to this moment is saved. "
            "Free some space, then start a new session."
        )


class _Damaged(sqlite3.DatabaseError):
    """The integrity check failed, or the file is some other program's SQLite database."""


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return error_kind(exc) == "full"
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


ErrorKind = Literal["busy", "io", "full", "corrupt", "other"]

# SQLite's primary result codes by what a person can do about them; extended codes
# (SQLITE_IOERR_SHORT_READ, SQLITE_BUSY_SNAPSHOT, ...) start with their primary's name.
_KINDS: tuple[tuple[str, ErrorKind], ...] = (
    ("SQLITE_BUSY", "busy"), ("SQLITE_LOCKED", "busy"),
    ("SQLITE_FULL", "full"),
    ("SQLITE_IOERR", "io"), ("SQLITE_CANTOPEN", "io"), ("SQLITE_READONLY", "io"),
    ("SQLITE_PERM", "io"), ("SQLITE_NOLFS", "io"),
    ("SQLITE_CORRUPT", "corrupt"), ("SQLITE_NOTADB", "corrupt"),
)
# The same, from the message (Python 3.10 has no ``sqlite_errorname``).
_MESSAGES: tuple[tuple[str, ErrorKind], ...] = (
    ("is locked", "busy"), ("is busy", "busy"),
    ("disk is full", "full"), ("disk full", "full"),
    ("disk i/o error", "io"), ("unable to open", "io"), ("readonly", "io"),
    ("malformed", "corrupt"), ("not a database", "corrupt"),
)


def error_kind(exc: sqlite3.Error) -> ErrorKind:
    """What an SQLite error means for the person: another program holds a lock (``busy``), the
    disk or permissions failed (``io``), the disk is full, the file is damaged, or other."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    for code, kind in _KINDS:
        if name == code or name.startswith(code + "_"):
            return kind
    message = str(exc).lower()
    for words, kind in _MESSAGES:
        if words in message:
            return kind
    return "other"


def usage_error(exc: sqlite3.Error, path: Path | None) -> StoreError | None:
    """The ``StoreError`` to raise for an SQLite error met while the database is open, or None
    for an error that is a bug (it should surface as it is). Damage found now is reported,
    never moved aside: this connection still has the file open."""
    kind = error_kind(exc)
    if kind == "busy":
        return DatabaseBusy(path, str(exc))
    if kind == "io":
        return DatabaseIOError(path, str(exc))
    if kind == "full":
        return DiskFull(path)
    if kind == "corrupt":
        return StoreError(
            f"The session database {path} is damaged ({exc}). Quit mockcoach: the next start "
            "checks it, sets it aside and begins a new one."
        )
    return None


def _v2_progress_columns(conn: sqlite3.Connection) -> None:
    """Coverage and the tracker's final report, so the library list needs no recomputation."""
    conn.execute("ALTER TABLE sessions ADD COLUMN coverage_pct REAL")
    conn.execute("ALTER TABLE sessions ADD COLUMN report_json TEXT")
    conn.execute("CREATE INDEX sessions_by_start ON sessions(started_at)")


def _v3_session_summaries(conn: sqlite3.Connection) -> None:
    """A small summary per closed session (its scorecard scores and study prompts), computed
    once so progress over hundreds of sessions never re-scores them (app/store/summaries.py)."""
    conn.execute(
        "CREATE TABLE session_summaries ("
        " session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,"
        " rules TEXT NOT NULL,"  # fingerprint of the code and data that computed it
        " session_key TEXT NOT NULL,"  # the session as it was (ended_at, duration_s)
        " summary_json TEXT NOT NULL)"
    )


def _v4_diagrams(conn: sqlite3.Connection) -> None:
    """Captures of the candidate's diagram (image file + labels read, issue 14), and which
    coverage came from a drawn component rather than from speech."""
    conn.execute(
        "CREATE TABLE diagrams ("
        " id INTEGER PRIMARY KEY,"
        " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        " at_s REAL NOT NULL,"
        " image_path TEXT NOT NULL,"  # relative to the session folder
        " labels_json TEXT NOT NULL DEFAULT '[]')"
    )
    conn.execute("CREATE INDEX diagrams_by_session ON diagrams(session_id, at_s)")
    conn.execute("ALTER TABLE coverage_events ADD COLUMN source TEXT NOT NULL DEFAULT 'speech'")


def _v5_segment_speaker(conn: sqlite3.Connection) -> None:
    """Who said each line ('candidate' | 'interviewer'), for practice with a partner; older
    lines were all the candidate's."""
    conn.execute("ALTER TABLE segments ADD COLUMN speaker TEXT NOT NULL DEFAULT 'candidate'")


# MIGRATIONS[n] upgrades a database from user_version n to n + 1 (schema.sql makes version 1).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v2_progress_columns,
    2: _v3_session_summaries,
    3: _v4_diagrams,
    4: _v5_segment_speaker,
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


def connect(path: Path, busy_timeout_s: float = 10.0) -> sqlite3.Connection:
    """Open (creating or migrating) the session database at ``path``.

    Only damage moves the file: a failed integrity check or a file that is not a (mockcoach)
    database raises ``DatabaseCorrupt``, and a newer schema ``DatabaseTooNew``, after renaming
    the file (and its WAL/SHM) with a timestamp, never writing to it; the next ``connect`` starts
    a new, empty database. A lock held by another program for ``busy_timeout_s`` raises
    ``DatabaseBusy``, a failing disk or permission ``DatabaseIOError``: both leave everything
    where it is.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists() and path.stat().st_size > 0
        header = _header(path) if existed else SQLITE_HEADER
    except OSError as exc:
        raise DatabaseIOError(path, exc.strerror or str(exc)) from exc
    if header != SQLITE_HEADER:
        backup = _move_aside(path, "corrupt")
        raise DatabaseCorrupt(path, backup, "not an SQLite database")
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None,
                           check_same_thread=False)
    try:
        _prepare(conn, path, existed)
    except DatabaseTooNew:
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise _open_error(exc, path) from exc
    return conn


def _header(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER))


def _prepare(conn: sqlite3.Connection, path: Path, existed: bool) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > LATEST_VERSION:
        conn.close()
        raise DatabaseTooNew(path, _move_aside(path, f"v{version}"), version, LATEST_VERSION)
    if existed and path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise _Damaged(str(check))
    conn.execute("PRAGMA journal_mode = WAL")
    # WAL + NORMAL: a committed transaction survives the process being killed (the OS has the
    # pages); only a power cut can lose the last moments, which is the right trade for audio.
    conn.execute("PRAGMA synchronous = NORMAL")
    migrate(conn)


def _open_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """What opening failed with, for a person; damage (only) is moved aside first."""
    if isinstance(exc, _Damaged) or error_kind(exc) == "corrupt":
        backup = _move_aside(path, "corrupt")
        log.error("session database %s is corrupt (%s); moved to %s", path, exc, backup)
        return DatabaseCorrupt(path, backup, str(exc))
    known = usage_error(exc, path)
    if known is not None:
        log.error("session database %s: %s", path, exc)
        return known
    log.error("session database %s could not be opened: %s", path, exc)
    return StoreError(f"The session database {path} could not be opened ({exc}). Nothing "
                      "was moved.")


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Bring the schema up to ``target``; each step is one transaction. Returns the version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        if tables[0]:
            raise _Damaged("tables present but no schema version")
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
