"""Streaming voice activity detection with the Silero model that ships inside faster-whisper.

faster-whisper only offers whole-array VAD; a live stream needs the model's recurrent state
carried from one block to the next, so each 32 ms window is scored exactly once, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from audio.events import SAMPLE_RATE

WINDOW_SAMPLES = 512
WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE
_CONTEXT_SAMPLES = 64


def _silero_session() -> Any:
    from faster_whisper.vad import get_vad_model

    return get_vad_model().session


class SpeechScorer(Protocol):
    """What the transcriber needs from a VAD: a speech probability per 32 ms window, in order."""

    def feed(self, samples: np.ndarray) -> np.ndarray: ...

    def reset(self) -> None: ...


class StreamingVad:
    """Speech probabilities for consecutive 32 ms windows of a 16 kHz stream."""

    def __init__(self, session: Any | None = None) -> None:
        self._session = session if session is not None else _silero_session()
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far (after a gap in the audio)."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT_SAMPLES, dtype=np.float32)
        self._rest = np.zeros(0, dtype=np.float32)
        self.windows_done = 0

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Probabilities for every window completed by ``samples`` (the remainder waits)."""
        audio = np.concatenate((self._rest, samples.astype(np.float32, copy=False)))
        count = len(audio) // WINDOW_SAMPLES
        self._rest = audio[count * WINDOW_SAMPLES :].copy()
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        windows = audio[: count * WINDOW_SAMPLES].reshape(count, WINDOW_SAMPLES)
        contexts = np.concatenate((self._context[None, :], windows[:-1, -_CONTEXT_SAMPLES:]))
        batch = np.ascontiguousarray(np.concatenate((contexts, windows), axis=1))
        inputs = {"input": batch, "h": self._h, "c": self._c}
        out, self._h, self._c = self._session.run(None, inputs)
        self._context = windows[-1, -_CONTEXT_SAMPLES:].copy()
        self.windows_done += count
        return np.asarray(out, dtype=np.float32).reshape(-1)


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5
    """A window at or above this probability is speech."""
    neg_threshold: float = 0.35
    """Below this it is silence; in between keeps the current state (hysteresis)."""
    min_silence_s: float = 0.5
    """A pause this long ends an utterance (finalises its words)."""
    min_speech_s: float = 0.25
    """Utterances with less speech than this (clicks, coughs) are dropped without decoding."""
    pad_s: float = 0.5
    """Audio kept before the first speech window and after the last one."""
