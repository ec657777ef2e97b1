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

    ``revised=True`` (always with ``final=True``; only the refine pass, :mod:`audio.refine`, makes
    them): one closed utterance decoded again with full context. It *replaces* every earlier
    final (an earlier revision too) whose midpoint lies in ``[start_s, end_s)``, so a consumer
    that handles finals must check ``revised`` first (or use :attr:`kind`); the streaming
    transcriber never emits one.
    """

    text: str
    start_s: float
    end_s: float
    final: bool
    emitted_s: float
    revised: bool = False

    @property
    def kind(self) -> str:
        """ "partial", "final" or "revised": the ``event`` name in ``transcribe --json``."""
        if self.revised:
            return "revised"
        return "final" if self.final else "partial"

    def replaces(self, other: TranscriptEvent) -> bool:
        """True if this revision replaces the final ``other`` (its midpoint is in [start, end)).
        An earlier revision is replaced too: a stretch is revised again once more of what
        follows it was said (more context)."""
        mid = (other.start_s + other.end_s) / 2
        return self.revised and other.final and (self.start_s <= mid < self.end_s)
