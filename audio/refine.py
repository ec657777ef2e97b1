"""The refine pass: closed utterances decoded again, together, with context and beam search.

The live path commits words about a second after they are spoken, from short greedy decodes of
a 6 s window. Once an utterance is closed (the speech gate closed, or ~12 s of talk reached a
sentence end) it is decoded once more, offline-grade, and its live text is replaced.

Why spans and not single utterances: decoded alone, a 2–4 s utterance gives Whisper too little
audio to go on. Measured on the same live runs (``live=False``, bundled tiny.en): refining each
utterance alone left the 52 s long read at 5.3 % WER and the spoken mock at 24.3 %, while
decoding consecutive utterances together, about 15 s at a time, gave 3.0 % and 19.4–20.9 %
(offline, 30 s windows: 3.8 % and 22.3 %). So utterances are gathered into a
:class:`RefineSpan` that grows until it holds ``span_s`` of speech; each time an utterance
closes, the span so far is decoded again (the first revision comes within seconds, the later
ones have more context), then a new span starts. The decode carries word timestamps, so its
words go back to the utterance they were said in: one ``revised`` line per utterance, each
replacing every earlier final (or revision) whose midpoint lies in ``[start_s, end_s)``.

Thread-free like the rest of ``audio``: :class:`RefineQueue` is the scheduling policy (live
first: deferred while the live path lags, a waiting span extended instead of queued twice, the
oldest skipped when too many wait, all caught up at the end) and :class:`Refiner` does one
decode. The app runs them on a low-priority worker.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from audio.events import SAMPLE_RATE, TranscriptEvent
from audio.guards import (
    SegmentScores,
    collapse_loops,
    drop_repeated_phrase,
    drop_unaligned,
    is_phantom,
)
from audio.words import Word, join_words, norm, norm_words

__all__ = [
    "ClosedUtterance",
    "RefineConfig",
    "RefineQueue",
    "RefineSpan",
    "Refiner",
    "apply_revision",
    "strip_prompt_echo",
]


@dataclass(frozen=True)
class ClosedUtterance:
    """An utterance the live path is done with: its audio [start_s, end_s) and the committed
    text before it (the prompt). ``closed_at_s`` is on the stream's clock, like ``emitted_s``;
    ``said`` is its live text (a revision that hears far less than that is not taken)."""

    start_s: float
    end_s: float
    audio: np.ndarray
    prompt: str | None
    closed_at_s: float
    said: str = ""

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True)
class RefineSpan:
    """Consecutive closed utterances decoded as one piece of audio (their pauses shortened to
    at most ``gap_s`` of silence), with the committed text before the first as the prompt."""

    utterances: tuple[ClosedUtterance, ...]

    @classmethod
    def of(cls, utterance: ClosedUtterance) -> RefineSpan:
        return cls((utterance,))

    @property
    def start_s(self) -> float:
        return self.utterances[0].start_s

    @property
    def end_s(self) -> float:
        return self.utterances[-1].end_s

    @property
    def prompt(self) -> str | None:
        return self.utterances[0].prompt

    @property
    def speech_s(self) -> float:
        return sum(u.duration_s for u in self.utterances)

    def grown(self, utterance: ClosedUtterance) -> RefineSpan:
        return RefineSpan((*self.utterances, utterance))

    def joined(self, gap_s: float) -> tuple[np.ndarray, list[float]]:
        """The span's audio as one array, and where (seconds into it) each utterance starts.
        A pause is kept up to ``gap_s`` long (silence), so words on both sides stay apart."""
        parts: list[np.ndarray] = []
        starts: list[float] = []
        at = 0
        previous: ClosedUtterance | None = None
        for u in self.utterances:
            if previous is not None:
                pause = min(gap_s, max(0.0, u.start_s - previous.end_s))
                n = round(pause * SAMPLE_RATE)
                if n:
                    parts.append(np.zeros(n, np.float32))
                    at += n
            starts.append(at / SAMPLE_RATE)
            samples = np.asarray(u.audio, dtype=np.float32).reshape(-1)
            parts.append(samples)
            at += len(samples)
            previous = u
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return audio, starts


@dataclass(frozen=True)
class RefineConfig:
    beam_size: int = 5
    language: str = "en"
    prompt_words: int = 40
    """Committed words before the span given as the prompt (Whisper reads up to ~220)."""
    span_s: float = 15.0
    """A span grows until it holds this much speech; the next utterance starts a new one.
    Measured (see the module docstring): 8–12 s gave 3.8–4.5 % on the long read, 15–25 s 3.0 %."""
    gap_s: float = 0.3
    """Longest pause kept between two utterances of a span (0.6 s measured worse)."""
    keep_live_below: float = 0.5
    """An utterance whose revision has fewer than this share of its live words keeps its live
    text: Whisper sometimes skips a sentence of a longer window, which would lose words."""
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    max_tokens_per_s: float = 8.0
    max_pending: int = 16
    """Spans waiting; past this the oldest is skipped (its live text stands)."""
    defer_above_lag_s: float = 1.0
    """While the live path is this far behind, no refine decode starts (live first)."""


class Refiner:
    """One span → its revised lines. ``model`` is faster-whisper's (or a scripted fake)."""

    def __init__(
        self, model: Any, *, glossary: str | None = None, config: RefineConfig | None = None
    ) -> None:
        self.model = model
        self.glossary = glossary.strip() if glossary else None
        self.config = config or RefineConfig()
        self.decodes = 0
        self.phantoms = 0
        self.kept_live = 0

    def prompt(self, span: RefineSpan) -> str | None:
        """The glossary, then the committed text before the span. (The refined text of the
        utterances before, tried instead, did worse on the spoken mock: 62 vs 55 errors.)"""
        parts = [self.glossary] if self.glossary else []
        if span.prompt and self.config.prompt_words > 0:
            parts.append(" ".join(span.prompt.split()[-self.config.prompt_words :]))
        return " ".join(parts) or None

    def words(self, audio: np.ndarray, prompt: str | None, prompt_echo: str | None) -> list[Word]:
        """The words of one beam-search pass, in seconds into ``audio`` (phantoms, unplaced
        words and loops removed: Whisper may read a whole sentence twice, "And so my fellow
        Americans. And so my fellow Americans.", so a phrase of 3+ words may not repeat in a
        row here)."""
        cfg = self.config
        duration = len(audio) / SAMPLE_RATE
        self.decodes += 1
        segments, _info = self.model.transcribe(
            np.asarray(audio, dtype=np.float32),
            language=cfg.language,
            beam_size=cfg.beam_size,
            temperature=0.0,
            word_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=prompt,
            vad_filter=False,
            no_speech_threshold=cfg.no_speech_threshold,
            log_prob_threshold=cfg.log_prob_threshold,
            compression_ratio_threshold=cfg.compression_ratio_threshold,
            max_new_tokens=int(10 + cfg.max_tokens_per_s * duration),
        )
        words: list[Word] = []
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
            for w in seg.words or ():
                text = str(w.word)
                if norm(text):
                    words.append(Word(text, float(w.start), float(w.end), float(w.probability)))
        # Words the aligner could not place (zero length, piled up at the end) are text Whisper
        # invented after the speech: "now Thank you so much for watching, and I'll see you…"
        # closed a 19 s span of a long read, every word of it at 19.02 s.
        kept = drop_unaligned(words)
        return strip_prompt_echo(drop_repeated_phrase(collapse_loops(kept)), prompt_echo)

    def refine(self, span: RefineSpan, emitted_s: float) -> list[TranscriptEvent]:
        """One revised line per utterance of the span, in order. An utterance the pass heard
        (almost) nothing of keeps what it has (no line for it); nothing heard → ``[]``."""
        audio, starts = span.joined(self.config.gap_s)
        heard = self.words(audio, self.prompt(span), span.prompt)
        if not heard:
            return []
        # A word belongs to the utterance its middle is in, a pause split at its middle.
        bounds = [
            (starts[i] + starts[i - 1] + span.utterances[i - 1].duration_s) / 2
            for i in range(1, len(starts))
        ]
        groups: list[list[Word]] = [[] for _ in span.utterances]
        for word in heard:
            groups[bisect.bisect_right(bounds, word.mid_s)].append(word)
        events: list[TranscriptEvent] = []
        for utterance, group in zip(span.utterances, groups, strict=True):
            text = join_words(group)
            heard_words = len(norm(text).split())
            if not heard_words or heard_words < self.config.keep_live_below * len(
                norm(utterance.said).split()
            ):
                self.kept_live += 1
                continue
            events.append(
                TranscriptEvent(
                    text, utterance.start_s, utterance.end_s, True, emitted_s, revised=True
                )
            )
        return events


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
    """Which span to refine next, live path first. Thread-free: the caller locks if shared.

    A closed utterance grows the open span (until it holds ``span_s`` of speech) or starts a
    new one; if the open span is still waiting, the waiting entry is grown in place, so under
    load one longer decode replaces several short ones."""

    def __init__(self, config: RefineConfig | None = None) -> None:
        self.config = config or RefineConfig()
        self._waiting: deque[RefineSpan] = deque()
        self._open: RefineSpan | None = None
        self.skipped = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def push(self, utterance: ClosedUtterance) -> None:
        span = self._open
        if span is not None and span.speech_s < self.config.span_s:
            grown = span.grown(utterance)
            if self._waiting and self._waiting[-1] is span:
                self._waiting[-1] = grown
            else:
                self._waiting.append(grown)
            self._open = grown
        else:
            self._open = RefineSpan.of(utterance)
            self._waiting.append(self._open)
        while len(self._waiting) > self.config.max_pending:
            self._waiting.popleft()
            self.skipped += 1

    def next(self, *, live_lag_s: float = 0.0, live_degraded: bool = False) -> RefineSpan | None:
        """The oldest waiting span, unless the live path is behind (then nothing: defer)."""
        if not self._waiting or live_degraded or live_lag_s > self.config.defer_above_lag_s:
            return None
        return self._waiting.popleft()

    def drain(self) -> list[RefineSpan]:
        """Everything still waiting (after Stop: catch up, nothing is live any more)."""
        waiting = list(self._waiting)
        self._waiting.clear()
        return waiting


def apply_revision(
    finals: list[TranscriptEvent], revision: TranscriptEvent
) -> list[TranscriptEvent]:
    """``finals`` with every event (final or earlier revision) whose midpoint lies in
    [start, end) of ``revision`` replaced by the revision (placed where the first replaced one
    was): the contract of ``revised``."""
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
