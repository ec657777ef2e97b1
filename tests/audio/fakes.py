"""A scripted stand-in for faster-whisper and Silero: the streaming core's unit tests run in
milliseconds, with no model load and no private fields.

The "recording" is loud where the script says a word is spoken and near silent elsewhere.
``FakeVad`` calls a window speech when it is loud. ``ScriptedModel`` finds where the audio it
is given starts in the recording (every sample value is unique) and "hears" the
scripted words whose middle lies inside it, with times relative to the audio, as Whisper does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from audio.events import SAMPLE_RATE, AudioFrame
from audio.vad import WINDOW_SAMPLES


@dataclass(frozen=True)
class Spoken:
    text: str
    start_s: float
    end_s: float


def script(
    text: str, start_s: float = 0.5, word_s: float = 0.3, gap_s: float = 0.0
) -> list[Spoken]:
    """Words said back to back from ``start_s``; "|" in ``text`` is a 1.5 s pause."""
    out: list[Spoken] = []
    t = start_s
    for token in text.split():
        if token == "|":
            t += 1.5
            continue
        out.append(Spoken(token, t, t + word_s))
        t += word_s + gap_s
    return out


def recording(words: list[Spoken], tail_s: float = 1.5) -> np.ndarray:
    end = (max(w.end_s for w in words) if words else 0.0) + tail_s
    n = int(end * SAMPLE_RATE)
    ramp = np.arange(n, dtype=np.float64) / n  # every sample value unique: positions findable
    audio = ramp * 0.001
    for w in words:
        lo, hi = int(w.start_s * SAMPLE_RATE), int(w.end_s * SAMPLE_RATE)
        audio[lo:hi] = 0.5 + 0.4 * ramp[lo:hi]
    return audio.astype(np.float32)


def frames_of(samples: np.ndarray, frame_s: float = 0.1) -> Iterator[AudioFrame]:
    step = int(frame_s * SAMPLE_RATE)
    for i in range(0, len(samples), step):
        yield AudioFrame(samples[i : i + step], i / SAMPLE_RATE)


class FakeVad:
    """Speech probability 1 for loud windows, 0 otherwise (same interface as StreamingVad)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._rest = np.zeros(0, np.float32)

    def feed(self, samples: np.ndarray) -> np.ndarray:
        audio = np.concatenate((self._rest, samples))
        count = len(audio) // WINDOW_SAMPLES
        self._rest = audio[count * WINDOW_SAMPLES :]
        windows = audio[: count * WINDOW_SAMPLES].reshape(count, WINDOW_SAMPLES)
        return (np.abs(windows).mean(axis=1) > 0.05).astype(np.float32)


@dataclass
class ScriptedModel:
    """``transcribe`` like faster-whisper's, answering from the script.

    ``rewrite(words, call)`` may change what one call hears (a mishearing, a dropped word).
    ``calls`` records every call's keyword options and audio length; ``unsure`` words come
    with a low probability.
    """

    words: list[Spoken]
    audio: np.ndarray
    rewrite: Callable[[list[Spoken], int], list[Spoken]] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    unsure: frozenset[str] = frozenset()
    """Words heard with probability 0.05 in every decode (a voice Whisper is never sure of)."""

    def __post_init__(self) -> None:
        self._index = {float(v): i for i, v in enumerate(self.audio)}

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], Any]:
        self.calls.append({**options, "audio_s": len(audio) / SAMPLE_RATE})
        heard: list[Spoken] = []
        for at_s, start, end in self._pieces(audio):
            heard += [
                Spoken(w.text, w.start_s - start + at_s, w.end_s - start + at_s)
                for w in self.words
                if start <= (w.start_s + w.end_s) / 2 and w.end_s <= end
            ]
        if self.rewrite is not None:
            heard = self.rewrite(heard, len(self.calls) - 1)
        if not heard:
            return iter([]), SimpleNamespace()
        words = [
            SimpleNamespace(word=" " + w.text, start=max(0.0, w.start_s), end=w.end_s,
                            probability=0.05 if w.text in self.unsure else 0.9)
            for w in heard
        ]
        segment = SimpleNamespace(
            text=" " + " ".join(w.text for w in heard),
            words=words,
            no_speech_prob=0.01,
            avg_logprob=-0.2,
            compression_ratio=1.2,
            start=words[0].start,
            end=words[-1].end,
        )
        return iter([segment]), SimpleNamespace()

    def _pieces(self, audio: np.ndarray) -> list[tuple[float, float, float]]:
        """(seconds into ``audio``, start, end in the recording) of each stretch of the
        recording in ``audio``: one for a window of the stream, several for the refine pass's
        utterances joined with silence between them (samples found nowhere are that silence)."""
        first = self._index.get(float(audio[0]), -1) if len(audio) else -1
        if first >= 0 and np.array_equal(self.audio[first : first + len(audio)], audio):
            return [(0.0, first / SAMPLE_RATE, (first + len(audio)) / SAMPLE_RATE)]
        pieces: list[tuple[float, float, float]] = []
        k = 0
        while k < len(audio):
            at = self._index.get(float(audio[k]), -1)
            if at <= 0:  # silence put between two utterances
                k += 1
                continue
            n = 1
            while k + n < len(audio) and self._index.get(float(audio[k + n]), -1) == at + n:
                n += 1
            pieces.append((k / SAMPLE_RATE, at / SAMPLE_RATE, (at + n) / SAMPLE_RATE))
            k += n
        return pieces


class StepClock:
    """A clock the test moves: ``emitted_s`` and lag without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
