"""A recognised word in audio time, and the text helpers every streaming piece shares."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Word", "join_words", "norm", "norm_words"]


@dataclass(frozen=True)
class Word:
    """A recognised word in audio time. ``text`` keeps Whisper's leading space and punctuation."""

    text: str
    start_s: float
    end_s: float
    probability: float = 1.0

    @property
    def mid_s(self) -> float:
        """The word's middle: steadier across decodes than either edge (edges jitter by
        ±0.1–0.2 s from one decode to the next, the middle much less)."""
        return (self.start_s + self.end_s) / 2


def norm(text: str) -> str:
    """Lower case, no punctuation: the form two decodes of the same word agree on."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).strip()


def norm_words(words: Sequence[Word]) -> list[str]:
    return [norm(w.text) for w in words]


def join_words(words: Sequence[Word]) -> str:
    return "".join(w.text for w in words).strip()
