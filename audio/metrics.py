"""Word error rate with a light English normaliser, shared by tests, self-test and benchmarks.

Case, punctuation and hyphens are ignored and small numbers are spelled out ("42" → "forty two",
"15th" → "fifteenth"), so that the figure counts recognition errors, not formatting choices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth", "twenty": "twentieth", "thirty": "thirtieth",
    "forty": "fortieth", "fifty": "fiftieth", "sixty": "sixtieth", "seventy": "seventieth",
    "eighty": "eightieth", "ninety": "ninetieth", "hundred": "hundredth",
}  # fmt: skip


def _spell(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return [_ONES[hundreds], "hundred"] + (_spell(rest) if rest else [])
    thousands, rest = divmod(n, 1000)
    return [*_spell(thousands), "thousand"] + (_spell(rest) if rest else [])


def _number_words(token: str) -> list[str]:
    match = re.fullmatch(r"(\d{1,6})(st|nd|rd|th)?", token)
    if not match:
        return [token]
    words = _spell(int(match.group(1)))
    if match.group(2):
        last = words[-1]
        words[-1] = _ORDINAL.get(last, last + "th")
    return words


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation, numbers spelled out."""
    text = text.lower().replace("-", " ").replace("%", " percent")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words: list[str] = []
    for token in text.split():
        token = token.strip("'")
        if token:
            words.extend(_number_words(token))
    return words


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
            )
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class ErrorCounts:
    """Word errors by kind: a deleted word is a lost word, a substitution a misheard one."""

    substitutions: int
    deletions: int
    insertions: int
    words: int
    """Reference words."""

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.words + other.words,
        )


def error_counts(reference: str, hypothesis: str) -> ErrorCounts:
    """Substitutions, deletions and insertions of a minimum edit alignment, after normalising."""
    ref = normalize_words(reference)
    hyp = normalize_words(hypothesis)
    # cost[i][j] = (errors, deletions, insertions) aligning ref[:i] with hyp[:j]
    prev = [(j, 0, j) for j in range(len(hyp) + 1)]
    for i, ref_word in enumerate(ref, 1):
        cur = [(i, i, 0)]
        for j, hyp_word in enumerate(hyp, 1):
            sub = prev[j - 1]
            sub = (sub[0] + (ref_word != hyp_word), sub[1], sub[2])
            dele = (prev[j][0] + 1, prev[j][1] + 1, prev[j][2])
            ins = (cur[j - 1][0] + 1, cur[j - 1][1], cur[j - 1][2] + 1)
            cur.append(min(sub, dele, ins))
        prev = cur
    errors, deletions, insertions = prev[-1]
    return ErrorCounts(errors - deletions - insertions, deletions, insertions, len(ref))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Errors (substitutions + deletions + insertions) per reference word, after normalising."""
    ref = normalize_words(reference)
    hyp = normalize_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
