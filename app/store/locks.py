""""This session is being recorded right now": an advisory lock file in the session's folder.

The runner holds it for as long as it records; the operating system releases it when the process
dies, however it dies (``kill -9`` included). So recovery can tell a crashed session from one
still recording in another window or process, and delete can refuse to pull files from under a
live recording. ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows; both conflict between
two handles even inside one process.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILENAME = ".recording.lock"


class AlreadyRecording(RuntimeError):
    pass


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


def hold_recording_lock(folder: Path) -> int | None:
    """Take the lock for ``folder``; returns the descriptor to pass to ``release``.

    Raises ``AlreadyRecording`` when another live recorder holds it; returns None (and logs)
    when the file system cannot lock at all, since recording matters more than the marker."""
    path = folder / LOCK_FILENAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        log.warning("cannot create %s: %s", path, exc)
        return None
    try:
        locked = _try_lock(fd)
    except OSError as exc:
        log.warning("cannot lock %s: %s", path, exc)
        os.close(fd)
        return None
    if not locked:
        os.close(fd)
        raise AlreadyRecording(f"{folder} is being recorded by another mockcoach")
    return fd


def release_recording_lock(fd: int | None) -> None:
    if fd is None:
        return
    _unlock(fd)
    with contextlib.suppress(OSError):
        os.close(fd)


def is_being_recorded(folder: Path) -> bool:
    """True while some live process holds the folder's recording lock."""
    path = folder / LOCK_FILENAME
    if not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        if not _try_lock(fd):
            return True
        _unlock(fd)
        return False
    except OSError:
        return False
    finally:
        os.close(fd)
