"""Scoring shared by the OCR benchmark and the capture tests: CER and requirement matching."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

COMPATIBLE = {("scale", "non_functional"), ("non_functional", "scale")}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def word_match(truth: str, found: str) -> float:
    """Share of words in common (Dice over word multisets): 1.0 identical, 0.8 the threshold."""
    a, b = Counter(words(truth)), Counter(words(found))
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalise_for_cer(text: str) -> str:
    """Compare what was read, not layout: one space between words, no bullet glyphs."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-•*+·«©¢]|e(?=\s)|#+\s*-?)\s*", "", line)
        if line.strip():
            lines.append(" ".join(line.split()))
    return "\n".join(lines)


def normalise_strict(text: str) -> str:
    """Layout only: one space between words, no blank lines, no "# " comment marks, and every
    list marker ("-", "*", "•") written "•". A letter where a bullet was ("e", "¢") counts."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*#+\s+", "", line)
        line = re.sub(r"^\s*[-*•]\s+", "• ", line)
        if line.strip():
            lines.append(" ".join(line.split()))
    return "\n".join(lines)


def strict_cer(truth: str, found: str) -> float:
    """CER that sees bullets read as letters (``cer`` forgives them, as the parser does)."""
    t, f = normalise_strict(truth), normalise_strict(found)
    return levenshtein(t, f) / max(1, len(t))


def cer(truth: str, found: str) -> float:
    t, f = normalise_for_cer(truth), normalise_for_cer(found)
    return levenshtein(t, f) / max(1, len(t))


@dataclass(frozen=True)
class MatchScore:
    truth: int
    found: int
    matched: int
    kind_ok: int
    kind_ok_compatible: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_requirements(
    truth: Sequence[tuple[str, str]], found: Sequence[tuple[str, str]], threshold: float = 0.8
) -> MatchScore:
    """Greedy one-to-one matching of (text, kind) pairs by word overlap ≥ ``threshold``."""
    pairs = sorted(
        ((word_match(t[0], f[0]), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)),
        reverse=True,
    )
    used_t: set[int] = set()
    used_f: set[int] = set()
    kind_ok = compatible = 0
    for score, i, j in pairs:
        if score < threshold or i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        kind_ok += truth[i][1] == found[j][1]
        compatible += truth[i][1] == found[j][1] or (truth[i][1], found[j][1]) in COMPATIBLE
    return MatchScore(len(truth), len(found), len(used_t), kind_ok, compatible)


def truth_requirements(data: dict[str, object]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for kind in ("functional", "non_functional", "out_of_scope"):
        items = data.get(kind, [])
        assert isinstance(items, list)
        out.extend((str(text), kind) for text in items)
    return out
