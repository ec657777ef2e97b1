"""The session's audio on disk, appended as it arrives, so a crash loses at most a second.

A plain 16 kHz mono 16-bit WAV: the header's two size fields are rewritten at every flush (at
least once a second), and :func:`repair_wav` fixes them from the file size after a crash, so the
file always opens in any player. Re-opening an existing recording appends to it.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from audio.events import SAMPLE_RATE, AudioFrame

__all__ = ["Recorder", "RecorderError", "repair_wav"]

log = logging.getLogger(__name__)

_HEADER_BYTES = 44
_BYTES_PER_SAMPLE = 2


class RecorderError(Exception):
    """The recording cannot be written (disk full, no permission, not our WAV format)."""


def _header(data_bytes: int) -> bytes:
    return b"".join(
        (
            b"RIFF",
            struct.pack("<I", 36 + data_bytes),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16),
            b"data",
            struct.pack("<I", data_bytes),
        )
    )


def repair_wav(path: str | os.PathLike[str]) -> float:
    """Make a WAV written by :class:`Recorder` consistent after a crash; returns its duration (s).

    The sizes in the header are set from the bytes actually on disk (a half-written last sample
    is cut), so players and ``soundfile`` read everything that reached the disk.
    """
    path = Path(path)
    with path.open("r+b") as fh:
        head = fh.read(_HEADER_BYTES)
        if len(head) < _HEADER_BYTES or head[:4] != b"RIFF" or head[8:16] != b"WAVEfmt ":
            raise RecorderError(f"{path} is not a recording made by mockcoach (not a PCM WAV).")
        (channels,) = struct.unpack("<H", head[22:24])
        (rate,) = struct.unpack("<I", head[24:28])
        (bits,) = struct.unpack("<H", head[34:36])
        if (channels, rate, bits) != (1, SAMPLE_RATE, 16) or head[36:40] != b"data":
            raise RecorderError(f"{path} is not a 16 kHz mono 16-bit WAV written by mockcoach.")
        size = fh.seek(0, os.SEEK_END)
        data_bytes = size - _HEADER_BYTES
        data_bytes -= data_bytes % _BYTES_PER_SAMPLE
        fh.truncate(_HEADER_BYTES + data_bytes)
        fh.seek(0)
        fh.write(_header(data_bytes))
    return data_bytes / _BYTES_PER_SAMPLE / SAMPLE_RATE


class Recorder:
    """Appends frames to a 16 kHz mono WAV and makes them durable at least every ``flush_s``.

    An existing recording is repaired and continued (``append=True``, e.g. resuming after a
    crash) or replaced (``append=False``).

    Thread-safe (a lock around each write), so the runner may write from its audio thread and
    close from another.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        flush_s: float = 1.0,
        append: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in (".wav", ".wave"):
            raise RecorderError(f"Recordings are WAV files; {self.path} should end in .wav.")
        self.flush_s = flush_s
        self._clock = clock
        self._lock = threading.Lock()
        self._fh: BinaryIO | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if append and self.path.exists() and self.path.stat().st_size >= _HEADER_BYTES:
                repair_wav(self.path)
                self._fh = self.path.open("r+b")
                self._data_bytes = self._fh.seek(0, os.SEEK_END) - _HEADER_BYTES
            else:
                self._fh = self.path.open("w+b")
                self._fh.write(_header(0))
                self._data_bytes = 0
                self._sync()
        except OSError as exc:
            raise RecorderError(f"Cannot write the recording {self.path}: {exc.strerror}.") from exc
        self._last_flush = self._clock()
        self._unflushed_samples = 0

    @property
    def duration_s(self) -> float:
        return self._data_bytes / _BYTES_PER_SAMPLE / SAMPLE_RATE

    @property
    def closed(self) -> bool:
        return self._fh is None

    def write(self, frame: AudioFrame | np.ndarray) -> None:
        samples = frame.samples if isinstance(frame, AudioFrame) else frame
        pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
        with self._lock:
            if self._fh is None:
                raise RecorderError(f"The recording {self.path} is already closed.")
            try:
                self._fh.write(pcm)
            except OSError as exc:
                raise RecorderError(
                    f"Cannot write the recording {self.path}: {exc.strerror}. "
                    "Free some disk space; what was written so far is kept."
                ) from exc
            self._data_bytes += len(pcm)
            self._unflushed_samples += len(pcm) // _BYTES_PER_SAMPLE
            due_audio = self._unflushed_samples >= self.flush_s * SAMPLE_RATE
            if due_audio or self._clock() - self._last_flush >= self.flush_s:
                self._sync()

    def flush(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._sync()

    def _sync(self) -> None:
        """Header sizes, then data, to the disk. Caller holds the lock."""
        fh = self._fh
        assert fh is not None
        end = fh.tell()
        fh.seek(0)
        fh.write(_header(self._data_bytes))
        fh.seek(end)
        fh.flush()
        try:
            os.fsync(fh.fileno())
        except OSError:
            log.debug("fsync failed for %s", self.path, exc_info=True)
        self._last_flush = self._clock()
        self._unflushed_samples = 0

    def close(self) -> None:
        with self._lock:
            if self._fh is None:
                return
            try:
                self._sync()
            finally:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
