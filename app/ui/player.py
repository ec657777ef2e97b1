"""Play a session's recording from any moment (sounddevice output on a worker thread).

The worker reads the file block by block and writes to a blocking output stream, so memory stays
flat for an hour of audio and the GUI thread only ever sets flags. No output device is a message,
not a crash.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)

BLOCK_S = 0.1


class AudioPlayer(QObject):
    """``play(from_s)``, ``pause()``, ``position_s``; ``state_changed(bool playing)``."""

    state_changed = Signal(bool)
    position_changed = Signal(float)
    failed = Signal(str)
    _finished = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path: Path | None = None
        self._duration_s = 0.0
        self._rate = 16000
        self._position_s = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(lambda: self.position_changed.emit(self._position_s))
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def load(self, path: Path | None) -> str | None:
        """Open a recording; returns a message when it cannot be played."""
        self.stop()
        self._path, self._duration_s, self._position_s = None, 0.0, 0.0
        if path is None:
            return "This session has no recording."
        try:
            import soundfile

            info = soundfile.info(str(path))
        except Exception as exc:
            log.warning("cannot open %s: %s", path, exc)
            return f"The recording cannot be read ({exc})."
        self._path = Path(path)
        self._rate = int(info.samplerate)
        self._duration_s = float(info.frames) / max(info.samplerate, 1)
        return None

    @property
    def duration_s(self) -> float:
        return self._duration_s

    @property
    def position_s(self) -> float:
        return self._position_s

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self, from_s: float | None = None) -> None:
        if self._path is None:
            self.failed.emit("This session has no recording to play.")
            return
        self.stop()
        if from_s is not None:
            self._position_s = min(max(from_s, 0.0), self._duration_s)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(self._path, self._position_s),
                                        name="mockcoach-player", daemon=False)
        self._thread.start()
        self._timer.start()
        self.state_changed.emit(True)

    def pause(self) -> None:
        self.stop()

    def seek(self, t_s: float) -> None:
        if self.playing:
            self.play(t_s)
        else:
            self._position_s = min(max(t_s, 0.0), self._duration_s)
            self.position_changed.emit(self._position_s)

    def stop(self) -> None:
        """Stop playback and join the worker (it notices within one block)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)
        self._thread = None
        self._timer.stop()

    def _run(self, path: Path, from_s: float) -> None:
        message = ""
        try:
            import sounddevice
            import soundfile

            with soundfile.SoundFile(str(path)) as audio:
                audio.seek(int(from_s * audio.samplerate))
                block = int(BLOCK_S * audio.samplerate)
                with sounddevice.OutputStream(samplerate=audio.samplerate,
                                              channels=audio.channels, dtype="float32") as out:
                    position = from_s
                    while not self._stop.is_set():
                        data: Any = audio.read(block, dtype="float32", always_2d=True)
                        if len(data) == 0:
                            break
                        out.write(data)
                        position += len(data) / audio.samplerate
                        self._position_s = position
        except Exception as exc:
            log.warning("playback failed: %s", exc)
            text = str(exc)
            if "device" in text.lower() or type(exc).__name__ == "PortAudioError":
                message = ("No sound output device is available, so the recording cannot be "
                           "played here. Export the session or plug in headphones.")
            else:
                message = f"Playback stopped: {text}"
        self._finished.emit(message)

    @Slot(str)
    def _on_finished(self, message: str) -> None:
        self._timer.stop()
        if self._thread is not None and not self._thread.is_alive():
            self._thread = None
        self.position_changed.emit(self._position_s)
        self.state_changed.emit(False)
        if message:
            self.failed.emit(message)
