"""Helpers for benchmarks/stream.py: clocks, offline reference pass, latency alignment."""

from __future__ import annotations

import difflib
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from audio.events import TranscriptEvent
from audio.metrics import normalize_words


class VirtualClock:
    """Real time simulated on one worker: the clock advances with the audio, and with the
    compute time the transcriber spends (measured), whichever is later. Lets an hour of "live"
    audio run in the time the computation takes, with the latencies a live run would see."""

    def __init__(self, cpu: bool = False) -> None:
        self.now_s = 0.0
        self._busy_since: float | None = None
        # cpu=True: compute time is the process's CPU time, not wall time, so other programs
        # competing for the cores do not count (pessimistic for >1 thread: no parallel speed-up).
        self._timer = time.process_time if cpu else time.perf_counter

    def __call__(self) -> float:
        if self._busy_since is None:
            return self.now_s
        return self.now_s + self._timer() - self._busy_since

    def arrive(self, audio_end_s: float) -> None:
        self.now_s = max(self.now_s, audio_end_s)
        self._busy_since = self._timer()

    def done(self) -> None:
        assert self._busy_since is not None
        self.now_s += self._timer() - self._busy_since
        self._busy_since = None


@dataclass(frozen=True)
class TimedToken:
    token: str
    start_s: float
    end_s: float


def offline_tokens(
    model: object, audio: np.ndarray, beam_size: int = 5
) -> tuple[str, list[TimedToken]]:
    """Whole-file transcript and word timings from the stock (non-streaming) decoder."""
    segments, _ = model.transcribe(  # type: ignore[attr-defined]
        audio, language="en", beam_size=beam_size, word_timestamps=True
    )
    text_parts: list[str] = []
    tokens: list[TimedToken] = []
    for seg in segments:
        text_parts.append(seg.text)
        for w in seg.words or ():
            for tok in normalize_words(w.word):
                tokens.append(TimedToken(tok, float(w.start), float(w.end)))
    return " ".join(t.strip() for t in text_parts), tokens


def event_tokens(ev: TranscriptEvent) -> list[str]:
    return normalize_words(ev.text)


def final_latencies(
    events: Sequence[TranscriptEvent], reference: Sequence[TimedToken]
) -> list[tuple[TimedToken, float]]:
    """(reference token, emit − word end) for every final word matched to the offline pass."""
    finals = [(tok, ev.emitted_s) for ev in events if ev.final for tok in event_tokens(ev)]
    matcher = difflib.SequenceMatcher(
        a=[t for t, _ in finals], b=[r.token for r in reference], autojunk=False
    )
    pairs = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            ref = reference[block.b + k]
            pairs.append((ref, finals[block.a + k][1] - ref.end_s))
    return pairs


def first_seen_latencies(
    events: Sequence[TranscriptEvent], reference: Sequence[TimedToken], slack_s: float = 0.6
) -> list[float]:
    """Emit − word end of the first event (partial or final) showing each offline word."""
    out = []
    ordered = sorted(events, key=lambda e: e.emitted_s)
    for ref in reference:
        for ev in ordered:
            near = ev.start_s - slack_s <= ref.end_s and ref.start_s <= ev.end_s + slack_s
            if near and ref.token in event_tokens(ev):
                out.append(ev.emitted_s - ref.end_s)
                break
    return out


def pct(values: Iterable[float], q: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    return float(np.percentile(np.asarray(data), q))


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
