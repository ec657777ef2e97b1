"""Logging: tracebacks go to a rotating file in the data directory, people see friendly text."""

from __future__ import annotations

import logging
import logging.handlers
import os
import tempfile
from pathlib import Path

from app.paths import DataDirError, logs_dir

LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send log records to ``<data>/logs/mockcoach.log`` (1 MB x 3). Returns the file, if any.

    When the data directory is unusable (the very problem the user must be told about), the
    log goes to the temp folder instead, so tracebacks never spill onto the terminal through
    Python's last-resort handler while the user still reads one clear sentence.
    """
    root = logging.getLogger()
    root.setLevel(level)
    existing = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    if existing:
        return Path(existing[0].baseFilename)
    try:
        path = logs_dir() / "mockcoach.log"
    except DataDirError:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        path = Path(tempfile.gettempdir()) / f"mockcoach-{uid}.log"
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    return path
