"""Learned paraphrase coverage: is a prompt requirement addressed by the recent words?

The rule matcher (``framework.matching``) wants most of a requirement's content words. People
say requirements in their own words ("one company must never see another's candidates" for
"strict isolation between customer companies"), so this scorer looks at how much of the
requirement's *telling* vocabulary is in the recent words: each word weighs by how rare it is in
the labelled corpus (inverse document frequency) and by whether another requirement of the same
prompt shares it. A logistic model over a handful of such overlap figures, trained on the
corpus (each walkthrough's prompt says which requirements it addresses), gives a probability;
the tracker ticks a requirement when the rules fire or the probability passes the threshold
chosen for precision on the development split.

Tried and dropped (development figures, README "Coverage"): the share of the requirement the
candidate had said so far in the mock or in the last few minutes, and the share said within 12
words of each other. Both bought recall only at a precision below the rules' own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FEATURES = ("share", "idf_share", "distinct_share", "numbers", "pairs", "long", "phase_req")


@dataclass(frozen=True)
class RequirementTerms:
    """A requirement's content concepts, their weights, and its numbers."""

    concepts: tuple[str, ...]
    weights: tuple[float, ...]  # idf of each concept
    distinct: frozenset[str]  # concepts no other requirement of the prompt has
    numbers: tuple[str, ...]


def requirement_terms(concepts: Sequence[str], numbers: Sequence[str],
                      others: Sequence[Sequence[str]], idf: Mapping[str, float],
                      default_idf: float) -> RequirementTerms:
    words = tuple(c for c in dict.fromkeys(concepts) if not c.startswith("#"))
    shared: set[str] = set()
    for other in others:
        shared.update(other)
    return RequirementTerms(words, tuple(idf.get(c, default_idf) for c in words),
                            frozenset(c for c in words if c not in shared), tuple(numbers))


def overlap_features(terms: RequirementTerms, window: Sequence[str], phase: str
                     ) -> dict[str, float]:
    """How much of the requirement the window holds (``window``: concept keys in order)."""
    present = set(window)
    n = len(terms.concepts)
    if n == 0:
        return dict.fromkeys(FEATURES, 0.0)
    hit = [c in present for c in terms.concepts]
    total = sum(terms.weights) or 1.0
    distinct = terms.distinct or frozenset(terms.concepts)
    pos = {c: i for i, c in enumerate(window)}
    pairs = list(zip(terms.concepts, terms.concepts[1:], strict=False))
    near = sum(1 for a, b in pairs if a in pos and b in pos and abs(pos[a] - pos[b]) <= 4)
    return {
        "share": sum(hit) / n,
        "idf_share": sum(w for w, h in zip(terms.weights, hit, strict=True) if h) / total,
        "distinct_share": sum(1 for c in distinct if c in present) / len(distinct),
        "numbers": (1.0 if all(x in present for x in terms.numbers) else -1.0)
        if terms.numbers else 0.0,
        "pairs": near / len(pairs) if pairs else 0.0,
        "long": min(n, 8) / 8.0,
        "phase_req": 1.0 if phase == "requirements" else 0.0,
    }


@dataclass(frozen=True)
class CoverageModel:
    weights: Mapping[str, float]
    bias: float
    threshold: float
    idf: Mapping[str, float] = field(default_factory=dict)
    default_idf: float = 5.0

    def probability(self, feats: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {"weights": {k: round(v, 4) for k, v in self.weights.items()},
                "bias": round(self.bias, 4), "threshold": self.threshold,
                "default_idf": round(self.default_idf, 3),
                "idf": {k: round(v, 2) for k, v in sorted(self.idf.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CoverageModel:
        return cls({str(k): float(v) for k, v in data["weights"].items()},
                   float(data["bias"]), float(data["threshold"]),
                   {str(k): float(v) for k, v in data.get("idf", {}).items()},
                   float(data.get("default_idf", 5.0)))
