"""A busy database is not a corrupt one: real SQLite locks and recording locks held by another
process (as a backup tool, an SQLite browser or a second mockcoach would), and a real I/O error.
(An exclusive lock can only be taken while no one else has the database open: in WAL mode a
store that is already open keeps reading while another program writes, and waits to write.)

Each case checks the message a person gets and that nothing was moved or lost: once the other
program lets go, every session is still there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import (
    DatabaseBusy,
    DatabaseIOError,
    SessionBeingRecorded,
    SessionStore,
)

REPO = Path(__file__).resolve().parents[2]
SHORT_WAIT_S = 0.2  # how long the store waits for a lock here (the app waits 10 s)

HOLDER = r"""
import sqlite3, sys
from pathlib import Path
from app.store.locks import hold_recording_lock
path, how = sys.argv[1], sys.argv[2]
if how == "recording":
    fd = hold_recording_lock(Path(path))
    assert fd is not None
else:
    conn = sqlite3.connect(path, isolation_level=None)
    if how == "exclusive":  # no reader gets in: a backup tool, a migration in rollback mode
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
    else:  # "write": readers go on in WAL mode, writers wait
        conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE sessions SET notes = 'held' WHERE 0")
print("holding", flush=True)
sys.stdin.readline()
"""


class Holder:
    """Another process holding a lock until ``release()``."""

    def __init__(self, target: Path, how: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(target), how], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the lock is held (or the holder died)
        assert line.strip() == "holding", f"the lock holder did not start (rc {self.proc.poll()})"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
        self.proc.wait(timeout=30)


@pytest.fixture()
def saved(tmp_path: Path) -> Iterator[Path]:
    """A database with two sessions, closed."""
    path = tmp_path / "sessions.db"
    with SessionStore(path) as store:
        store.create_session(title="first mock")
        store.create_session(title="second mock")
    yield path


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _titles(path: Path) -> list[str]:
    with SessionStore(path) as store:
        return sorted(s.title for s in store.list_sessions())


def test_a_database_another_program_holds_is_busy_and_nothing_is_moved(saved: Path) -> None:
    holder = Holder(saved, "exclusive")
    before = _files(saved.parent)
    try:
        with pytest.raises(DatabaseBusy) as info:
            SessionStore(saved, busy_timeout_s=SHORT_WAIT_S)
        assert "Another program is using the session database" in str(info.value)
        assert "Nothing was changed or moved" in str(info.value)
        assert _files(saved.parent) == before  # no "corrupt" copy, no new empty database
    finally:
        holder.release()
    assert _titles(saved) == ["first mock", "second mock"]


def test_another_writer_lets_reads_through_and_makes_writes_wait(saved: Path) -> None:
    store = SessionStore(saved, busy_timeout_s=SHORT_WAIT_S)
    holder = Holder(saved, "write")
    try:
        assert len(store.list_sessions()) == 2  # WAL: the library stays readable
        started = time.monotonic()
        with pytest.raises(DatabaseBusy):
            store.create_session(title="third mock")
        assert time.monotonic() - started >= SHORT_WAIT_S * 0.9  # it waited for the lock first
        with pytest.raises(DatabaseBusy):
            store.rename_session(1, "renamed")
    finally:
        holder.release()
    store.create_session(title="third mock")
    store.rename_session(1, "renamed")
    assert sorted(s.title for s in store.list_sessions()) == [
        "renamed", "second mock", "third mock"]
    store.close()


def test_an_unopenable_database_is_an_io_error_and_nothing_is_moved(saved: Path) -> None:
    wal = saved.with_name(saved.name + "-wal")
    wal.mkdir()  # SQLite cannot open the journal: "unable to open database file"
    before = _files(saved.parent)
    with pytest.raises(DatabaseIOError) as info:
        SessionStore(saved, busy_timeout_s=SHORT_WAIT_S)
    assert "cannot be read or written" in str(info.value)
    assert _files(saved.parent) == before
    wal.rmdir()
    assert _titles(saved) == ["first mock", "second mock"]


def test_a_session_recorded_by_another_process_cannot_be_deleted(saved: Path) -> None:
    store = SessionStore(saved)
    sid = store.list_sessions()[0].id
    folder = store.session_dir(sid)
    (folder / "audio.wav").write_bytes(b"RIFF")
    holder = Holder(folder, "recording")
    try:
        with pytest.raises(SessionBeingRecorded, match="being recorded right now"):
            store.delete_session(sid)
        assert (folder / "audio.wav").exists() and store.get_session(sid)
    finally:
        holder.release()
    store.delete_session(sid)  # the recording stopped: now it goes
    assert not folder.exists()
    store.close()


@pytest.mark.slow
def test_sessions_list_names_the_other_program_and_keeps_the_history(
    private_home: Path,
) -> None:
    """The reported bug, as a user meets it: `mockcoach sessions list` while another program
    holds the database for longer than the store waits (10 s)."""
    with SessionStore() as store:  # MOCKCOACH_HOME's database, as the command opens it
        store.create_session(title="my history")
        path = store.path
    holder = Holder(path, "exclusive")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", "sessions", "list"], cwd=REPO, capture_output=True,
            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    finally:
        holder.release()
    assert done.returncode == 1
    assert "Another program is using the session database" in done.stderr
    assert "damaged" not in done.stderr
    assert not [p for p in path.parent.iterdir() if "corrupt" in p.name]
    with SessionStore() as store:
        assert [s.title for s in store.list_sessions()] == ["my history"]

