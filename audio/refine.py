"""The refine pass: each closed utterance decoded again, whole, with context and beam search.

The live path commits words about a second after they are spoken, from short greedy decodes of
a 6 s window. Once an utterance is closed (the speech gate closed, or ~12 s of talk reached a
sentence end) its whole audio is decoded once more with the committed text before it as the
prompt and beam search: offline-grade text, as one line, a few seconds later. The result is a
``revised`` :class:`TranscriptEvent`; it replaces every earlier final whose midpoint lies in
``[start_s, end_s)``.

Thread-free like the rest of ``audio``: :class:`RefineQueue` is the scheduling policy (live
first: deferred while the live path lags, the oldest skipped when too many wait, all caught up
at the end) and :class:`Refiner` does one decode. The app runs them on a low-priority worker.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from audio.events import SAMPLE_RATE, TranscriptEvent
from audio.guards import SegmentScores, collapse_loops, drop_repeated_phrase, is_phantom
from audio.words import Word, join_words, norm, norm_words

__all__ = [
    "ClosedUtterance",
    "RefineConfig",
    "RefineQueue",
    "Refiner",
    "apply_revision",
    "strip_prompt_echo",
]


@dataclass(frozen=True)
class ClosedUtterance:
    """An utterance the live path is done with: its audio [start_s, end_s) and the committed
    text before it (the prompt). ``closed_at_s`` is on the stream's clock, like ``emitted_s``."""

    start_s: float
    end_s: float
    audio: np.ndarray
    prompt: str | None
    closed_at_s: float


@dataclass(frozen=True)
class RefineConfig:
    beam_size: int = 5
    language: str = "en"
    prompt_words: int = 40
    """Committed words before the utterance given as the prompt (Whisper reads up to ~220)."""
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    max_tokens_per_s: float = 8.0
    max_pending: int = 16
    """Utterances waiting; past this the oldest is skipped (its live text stands)."""
    defer_above_lag_s: float = 1.0
    """While the live path is this far behind, no refine decode starts (live first)."""


class Refiner:
    """One utterance → one revised event. ``model`` is faster-whisper's (or a scripted fake)."""

    def __init__(
        self, model: Any, *, glossary: str | None = None, config: RefineConfig | None = None
    ) -> None:
        self.model = model
        self.glossary = glossary.strip() if glossary else None
        self.config = config or RefineConfig()
        self.decodes = 0
        self.phantoms = 0

    def prompt(self, utterance: ClosedUtterance) -> str | None:
        """The glossary, then the committed text before the utterance. (The refined text of
        the utterances before, tried instead, did worse on the spoken mock: 62 vs 55 errors.)"""
        parts = [self.glossary] if self.glossary else []
        if utterance.prompt and self.config.prompt_words > 0:
            parts.append(" ".join(utterance.prompt.split()[-self.config.prompt_words :]))
        return " ".join(parts) or None

    def text(self, utterance: ClosedUtterance) -> str:
        """The utterance's words from one beam-search pass (phantoms and loops removed: Whisper
        may read a whole sentence twice, "And so my fellow Americans. And so my fellow
        Americans.", so a phrase of 3+ words may not repeat in a row here)."""
        cfg = self.config
        duration = len(utterance.audio) / SAMPLE_RATE
        self.decodes += 1
        segments, _info = self.model.transcribe(
            np.asarray(utterance.audio, dtype=np.float32),
            language=cfg.language,
            beam_size=cfg.beam_size,
            temperature=0.0,
            word_timestamps=False,
            condition_on_previous_text=False,
            initial_prompt=self.prompt(utterance),
            vad_filter=False,
            no_speech_threshold=cfg.no_speech_threshold,
            log_prob_threshold=cfg.log_prob_threshold,
            compression_ratio_threshold=cfg.compression_ratio_threshold,
            max_new_tokens=int(10 + cfg.max_tokens_per_s * duration),
        )
        parts: list[str] = []
        for seg in segments:
            scores = SegmentScores(str(seg.text), float(seg.no_speech_prob), float(seg.avg_logprob))
            if is_phantom(
                scores,
                short_speech=duration < 1.0,
                no_speech_threshold=cfg.no_speech_threshold,
                log_prob_threshold=cfg.log_prob_threshold,
            ):
                self.phantoms += 1
                continue
            parts.append(str(seg.text).strip())
        tokens = [Word(" " + t, 0.0, 0.0) for t in " ".join(parts).split()]
        return join_words(
            strip_prompt_echo(drop_repeated_phrase(collapse_loops(tokens)), utterance.prompt)
        )

    def refine(self, utterance: ClosedUtterance, emitted_s: float) -> TranscriptEvent | None:
        """The revised event, or None when the pass heard nothing (the live text then stands)."""
        text = self.text(utterance)
        if not norm(text):
            return None
        return TranscriptEvent(
            text, utterance.start_s, utterance.end_s, True, emitted_s, revised=True
        )


def strip_prompt_echo(words: list[Word], prompt: str | None, min_words: int = 2) -> list[Word]:
    """Drop a beginning that repeats the end of the prompt: on a short utterance Whisper may
    read the prompt out again ("And so my fellow Americans. And so my fellow Americans. Ask
    not…"). Only an echo of at least ``min_words`` words is taken for one."""
    if not prompt:
        return words
    said = norm_words(words)
    before = [norm(w) for w in prompt.split()]
    before = [w for w in before if w]
    for n in range(min(len(said), len(before)), min_words - 1, -1):
        if said[:n] == before[-n:]:
            return words[n:]
    return words


class RefineQueue:
    """Which utterance to refine next, live path first. Thread-free: the caller locks if shared."""

    def __init__(self, config: RefineConfig | None = None) -> None:
        self.config = config or RefineConfig()
        self._waiting: deque[ClosedUtterance] = deque()
        self.skipped = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def push(self, utterance: ClosedUtterance) -> None:
        self._waiting.append(utterance)
        while len(self._waiting) > self.config.max_pending:
            self._waiting.popleft()
            self.skipped += 1

    def next(
        self, *, live_lag_s: float = 0.0, live_degraded: bool = False
    ) -> ClosedUtterance | None:
        """The oldest waiting utterance, unless the live path is behind (then nothing: defer)."""
        if not self._waiting or live_degraded or live_lag_s > self.config.defer_above_lag_s:
            return None
        return self._waiting.popleft()

    def drain(self) -> list[ClosedUtterance]:
        """Everything still waiting (after Stop: catch up, nothing is live any more)."""
        waiting = list(self._waiting)
        self._waiting.clear()
        return waiting


def apply_revision(
    finals: list[TranscriptEvent], revision: TranscriptEvent
) -> list[TranscriptEvent]:
    """``finals`` with every event whose midpoint lies in [start, end) of ``revision`` replaced
    by the revision (placed where the first replaced one was): the contract of ``revised``."""
    out: list[TranscriptEvent] = []
    placed = False
    for ev in finals:
        mid = (ev.start_s + ev.end_s) / 2
        if revision.start_s <= mid < revision.end_s:
            if not placed:
                out.append(revision)
                placed = True
            continue
        out.append(ev)
    if not placed:
        out.append(revision)
        out.sort(key=lambda e: e.start_s)
    return out
