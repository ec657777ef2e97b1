"""Delivery signals for the review: how the candidate spoke, not what they designed.

Hedges against trade-off language per phase, filler words, words per minute over time, long
silences, and an estimation check that re-computes the derived figures (requests per second,
storage) from the quantities the candidate stated and flags those off by more than 2x.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from framework.text import Token, stem
from framework.types import Utterance

LONG_SILENCE_S = 5.0
CHECK_TOLERANCE = 2.0
DEFAULT_ESTIMATION_PHASES = frozenset({"requirements", "estimation"})

HEDGES = ("maybe", "i guess", "kind of", "sort of", "probably", "i think", "perhaps",
          "not sure", "i suppose", "i believe", "might be")
TRADEOFFS = ("trade off", "trade offs", "tradeoff", "tradeoffs", "at the cost of", "instead of",
             "because", "versus", "vs", "on the other hand", "the downside", "the upside",
             "in exchange", "pros and cons", "compared to", "rather than", "alternatively")
FILLERS = ("um", "uh", "umm", "uhm", "erm", "er", "hmm", "you know", "i mean",
           "basically", "literally", "like you know", "so yeah")

_PERIOD_S = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0,
             "week": 7 * 86400.0, "month": 30 * 86400.0, "year": 365 * 86400.0}
_PERIOD_WORDS = {
    "second": "second", "sec": "second", "qps": "second", "rps": "second", "minut": "minute",
    "hour": "hour", "day": "day", "daily": "day", "week": "week", "weekly": "week",
    "month": "month", "monthly": "month", "year": "year", "yearly": "year", "annual": "year",
    "annually": "year",
}


def _words(text: str) -> list[str]:
    return text.split()


_BYTES = {"byte": 1.0, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15}
_NOISE = frozenset(
    stem(w)
    for w in _words(
        "per a an the of on in at to about around roughly approximately average avg total new "
        "each every so which is are and or that we would be with for content data peak means "
        "gives i say let s"
    )
)
_WRITE = frozenset({"writ", "post", "upload", "insert", "creat", "tweet", "past", "transaction",
                    "message", "order", "photo", "video", "event"})
_READ = frozenset({"read", "view", "visit", "fetch", "get", "lookup", "search", "queri"})


def _phrase_re(phrases: Sequence[str]) -> re.Pattern[str]:
    alts = sorted((re.escape(p).replace(r"\ ", r"[\s\-]+") for p in phrases), key=len,
                  reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b")


_HEDGE_RE = _phrase_re(HEDGES)
_TRADE_RE = _phrase_re(TRADEOFFS)
_FILLER_RE = _phrase_re(FILLERS)


@dataclass(frozen=True)
class Quantity:
    """A number the candidate said, with what it counts."""

    at_s: float
    value: float
    text: str
    nouns: frozenset[str]
    period_s: float | None = None  # "per day" -> 86400; "in 3 years" -> 3 years
    bytes_per: float | None = None  # unit multiplier when the number is a size
    per_user: bool = False
    phase: str = ""

    @property
    def is_users(self) -> bool:
        return "user" in self.nouns and self.period_s is None and self.bytes_per is None \
            and not self.per_user

    @property
    def rate_per_s(self) -> float | None:
        if self.period_s and self.bytes_per is None:
            return self.value / self.period_s
        return None


@dataclass
class DeliverySignals:
    words: int = 0
    first_s: float | None = None
    last_end_s: float = 0.0
    words_per_minute: dict[int, int] = field(default_factory=dict)
    hedges: dict[str, int] = field(default_factory=dict)
    tradeoffs: dict[str, int] = field(default_factory=dict)
    fillers: dict[str, int] = field(default_factory=dict)
    silences: list[tuple[float, float]] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    # where stated quantities count for the estimation check (before the design starts)
    estimation_phases: frozenset[str] = DEFAULT_ESTIMATION_PHASES
    said: list[tuple[float, float]] = field(default_factory=list)  # the candidate's finals
    partner: list[tuple[float, float, str]] = field(default_factory=list)  # the interviewer's

    def partner_line(self, u: Utterance) -> None:
        """An interviewer's final: counted only for talk time and time to answer (it says
        nothing about how the candidate spoke)."""
        self.partner.append((u.start_s, u.end_s, u.text))

    def add(self, u: Utterance, phase: str, toks: Sequence[Token]) -> None:
        """Count a final utterance said during ``phase``."""
        text = u.text.lower().replace("’", "'")
        n = len(text.split())
        if self.first_s is None:
            self.first_s = u.start_s
        elif u.start_s - self.last_end_s >= LONG_SILENCE_S:
            self.silences.append((self.last_end_s, u.start_s))
        self.last_end_s = max(self.last_end_s, u.end_s)
        self.said.append((u.start_s, u.end_s))
        self.words += n
        minute = int(((u.start_s + u.end_s) / 2) // 60)
        self.words_per_minute[minute] = self.words_per_minute.get(minute, 0) + n
        self.hedges[phase] = self.hedges.get(phase, 0) + len(_HEDGE_RE.findall(text))
        self.tradeoffs[phase] = self.tradeoffs.get(phase, 0) + len(_TRADE_RE.findall(text))
        for m in _FILLER_RE.findall(text):
            key = re.sub(r"[\s\-]+", " ", m)
            self.fillers[key] = self.fillers.get(key, 0) + 1
        if phase in self.estimation_phases:
            self.quantities.extend(extract_quantities(toks, u.start_s, phase))

    def report(self, now_s: float) -> dict[str, Any]:
        silences = list(self.silences)
        if self.first_s is None and now_s >= LONG_SILENCE_S:
            silences.append((0.0, now_s))
        elif self.first_s is not None and now_s - self.last_end_s >= LONG_SILENCE_S:
            silences.append((self.last_end_s, now_s))
        if self.partner:  # the candidate listening to a question is not a silence
            heard = [(a, b) for a, b, _ in self.partner]
            silences = [(a, b) for a, b in silences
                        if _spoken_s([(max(a, x), min(b, y)) for x, y in heard if y > a and x < b])
                        < 0.5 * (b - a)]
        minutes = max(now_s, self.last_end_s) / 60.0
        filler_count = sum(self.fillers.values())
        phases = sorted(set(self.hedges) | set(self.tradeoffs))
        return {
            "words": self.words,
            "wpm": round(self.words / minutes, 1) if minutes > 0 else 0.0,
            "wpm_by_minute": [
                {"minute": m, "wpm": self.words_per_minute.get(m, 0)}
                for m in range(max(1, math.ceil(max(now_s, self.last_end_s) / 60)))
            ] if self.words or now_s > 0 else [],
            "fillers": {
                "count": filler_count,
                "per_minute": round(filler_count / minutes, 2) if minutes > 0 else 0.0,
                "by_word": dict(sorted(self.fillers.items())),
            },
            "hedges_vs_tradeoffs": {
                p: {"hedges": self.hedges.get(p, 0), "tradeoffs": self.tradeoffs.get(p, 0)}
                for p in phases
            },
            "hedges": sum(self.hedges.values()),
            "tradeoffs": sum(self.tradeoffs.values()),
            "long_silences": [
                {"start": round(a, 2), "end": round(b, 2), "duration_s": round(b - a, 2)}
                for a, b in silences
            ],
            "estimation": estimation_check(self.quantities),
            "talk_time": talk_time(self.said, [(a, b) for a, b, _ in self.partner]),
            "answers": answer_times(self.said, self.partner),
        }


# ------------------------------------------------------------------------------- with a partner

QUESTION_GAP_S = 1.5
"""Interviewer finals this close together are one question (a live transcriber commits a few
words at a time: "How many" / "new links do you" / "expect each day?")."""
_QUESTION_START = re.compile(
    r"^(?:so,?\s+|and\s+|okay,?\s+|ok,?\s+|now,?\s+)*"
    r"(?:how|what|why|when|where|which|who|can|could|would|will|do|does|did|is|are|should|"
    r"tell me|walk me|talk me)\b")


def _spoken_s(spans: Sequence[tuple[float, float]]) -> float:
    """Seconds covered by ``spans`` (overlaps counted once)."""
    total, reach = 0.0, -math.inf
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def talk_time(candidate: Sequence[tuple[float, float]],
              interviewer: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """How the talking was shared: seconds each spoke and the candidate's share (in a mock the
    candidate should carry most of it; a share far below ~70 % means the interviewer led)."""
    mine, theirs = _spoken_s(candidate), _spoken_s(interviewer)
    total = mine + theirs
    return {"candidate_s": round(mine, 2), "interviewer_s": round(theirs, 2),
            "candidate_share": round(mine / total, 3) if total > 0 else None}


def _questions(lines: Sequence[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The interviewer's finals gathered into turns, keeping those that ask something."""
    turns: list[list[Any]] = []
    for start, end, text in sorted(lines):
        if turns and start - turns[-1][1] <= QUESTION_GAP_S and not turns[-1][2].endswith("?"):
            turns[-1][1] = max(turns[-1][1], end)
            turns[-1][2] = f"{turns[-1][2]} {text.strip()}"
        else:
            turns.append([start, end, text.strip()])
    return [(a, b, t) for a, b, t in turns
            if t.endswith("?") or _QUESTION_START.match(t.lower())]


def answer_times(candidate: Sequence[tuple[float, float]],
                 interviewer: Sequence[tuple[float, float, str]]) -> dict[str, Any]:
    """For each interviewer question, how long the candidate took to start answering (from the
    question's end to their next words; 0 when they cut in). A question the candidate never
    answered before the next one counts as unanswered."""
    starts = sorted(a for a, _ in candidate)
    questions = _questions(interviewer)
    items: list[dict[str, Any]] = []
    answered: list[float] = []
    for n, (q_start, q_end, text) in enumerate(questions):
        until = questions[n + 1][0] if n + 1 < len(questions) else math.inf
        reply = next((s for s in starts if s >= q_start and s < until), None)
        after = None if reply is None else round(max(0.0, reply - q_end), 2)
        items.append({"at": round(q_end, 2), "question": text, "after_s": after})
        if after is not None:
            answered.append(after)
    answered.sort()
    return {
        "questions": len(items),
        "answered": len(answered),
        "median_s": round(statistics.median(answered), 2) if answered else None,
        "max_s": answered[-1] if answered else None,
        "items": items,
    }


# ---------------------------------------------------------------------------------- quantities


def extract_quantities(toks: Sequence[Token], at_s: float, phase: str = "") -> list[Quantity]:
    """Numbers with what they count: "10 million paste writes per month", "1.27 KB per paste",
    "450 GB in 3 years", "10 reads each per day", "100 million daily active users"."""
    out: list[Quantity] = []
    nums = [i for i, t in enumerate(toks) if t.number is not None]
    consumed: set[int] = set()
    for pos, i in enumerate(nums):
        if i in consumed:
            continue
        nxt = nums[pos + 1] if pos + 1 < len(nums) else len(toks)
        ctx = list(toks[i + 1: min(nxt, i + 10)])
        value = toks[i].number or 0.0
        bytes_per = None
        if ctx and ctx[0].key in _BYTES:
            bytes_per = _BYTES[ctx[0].key]
        period_s = None
        # "in 3 years" / "over 5 years": the next number is this quantity's period
        if nxt < len(toks) and nxt + 1 < len(toks) and toks[nxt + 1].key in ("year", "month",
                                                                             "day"):
            between = {t.key for t in toks[i + 1:nxt]}
            if between & {"in", "over", "for", "after"}:
                period_s = (toks[nxt].number or 1.0) * _PERIOD_S[toks[nxt + 1].key]
                consumed.add(nxt)
        keys = [t.key for t in ctx]
        per_user = False
        for j, k in enumerate(keys):
            if k in ("per", "a", "each", "every", "/") and j + 1 < len(keys):
                unit = _PERIOD_WORDS.get(keys[j + 1])
                if unit and period_s is None:
                    period_s = _PERIOD_S[unit]
                if keys[j + 1] in ("user", "person", "customer") or k == "each":
                    per_user = per_user or keys[j + 1] in ("user", "person", "customer") \
                        or k == "each"
            elif k in ("qps", "rps") and period_s is None:
                period_s = 1.0
            elif k in ("daily", "monthly") and period_s is None and j > 0:
                period_s = _PERIOD_S[_PERIOD_WORDS[k]]
        before = [t.key for t in toks[max(0, i - 4): i]]
        if {"each", "every", "average"} & set(before) and period_s is not None:
            per_user = True  # "each user does 10 reads per day"
        nouns = frozenset(
            k for k in keys
            if k not in _NOISE and k not in _PERIOD_WORDS and k not in _BYTES
            and not k.startswith("#") and len(k) > 1
        )
        if "second" in keys and not nouns - {"second"} and period_s is None:
            continue  # "86,400 seconds": a conversion constant, not a claim
        text = " ".join(t.word for t in toks[i: min(nxt, i + 10)])
        out.append(Quantity(at_s, value, text, nouns, period_s, bytes_per, per_user, phase))
    return out


def _category(nouns: frozenset[str]) -> str:
    if nouns & _READ:
        return "read"
    if nouns & _WRITE:
        return "write"
    return "other"


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    a = a - {"request", "user"}
    b = b - {"request", "user"}
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _fmt(value: float) -> str:
    for scale, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _rates(quantities: Sequence[Quantity], before_s: float) -> list[tuple[float, Quantity]]:
    """Per-second rates the candidate implied before ``before_s``: totals per period, and
    users times per-user rates."""
    rates: list[tuple[float, Quantity]] = []
    users = [q for q in quantities if q.is_users and q.at_s <= before_s]
    for q in quantities:
        if q.at_s > before_s or q.rate_per_s is None or q.period_s == 1.0:
            continue
        if q.per_user:
            if users:
                rates.append(((q.rate_per_s or 0.0) * users[-1].value, q))
        else:
            rates.append((q.rate_per_s or 0.0, q))
    return rates


def estimation_check(quantities: Sequence[Quantity]) -> dict[str, Any]:
    checks: list[dict[str, Any]] = []
    for q in quantities:
        # stated requests per second
        if q.period_s == 1.0 and q.bytes_per is None and not q.per_user:
            cands = [(r, src) for r, src in _rates(quantities, q.at_s) if src is not q]
            best = _best(q, cands)
            if best:
                checks.append(_check("qps", q, q.value, best))
        # stated storage over a period
        if q.bytes_per is not None and q.period_s is not None and q.period_s > 1.0:
            stated = q.value * q.bytes_per
            sizes = [s for s in quantities
                     if s.bytes_per is not None and s.period_s is None and s.at_s <= q.at_s]
            if not sizes:
                continue
            size = sizes[-1].value * (sizes[-1].bytes_per or 1.0)
            cands = [(r * size * q.period_s, src) for r, src in _rates(quantities, q.at_s)
                     if _category(src.nouns) != "read"]
            best = _best(q, cands)
            if best:
                checks.append(_check("storage", q, stated, best))
    return {
        "quantities": [
            {"at": round(q.at_s, 2), "value": q.value, "text": q.text} for q in quantities
        ],
        "checks": checks,
        "flagged": sum(1 for c in checks if not c["ok"]),
    }


def _best(q: Quantity, cands: list[tuple[float, Quantity]]) -> list[tuple[float, Quantity]]:
    """The candidates that count the same thing as ``q`` (most shared nouns)."""
    if not cands:
        return []
    scored = [(_overlap(q.nouns, src.nouns), r, src) for r, src in cands]
    top = max(s for s, _, _ in scored)
    if top <= 0:
        cat = _category(q.nouns)
        if cat == "other":
            return cands  # "about 12,000 QPS": compare with every figure it could come from
        same = [(r, src) for r, src in cands if _category(src.nouns) == cat]
        return same or cands
    return [(r, src) for s, r, src in scored if s == top]


def _check(kind: str, q: Quantity, stated: float,
           best: list[tuple[float, Quantity]]) -> dict[str, Any]:
    ratios = [(max(stated, exp) / max(min(stated, exp), 1e-12), exp, src) for exp, src in best
              if exp > 0]
    ratio, expected, src = min(ratios, key=lambda x: x[0]) if ratios else (1.0, stated, q)
    ok = ratio <= CHECK_TOLERANCE
    unit = " per second" if kind == "qps" else " bytes"
    text = (f"stated {_fmt(stated)}{unit} ('{q.text}'); from '{src.text}' it comes to about "
            f"{_fmt(expected)}{unit}")
    if not ok:
        text += f": off by {ratio:.1f}x, re-check the arithmetic"
    return {"at": round(q.at_s, 2), "kind": kind, "stated": stated, "expected": round(expected, 3),
            "ratio": round(ratio, 2), "ok": ok, "text": text}
