"""Progress across mocks: one row of figures per saved mock, the trends they make, and the
weaknesses that keep coming back, said in words.

Pure and deterministic: the inputs are what the store kept (the tracker's report, the
``replay --json`` shape, and the scorecard's dimension scores), never a clock or a file. The same
sessions give the same figures in the CLI, the HTML page and the review window.

Every figure is ``None`` when the session cannot tell it (no report saved, a framework without a
deep-dive phase): progress says "not measured" rather than guess a zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# Phase ids that mean "the deep dive" in the bundled frameworks (system-design, four-step and
# five-step say ``deep_dive``, delivery ``deep_dives``). A user framework whose deep-dive phase
# has another id is "not measured" here rather than counted as never reached.
DEEP_DIVE_PHASES = frozenset({"deep_dive", "deep_dives"})

# The rules for recurring weaknesses. Each threshold with why it is where it is.
WINDOW = 5
"""Recurring means "in the last five mocks": recent enough to be today's habit, long enough that
one bad day is not a pattern."""
MIN_REPEATS = 2
"""A weakness must show in at least two mocks and in at least half of the window."""
FILLERS_PER_MIN_MAX = 3.0
"""Speech coaches (Speaker Coach, Yoodli) flag fillers once they are noticeable; about one every
20 seconds is where a listener starts to count them."""
WPM_FAST = 170.0
"""Conversational pace is commonly given as 110-160 wpm; above 170 an interviewer cannot take
notes. (The tracker's pace counts pauses too, so it reads a little low.)"""
WPM_SLOW = 90.0
"""Below 110 is slow in conversation; the tracker's pace includes drawing and thinking pauses,
so only clearly slow rounds (under 90) count."""
COVERAGE_LOW_PCT = 50.0
"""Less than half of the checklist and the prompt's requirements addressed."""
SCORE_LOW = 2
"""A scorecard dimension at 2 of 4 or lower ("needs work" on the public rubrics)."""
OPEN_ITEMS_SHOWN = 3
"""At most this many checklist items left open are named, the most frequent first."""


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _int(value: Any) -> int | None:
    n = _num(value)
    return int(n) if n is not None else None


@dataclass(frozen=True)
class MockFacts:
    """What the store kept about one mock, as the app read it: the inputs of progress."""

    session_id: int
    started_at: str  # ISO 8601, UTC
    title: str
    coverage_pct: float | None
    report: Mapping[str, Any] | None  # TrackerReport.to_json() (the ``replay --json`` shape)
    scores: Mapping[str, int] = field(default_factory=dict)  # scorecard dimension -> 1..4


@dataclass(frozen=True)
class OpenItem:
    id: str
    label: str


@dataclass(frozen=True)
class SessionMetrics:
    """One mock's figures. ``None``: not measured for this session."""

    id: int
    started_at: str
    title: str
    coverage_pct: float | None
    over_budget: tuple[str, ...] | None  # phase ids that ran past their budget
    deep_dive_s: float | None
    wpm: float | None
    fillers_per_min: float | None
    hedges: int | None
    tradeoffs: int | None
    estimation_errors: int | None  # estimates off by more than 2x; None when none was checked
    open_items: tuple[OpenItem, ...] = ()
    scores: Mapping[str, int] = field(default_factory=dict)

    @property
    def over_budget_phases(self) -> int | None:
        return len(self.over_budget) if self.over_budget is not None else None

    def to_json(self) -> dict[str, Any]:
        """One entry of ``mockcoach progress --json``'s ``sessions`` (a contract)."""
        return {
            "id": self.id,
            "started_at": self.started_at,
            "title": self.title,
            "coverage_pct": _round(self.coverage_pct, 1),
            "over_budget_phases": self.over_budget_phases,
            "deep_dive_s": _round(self.deep_dive_s, 1),
            "wpm": _round(self.wpm, 1),
            "fillers_per_min": _round(self.fillers_per_min, 2),
            "hedges": self.hedges,
            "tradeoffs": self.tradeoffs,
            "estimation_errors": self.estimation_errors,
            "scores": dict(self.scores),
        }


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def metrics(facts: MockFacts) -> SessionMetrics:
    """A mock's figures from its saved report; what the report lacks stays ``None``."""
    report = facts.report or {}
    spent = report.get("time_per_phase")
    budget = report.get("budget")
    over: tuple[str, ...] | None = None
    deep: float | None = None
    if isinstance(spent, Mapping) and isinstance(budget, Mapping):
        over = tuple(p for p, s in spent.items()
                     if (b := _num(budget.get(p))) and (_num(s) or 0.0) > b)
        deep_phases = [p for p in spent if p in DEEP_DIVE_PHASES]
        if deep_phases:
            deep = sum(_num(spent[p]) or 0.0 for p in deep_phases)
    signals = report.get("signals")
    signals = signals if isinstance(signals, Mapping) else {}
    fillers = signals.get("fillers")
    estimation = signals.get("estimation")
    errors = None
    if isinstance(estimation, Mapping) and estimation.get("checks"):
        errors = _int(estimation.get("flagged"))
    checklist = report.get("checklist")
    open_items = tuple(
        OpenItem(str(c.get("id")), str(c.get("label") or c.get("id")))
        for c in (checklist if isinstance(checklist, list) else [])
        if isinstance(c, Mapping) and c.get("addressed") is False
    )
    return SessionMetrics(
        id=facts.session_id,
        started_at=facts.started_at,
        title=facts.title,
        coverage_pct=_num(facts.coverage_pct),
        over_budget=over,
        deep_dive_s=deep,
        wpm=_num(signals.get("wpm")) if facts.report else None,
        fillers_per_min=_num(fillers.get("per_minute")) if isinstance(fillers, Mapping) else None,
        hedges=_int(signals.get("hedges")),
        tradeoffs=_int(signals.get("tradeoffs")),
        estimation_errors=errors,
        open_items=open_items,
        scores={k: int(v) for k, v in facts.scores.items() if _int(v) is not None},
    )


# -- recurring weaknesses -------------------------------------------------------------------------


@dataclass(frozen=True)
class Weakness:
    """A habit seen in several recent mocks, in words, with the sessions that show it."""

    kind: str  # deep_dive | over_budget:<phase> | open_item:<id> | hedging | fillers | ...
    text: str
    sessions: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "sessions": list(self.sessions)}


def _humanize(phase_id: str) -> str:
    return phase_id.replace("_", " ")


def _of(k: int, n: int, window: int) -> str:
    """"3 of your last 5 mocks", or "2 of your 3 mocks" while there are fewer than the window."""
    return f"{k} of your last {n} mocks" if n >= window else f"{k} of your {n} mocks"


def recurring_weaknesses(
    sessions: Sequence[SessionMetrics],
    phase_labels: Mapping[str, str] | None = None,
    dimension_labels: Mapping[str, str] | None = None,
    window: int = WINDOW,
) -> list[Weakness]:
    """What keeps going wrong in the last ``window`` mocks (``sessions`` oldest first), most
    frequent first. A rule counts only the sessions where it could be measured."""
    labels = phase_labels or {}
    dims = dimension_labels or {}
    recent = list(sessions)[-window:]
    n = len(recent)
    found: list[tuple[int, int, Weakness]] = []  # (-count, rule order, weakness)

    def add(order: int, kind: str, ids: Sequence[int], words: str) -> None:
        k = len(ids)
        if k >= MIN_REPEATS and 2 * k >= n:
            text = words.replace("{n}", _of(k, n, window))
            found.append((-k, order, Weakness(kind, text, tuple(ids))))

    add(0, "deep_dive", [s.id for s in recent if s.deep_dive_s is not None and s.deep_dive_s <= 0],
        "{n} never reached the deep dive")
    phases: dict[str, list[int]] = {}
    for s in recent:
        for p in s.over_budget or ():
            phases.setdefault(p, []).append(s.id)
    for p, ids in phases.items():
        add(1, f"over_budget:{p}", ids,
            f"{labels.get(p, _humanize(p))} ran over its budget in {{n}}")
    add(2, "coverage", [s.id for s in recent
                        if s.coverage_pct is not None and s.coverage_pct < COVERAGE_LOW_PCT],
        "less than half of the checklist and requirements was addressed in {n}")
    add(3, "estimation", [s.id for s in recent if s.estimation_errors],
        "an estimate was off by more than 2× in {n}")
    add(4, "hedging", [s.id for s in recent if s.hedges is not None and s.tradeoffs is not None
                       and s.hedges > s.tradeoffs],
        "you hedged more often than you stated a trade-off in {n}")
    add(5, "fillers", [s.id for s in recent if s.fillers_per_min is not None
                       and s.fillers_per_min > FILLERS_PER_MIN_MAX],
        f"more than {FILLERS_PER_MIN_MAX:.0f} filler words a minute in {{n}}")
    add(6, "pace_fast", [s.id for s in recent if s.wpm is not None and s.wpm > WPM_FAST],
        f"you spoke faster than {WPM_FAST:.0f} words a minute in {{n}}")
    add(6, "pace_slow", [s.id for s in recent if s.wpm is not None and 0 < s.wpm < WPM_SLOW],
        f"you spoke slower than {WPM_SLOW:.0f} words a minute in {{n}}")
    dimensions: dict[str, list[int]] = {}
    for s in recent:
        for d, score in s.scores.items():
            if score <= SCORE_LOW:
                dimensions.setdefault(d, []).append(s.id)
    for d, ids in dimensions.items():
        add(7, f"score:{d}", ids,
            f"{dims.get(d, _humanize(d))} scored {SCORE_LOW} of 4 or lower in {{n}}")
    items: dict[str, tuple[OpenItem, list[int]]] = {}
    for s in recent:
        for item in s.open_items:
            items.setdefault(item.id, (item, []))[1].append(s.id)
    opened = sorted(items.values(), key=lambda v: -len(v[1]))[:OPEN_ITEMS_SHOWN]
    for item, ids in opened:
        add(8, f"open_item:{item.id}", ids, f"“{item.label}” was never addressed in {{n}}")
    found.sort(key=lambda f: (f[0], f[1]))
    return [_capitalised(w) for _, _, w in found]


def _capitalised(w: Weakness) -> Weakness:
    text = w.text[:1].upper() + w.text[1:]
    return Weakness(w.kind, text, w.sessions)


# -- trends ---------------------------------------------------------------------------------------


DENSE = 30
"""Above this many mocks a plot shows each mock as a faint dot and the trend as a rolling mean
(one mock's noise would otherwise hide the direction)."""


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per session, oldest first; None: not measured

    def rolling_mean(self, window: int) -> tuple[float | None, ...]:
        """The mean of the measured values among the last ``window`` mocks at each mock
        (``None`` where none of them was measured)."""
        out: list[float | None] = []
        for i in range(len(self.values)):
            seen = [v for v in self.values[max(0, i - window + 1): i + 1] if v is not None]
            out.append(sum(seen) / len(seen) if seen else None)
        return tuple(out)


def smoothing_window(count: int) -> int:
    """How many mocks a dense plot's rolling mean spans: about a twentieth of them, at least 5."""
    return max(5, count // 20)


@dataclass(frozen=True)
class Trend:
    """One small plot: a figure (or two to compare) over the sessions."""

    id: str
    title: str
    unit: str
    series: tuple[Series, ...]
    better: Literal["up", "down", "none"] = "none"
    y_max: float | None = None  # a fixed top (4 for scores, 100 for coverage)

    @property
    def top(self) -> float:
        """The top of the plot: ``y_max``, else a round number just above the largest value."""
        if self.y_max:
            return self.y_max
        high = max([v for s in self.series for v in s.values if v is not None] or [1.0])
        top = nice_ceiling(high * 1.05)
        return float(math.ceil(top)) if self.unit in ("", "wpm") else top

    def labelled(self, level: float) -> bool:
        """Whether a gridline at ``level`` gets a label: counts and scores only at whole
        numbers (a middle line at 1.25 errors says nothing)."""
        return self.unit not in ("", "of 4", "wpm") or level == int(level)

    @property
    def points(self) -> int:
        """How many values are plotted (measured ones only)."""
        return sum(v is not None for s in self.series for v in s.values)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least ``value``, so a
    plot's top and middle gridlines read as round numbers."""
    if value <= 1.0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(power * m for m in (1.0, 2.0, 2.5, 5.0, 10.0) if power * m >= value))


def trends(sessions: Sequence[SessionMetrics],
           dimension_labels: Mapping[str, str] | None = None) -> list[Trend]:
    """The plots of the progress view and page, in reading order; a scorecard dimension gets one
    when at least one session has a score for it."""
    dims = dict(dimension_labels or {})

    def col(get: Any) -> tuple[float | None, ...]:
        return tuple(None if (v := get(s)) is None else float(v) for s in sessions)

    out = [
        Trend("coverage", "Coverage", "%", (Series("coverage", col(lambda s: s.coverage_pct)),),
              "up", 100.0),
        Trend("over_budget", "Phases over budget", "",
              (Series("over budget", col(lambda s: s.over_budget_phases)),), "down"),
        Trend("deep_dive", "Deep dive", "min",
              (Series("deep dive", col(lambda s: None if s.deep_dive_s is None
                                       else s.deep_dive_s / 60.0)),), "up"),
        Trend("wpm", "Words per minute", "wpm", (Series("pace", col(lambda s: s.wpm)),)),
        Trend("fillers", "Fillers per minute", "/min",
              (Series("fillers", col(lambda s: s.fillers_per_min)),), "down"),
        Trend("hedges", "Hedges vs trade-offs", "",
              (Series("hedges", col(lambda s: s.hedges)),
               Series("trade-offs", col(lambda s: s.tradeoffs)))),
        Trend("estimation", "Estimation errors", "",
              (Series("off by >2×", col(lambda s: s.estimation_errors)),), "down"),
    ]
    seen = [d for d in dims if any(d in s.scores for s in sessions)]
    seen += sorted({d for s in sessions for d in s.scores} - set(seen))
    for d in seen:
        out.append(Trend(f"score:{d}", dims.get(d, _humanize(d).capitalize()), "of 4",
                         (Series(d, col(lambda s, d=d: s.scores.get(d))),), "up", 4.0))
    return out


# -- the whole picture ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    sessions: tuple[SessionMetrics, ...]  # oldest first
    weaknesses: tuple[Weakness, ...]
    next_prompt: str | None  # a prompt library id
    trends: tuple[Trend, ...] = ()
    next_prompt_why: str = ""
    next_prompt_title: str = ""

    def to_json(self) -> dict[str, Any]:
        """``mockcoach progress --json`` (a contract documented in README.md)."""
        return {
            "sessions": [s.to_json() for s in self.sessions],
            "weaknesses": [w.to_json() for w in self.weaknesses],
            "next_prompt": self.next_prompt,
        }


def build_progress(
    facts: Sequence[MockFacts],
    *,
    next_prompt: str | None = None,
    next_prompt_why: str = "",
    next_prompt_title: str = "",
    phase_labels: Mapping[str, str] | None = None,
    dimension_labels: Mapping[str, str] | None = None,
) -> Progress:
    """Metrics, weaknesses and trends of ``facts`` (oldest first)."""
    rows = [metrics(f) for f in facts]
    return Progress(
        sessions=tuple(rows),
        weaknesses=tuple(recurring_weaknesses(rows, phase_labels, dimension_labels)),
        next_prompt=next_prompt,
        trends=tuple(trends(rows, dimension_labels)),
        next_prompt_why=next_prompt_why,
        next_prompt_title=next_prompt_title,
    )


def least_practised(library: Sequence[tuple[str, str]],
                    practised: Sequence[tuple[str, str]]) -> str | None:
    """A fallback next prompt: the first library prompt (``(id, title)``, in the library's order)
    never practised, else the one practised longest ago. ``practised`` is ``(title,
    started_at)`` of the saved mocks, matched on the title, which the app sets from the prompt."""
    if not library:
        return None
    last: dict[str, str] = {}
    for title, started in practised:
        key = title.strip().casefold()
        last[key] = max(last.get(key, ""), started)
    never = [pid for pid, title in library if title.strip().casefold() not in last]
    if never:
        return never[0]
    return min(library, key=lambda e: last.get(e[1].strip().casefold(), ""))[0]
