"""Where mockcoach keeps the user's data. Everything a user owns lives under one directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "mockcoach"


class DataDirError(RuntimeError):
    """The data directory cannot be created or written."""


def data_dir() -> Path:
    """The user's data directory (``MOCKCOACH_HOME`` wins), created user-only on first use."""
    override = os.environ.get("MOCKCOACH_HOME")
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME))
    return _ensure_private_dir(path)


def sessions_dir() -> Path:
    return _ensure_private_dir(data_dir() / "sessions")


def logs_dir() -> Path:
    return _ensure_private_dir(data_dir() / "logs")


def user_frameworks_dir() -> Path:
    """Frameworks a user adds by dropping a TOML file here."""
    return _ensure_private_dir(data_dir() / "frameworks")


def user_prompts_dir() -> Path:
    return _ensure_private_dir(data_dir() / "prompts")


def _ensure_private_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise DataDirError(
            f"Cannot create the data directory {path}: {exc.strerror}. "
            "Set MOCKCOACH_HOME to a folder you can write to."
        ) from exc
    if not os.access(path, os.W_OK):
        raise DataDirError(
            f"The data directory {path} is not writable. "
            "Fix its permissions or set MOCKCOACH_HOME to a folder you can write to."
        )
    return path
