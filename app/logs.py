"""Logging: tracebacks go to a rotating file in the data directory, people see friendly text."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.paths import DataDirError, logs_dir

LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send log records to ``<data>/logs/mockcoach.log`` (1 MB x 3). Returns the file, if any."""
    root = logging.getLogger()
    root.setLevel(level)
    try:
        path = logs_dir() / "mockcoach.log"
    except DataDirError:
        return None
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    return path
