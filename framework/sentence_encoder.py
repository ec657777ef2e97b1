"""Sentence embeddings for coverage: how close in meaning the recent words are to a requirement.

Word overlap cannot see "one company must never see another's candidates" in "strict isolation
between customer companies". A sentence encoder trained on paraphrase pairs can: the coverage
scorer (``framework.coverage_model``) takes the cosine between the requirement's text and the
recent words as one more feature. The encoder is anything with ``embed(text) -> unit vector``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float32]  # one unit vector a row


class SentenceEncoder(Protocol):
    """Text in, a unit-length vector out (so a dot product is the cosine)."""

    def embed(self, text: str) -> Vector: ...


def best_cosine(rows: Matrix, vec: Vector) -> float:
    """The highest cosine between ``vec`` and any row (all unit vectors)."""
    return float(np.max(rows @ vec))
