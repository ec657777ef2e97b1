"""Errors a person can act on: each message says what happened and what to do next."""

from __future__ import annotations


class NoMicrophone(Exception):  # the name the UI and runner code against
    """No usable input device (none present, the chosen one is gone, or PortAudio is missing)."""


class DeviceLost(Exception):
    """The input device disappeared or failed in the middle of a stream."""


class AudioFileError(Exception):
    """An audio file is missing, unreadable or not audio."""


class ModelError(Exception):
    """The speech model cannot be found or loaded; the message names the path and the fix."""
