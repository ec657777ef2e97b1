"""The two values that flow out of ``audio``: frames of sound and pieces of transcript.

Frozen dataclasses with the unit in every name, so that the runner, the recorder and the tracker
can pass them across threads without copying or guessing whether a number is seconds or samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
"""Every frame leaving a source is 16 kHz mono float32: the rate Whisper and Silero expect."""


@dataclass(frozen=True)
class AudioFrame:
    """A block of 16 kHz mono float32 samples in [-1, 1].

    ``start_s`` is audio time since the start of the stream (sample count, not wall clock), so a
    frame's place in the recording never drifts, whatever the scheduling.
    """

    samples: np.ndarray
    start_s: float

    @property
    def duration_s(self) -> float:
        return float(len(self.samples)) / SAMPLE_RATE

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class TranscriptEvent:
    """A piece of transcript leaving the streaming transcriber.

    ``final=False`` (a *partial*): the current guess for everything said after the last final; the
    next partial or final replaces it. ``final=True``: committed words; finals are ordered, never
    repeat and never overlap earlier finals. ``start_s``/``end_s`` are audio time; ``emitted_s`` is
    when the event left the pipeline, in seconds since the start of the stream.
    """

    text: str
    start_s: float
    end_s: float
    final: bool
    emitted_s: float
