"""The scorecard: a saved mock graded against the public system-design rubrics, with evidence.

Pure and deterministic: the input is what a saved session holds (the tracker's typed report,
the transcript with times and speakers, whether a prompt was captured, whether the times come
from audio), the rules are data (``assets/rubrics/*.toml``, each rule with its rationale), and
the output is four dimensions, each scored 1-4 with a one-line reason and the transcript moments
behind it. A rule that cannot know says so ("not measured") and takes nothing off; a dimension
with nothing measured scores ``None``. Interviewer lines are never evidence for the candidate.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from framework.report import CoveredItem, NudgeNote, PhaseSpan, TrackerReport
from framework.signals import FILLERS, HEDGES, TRADEOFFS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

EVIDENCE_CHARS = 160  # a moment's words, cut at a word end
MAX_EVIDENCE = 5  # moments per dimension with a fault
MAX_PASS_EVIDENCE = 3  # moments per dimension without one


class RubricError(ValueError):
    """A rubric file is malformed; the message names the file and the field."""


# -- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """One line of the transcript: who said what, when (seconds from the session's start)."""

    start_s: float
    end_s: float
    text: str
    speaker: str = "candidate"  # "candidate" | "interviewer"


class Spoken(Protocol):
    """What the scorecard reads of a transcript line: ``Said``, or the app's stored segment
    as it is (no copy per line). A speaker other than "interviewer" is the candidate."""

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...

    @property
    def text(self) -> str: ...

    @property
    def speaker(self) -> str: ...


@dataclass(frozen=True)
class Roles:
    """The framework's phases by the part they play (``Framework.rules`` plus the first phase),
    so one rubric fits every framework."""

    scope: str | None = None
    design_starts: str | None = None
    high_level: str | None = None
    deep_dive: str | None = None

    def resolve(self, name: str) -> str | None:
        if not name.startswith("@"):
            return name
        return {"@scope": self.scope, "@design_starts": self.design_starts,
                "@high_level": self.high_level, "@deep_dive": self.deep_dive}.get(name)


@dataclass(frozen=True)
class SessionFacts:
    """Everything the scorecard reads. ``timed_by_audio``: the transcript's times come from
    audio (a live mock or a recording), so pace and silences mean something; a typed transcript
    replayed at a made-up pace does not. ``has_prompt``: a prompt with requirements was given.
    ``phase_order``: the framework's phases in order; ``labels``: their names for people;
    ``cues``: each phase's cue phrases (an announced transition uses them)."""

    report: TrackerReport
    said: Sequence[Spoken]
    round_s: float
    has_prompt: bool
    timed_by_audio: bool
    roles: Roles
    phase_order: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, phase: str) -> str:
        return self.labels.get(phase) or phase.replace("_", " ").capitalize()


# -- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """A transcript moment: when, and the candidate's words there."""

    at_s: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"at": round(self.at_s, 2), "text": self.text}


@dataclass(frozen=True)
class Finding:
    """One rule applied to one session. ``ok`` is None when the rule could not be measured
    (``text`` then says why)."""

    rule: str
    dimension: str
    ok: bool | None
    weight: int
    text: str
    evidence: tuple[Evidence, ...] = ()
    topics: tuple[str, ...] = ()
    mention: bool = True  # False: "not measured" is the normal case (no partner), left unsaid
    rationale: str = ""  # why interviewers grade it (the rubric's words)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "ok": self.ok, "text": self.text}


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    score: int | None  # 1-4; None: not measured
    reason: str
    evidence: tuple[Evidence, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.ok is False)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "score": self.score, "reason": self.reason,
                "evidence": [e.to_json() for e in self.evidence],
                "checks": [f.to_json() for f in self.findings]}


@dataclass(frozen=True)
class Scorecard:
    dimensions: tuple[Dimension, ...]
    rubric: str  # the rubric file's id

    def dimension(self, dimension_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dimension_id)

    @property
    def scores(self) -> dict[str, int | None]:
        return {d.id: d.score for d in self.dimensions}

    def to_json(self) -> dict[str, Any]:
        return {"dimensions": [d.to_json() for d in self.dimensions], "rubric": self.rubric}


# -- the rubric (data) -------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionSpec:
    id: str
    label: str
    about: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule of the rubric file. ``params`` are the check's own settings (thresholds, item
    ids, phrases); the texts are templates the check fills in."""

    id: str
    dimension: str
    check: str
    weight: int
    rationale: str
    fail: str
    passed: str
    unmeasured: str = ""
    never: str = ""
    topics: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def num(self, key: str, default: float) -> float:
        value = self.params.get(key, default)
        return float(value)

    def strings(self, key: str) -> tuple[str, ...]:
        return tuple(str(x) for x in self.params.get(key, ()))


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    dimensions: tuple[DimensionSpec, ...]
    rules: tuple[Rule, ...]


_RULE_KEYS = {"id", "dimension", "check", "weight", "rationale", "fail", "pass", "unmeasured",
              "never", "topics"}


def load_rubric(path: Path) -> Rubric:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: cannot read: {exc}") from exc
    return parse_rubric(text, str(path))


def parse_rubric(text: str, source: str = "<rubric>") -> Rubric:
    """Read and check a rubric: every rule names a known check and a declared dimension, has a
    weight of 1-3, a rationale and both texts."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{source}: not valid TOML: {exc}") from exc

    def need_str(obj: Mapping[str, Any], key: str, where: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            raise RubricError(f"{source}: {where}: field '{key}' must be a non-empty string")
        return value

    rubric_id = need_str(data, "id", "top level")
    dims = []
    for n, raw in enumerate(data.get("dimensions") or [], 1):
        dims.append(DimensionSpec(need_str(raw, "id", f"dimension {n}"),
                                  need_str(raw, "label", f"dimension {n}"),
                                  str(raw.get("about", ""))))
    if not dims:
        raise RubricError(f"{source}: no [[dimensions]]")
    dim_ids = {d.id for d in dims}
    rules = []
    for n, raw in enumerate(data.get("rules") or [], 1):
        where = f"rule {n} ({raw.get('id', '?')})"
        check = need_str(raw, "check", where)
        if check not in CHECKS:
            raise RubricError(f"{source}: {where}: unknown check '{check}' "
                              f"(known: {', '.join(sorted(CHECKS))})")
        dimension = need_str(raw, "dimension", where)
        if dimension not in dim_ids:
            raise RubricError(f"{source}: {where}: dimension '{dimension}' is not declared")
        weight = raw.get("weight", 1)
        if not isinstance(weight, int) or not 1 <= weight <= 3:
            raise RubricError(f"{source}: {where}: field 'weight' must be 1, 2 or 3")
        topics = raw.get("topics", [])
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise RubricError(f"{source}: {where}: field 'topics' must be a list of strings")
        rules.append(Rule(
            id=need_str(raw, "id", where), dimension=dimension, check=check, weight=weight,
            rationale=need_str(raw, "rationale", where), fail=need_str(raw, "fail", where),
            passed=need_str(raw, "pass", where), unmeasured=str(raw.get("unmeasured", "")),
            never=str(raw.get("never", "")), topics=tuple(topics),
            params={k: v for k, v in raw.items() if k not in _RULE_KEYS}))
    return Rubric(rubric_id, str(data.get("title", rubric_id)), tuple(dims), tuple(rules))


# -- helpers ----------------------------------------------------------------------------------


def clock(seconds: float) -> str:
    """``m:ss`` (the app's clock format; the framework cannot import the app)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@lru_cache(maxsize=64)
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """The framework's phrase rule: whole words, a space also matches a hyphen, longest first."""
    alts = sorted((re.escape(p.lower()).replace(r"\ ", r"[\s\-]+") for p in phrases if p),
                  key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts or ["(?!)"]) + r")\b")


def normal_text(text: str) -> str:
    """Lower case, curly apostrophes straight: the form the phrase patterns match."""
    return text.lower().replace("’", "'")


def _short(label: str) -> str:
    """A checklist label without its parenthesis: "Non-functional requirements"."""
    return label.split(" (")[0].strip()


class _Transcript:
    """The candidate's lines, sorted, to find what was said at a moment in O(log n)."""

    def __init__(self, said: Sequence[Spoken]) -> None:
        self.lines = sorted((s for s in said if s.speaker != "interviewer" and s.text.strip()),
                            key=lambda s: s.start_s)
        self.starts = [s.start_s for s in self.lines]
        # all the words in one normalised string (one pass instead of one per line); line i
        # is text[offsets[i]:offsets[i + 1] - 1]
        self.offsets = [0]
        for s in self.lines:
            self.offsets.append(self.offsets[-1] + len(s.text) + 1)
        self.text = normal_text("\n".join(s.text for s in self.lines))
        others = sorted((s for s in said if s.speaker == "interviewer"), key=lambda s: s.start_s)
        self.other = [(s.start_s, s.end_s) for s in others]
        self.other_starts = [s.start_s for s in others]

    def moment(self, at_s: float, prefix: str = "") -> Evidence:
        """The candidate's words at ``at_s``: the line under way (or the next one), carried on
        to the following lines while they are short."""
        i = max(0, bisect.bisect_right(self.starts, at_s + 0.5) - 1)
        if i + 1 < len(self.lines) and self.lines[i].end_s < at_s - 3.0 \
                and self.lines[i + 1].start_s - at_s < at_s - self.lines[i].end_s:
            i += 1  # between two lines: the nearer one
        words = ""
        start = at_s
        if i < len(self.lines):
            start = self.lines[i].start_s
            j = i
            while j < len(self.lines) and len(words) < EVIDENCE_CHARS \
                    and self.lines[j].start_s - start <= 8.0:
                words = f"{words} {self.lines[j].text.strip()}".strip()
                j += 1
        if len(words) > EVIDENCE_CHARS:
            words = words[:EVIDENCE_CHARS].rsplit(" ", 1)[0] + " …"
        text = f"{prefix}“{words}”" if words else prefix.rstrip(": ")
        return Evidence(round(start if words else at_s, 2), text)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.offsets, offset) - 1

    def search(self, pattern: re.Pattern[str], lo: int, hi: int) -> int | None:
        """The first of lines ``lo``..``hi - 1`` in which ``pattern`` occurs."""
        if lo >= hi:
            return None
        m = pattern.search(self.text, self.offsets[lo], self.offsets[hi] - 1)
        return self.line_of(m.start()) if m else None

    def interviewer_s(self, start_s: float, end_s: float) -> float:
        """Seconds of interviewer speech inside [start_s, end_s)."""
        total = 0.0
        i = max(0, bisect.bisect_right(self.other_starts, start_s) - 1)
        while i < len(self.other) and self.other[i][0] < end_s:
            a, b = self.other[i]
            total += max(0.0, min(b, end_s) - max(a, start_s))
            i += 1
        return total


@dataclass(frozen=True)
class _Ctx:
    facts: SessionFacts
    said: _Transcript

    @property
    def report(self) -> TrackerReport:
        return self.facts.report

    @property
    def signals(self) -> Mapping[str, Any]:
        return self.facts.report.signals or {}

    def spans(self, phase: str) -> list[PhaseSpan]:
        return [p for p in self.report.phases if p.id == phase]


def _fmt(template: str, **values: Any) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template  # a user's rubric with an unknown {field}: its words, unfilled


def _result(rule: Rule, ok: bool, evidence: Sequence[Evidence] = (), **values: Any) -> Finding:
    text = _fmt(rule.fail if not ok else rule.passed, **values)
    return Finding(rule.id, rule.dimension, ok, rule.weight, text, tuple(evidence), rule.topics,
                   rationale=rule.rationale)


def _unmeasured(rule: Rule, why: str) -> Finding:
    return Finding(rule.id, rule.dimension, None, rule.weight, rule.unmeasured or why,
                   (), rule.topics, mention=bool(rule.params.get("mention_unmeasured", True)),
                   rationale=rule.rationale)


# -- the checks ---------------------------------------------------------------------------------


def _phase_time(rule: Rule, ctx: _Ctx) -> Finding:
    phase = ctx.facts.roles.resolve(str(rule.params.get("phase", "")))
    budget = ctx.report.budget.get(phase or "")
    if phase is None or not budget:
        return _unmeasured(rule, "this framework has no such phase with a budget")
    spent = float(ctx.report.time_per_phase.get(phase, 0.0))
    values = {"phase": ctx.facts.label(phase), "spent": clock(spent), "budget": clock(budget)}
    ok = spent >= rule.num("min_share", 0.5) * budget
    spans = ctx.spans(phase)
    if spans:
        evidence = [ctx.said.moment(spans[0].start_s, f"{values['phase']} began: ")]
        return _result(rule, ok, evidence, **values)
    # never reached: say where the time went instead
    spent_by = sorted(ctx.report.time_per_phase.items(), key=lambda kv: -kv[1])
    evidence = []
    if spent_by and spent_by[0][1] > 0:
        top = spent_by[0][0]
        first = ctx.spans(top)
        if first:
            evidence.append(ctx.said.moment(
                first[0].start_s, f"most time went to {ctx.facts.label(top)} "
                f"({clock(spent_by[0][1])}): "))
    text = _fmt(rule.never or rule.fail, **values)
    return Finding(rule.id, rule.dimension, False, rule.weight, text, tuple(evidence),
                   rule.topics, rationale=rule.rationale)


def _items_addressed(rule: Rule, ctx: _Ctx) -> Finding:
    wanted = rule.strings("items")
    kinds = rule.strings("requirement_kinds")
    items: list[CoveredItem] = [c for c in ctx.report.checklist if c.id in wanted]
    items += [r for r in ctx.report.requirements if r.kind in kinds]
    if not items:
        return _unmeasured(rule, "the framework has none of these checklist items")
    done = sorted((c for c in items if c.addressed), key=lambda c: c.at_s or 0.0)
    names: list[str] = []
    for c in done:
        name = _short(c.text) if c.kind is None else f"“{c.text}”"
        if name not in names:
            names.append(name)
    missing = [_short(c.text) for c in items if not c.addressed and c.kind is None]
    evidence = [_item_moment(ctx, c) for c in done[:3] if c.at_s is not None]
    ok = len(done) >= rule.num("min", 1)
    return _result(rule, ok, evidence, found=", ".join(names) or "none", count=len(done),
                   missing=", ".join(missing) or "none")


def _item_moment(ctx: _Ctx, item: CoveredItem) -> Evidence:
    """What addressed an item: the candidate's words then, or the diagram they drew (a drawn
    component is not quoted as speech)."""
    if item.source == "diagram":
        return Evidence(round(item.at_s or 0.0, 2), f"{_short(item.text)}: drawn in the diagram"
                        + (f" (“{item.evidence}”)" if item.evidence else ""))
    return ctx.said.moment(item.at_s or 0.0, f"{_short(item.text)}: ")


def _requirements_addressed(rule: Rule, ctx: _Ctx) -> Finding:
    kinds = rule.strings("kinds")
    reqs = [r for r in ctx.report.requirements if r.kind in kinds]
    if not ctx.facts.has_prompt or not reqs:
        return _unmeasured(rule, "no prompt was captured, so requirement coverage is not "
                           "measured")
    done = [r for r in reqs if r.addressed]
    open_ = [f"“{r.text}”" for r in reqs if not r.addressed]
    more = f" and {len(open_) - 3} more" if len(open_) > 3 else ""
    ok = len(done) >= rule.num("min_share", 0.6) * len(reqs)
    # the open ones are in the text; the moments of those addressed support only a pass
    evidence = [ctx.said.moment(r.at_s, f"{r.id}: ") for r in done[:3]
                if r.at_s is not None] if ok else []
    return _result(rule, ok, evidence, addressed=len(done), total=len(reqs),
                   open=", ".join(open_[:3]) + more)


def _phase_budget(rule: Rule, ctx: _Ctx) -> Finding:
    budget = ctx.report.budget
    if not budget:
        return _unmeasured(rule, "the report has no budgets")
    ratio, min_over = rule.num("max_ratio", 1.5), rule.num("min_over_s", 60.0)
    over: list[str] = []
    evidence: list[Evidence] = []
    for phase, b in budget.items():
        spent = float(ctx.report.time_per_phase.get(phase, 0.0))
        if b <= 0 or spent <= b * ratio or spent - b < min_over:
            continue
        label = ctx.facts.label(phase)
        over.append(f"{label} {clock(spent)} of {clock(b)}")
        acc = 0.0
        for span in ctx.spans(phase):  # where the budget ran out
            length = span.end_s - span.start_s
            if acc + length >= b:
                at = span.start_s + (b - acc)
                evidence.append(ctx.said.moment(at, f"{label}'s budget ran out: "))
                break
            acc += length
    return _result(rule, not over, evidence, over="; ".join(over))


def _round_time(rule: Rule, ctx: _Ctx) -> Finding:
    round_s, length = ctx.facts.round_s, ctx.report.duration_s
    if round_s <= 0:
        return _unmeasured(rule, "the round has no length")
    ok = length <= round_s * (1 + rule.num("max_over_share", 0.1))
    evidence = [] if ok else [ctx.said.moment(round_s, "time was up: ")]
    return _result(rule, ok, evidence, over=clock(length - round_s), round=clock(round_s),
                   length=clock(length))


def _phase_order(rule: Rule, ctx: _Ctx) -> Finding:
    order = ctx.facts.phase_order or tuple(ctx.report.budget)
    design = ctx.facts.roles.design_starts
    if design not in order:
        return _unmeasured(rule, "the framework does not say where the design starts")
    first_design = order.index(design or "")
    started = False
    returns: list[PhaseSpan] = []
    for span in ctx.report.phases:
        index = order.index(span.id) if span.id in order else -1
        if index >= first_design:
            started = True
        elif started and index >= 0:
            returns.append(span)
    ok = len(returns) <= rule.num("max_returns", 2)
    evidence = [ctx.said.moment(s.start_s, f"back to {ctx.facts.label(s.id)}: ")
                for s in returns[:3]]
    return _result(rule, ok, evidence, returns=len(returns))


_TRADE = phrase_pattern(TRADEOFFS)
_HEDGE = phrase_pattern(HEDGES)
_FILLER = phrase_pattern(FILLERS)


def _lines_with(ctx: _Ctx, pattern: re.Pattern[str], most: int,
                prefix: str = "") -> list[Evidence]:
    """The candidate's lines with the most matches of ``pattern`` (ties: earliest)."""
    counts = Counter(ctx.said.line_of(m.start()) for m in pattern.finditer(ctx.said.text))
    best = sorted(counts.items(), key=lambda h: (-h[1], h[0]))[:most]
    return [ctx.said.moment(ctx.said.lines[i].start_s, prefix) for i, _ in sorted(best)]


def _tradeoffs(rule: Rule, ctx: _Ctx) -> Finding:
    words = int(ctx.signals.get("words") or 0)
    if words < rule.num("min_words", 100):
        return _unmeasured(rule, "too few words to weigh trade-offs")
    trades, hedges = int(ctx.signals.get("tradeoffs") or 0), int(ctx.signals.get("hedges") or 0)
    ok = trades >= rule.num("min_tradeoffs", 3) and hedges <= trades * rule.num(
        "max_hedge_ratio", 1.0)
    hedging = not ok and hedges > trades
    evidence = _lines_with(ctx, _HEDGE, 3, "hedge: ") if hedging \
        else _lines_with(ctx, _TRADE, 3, "trade-off: ")
    return _result(rule, ok, evidence, tradeoffs=trades, hedges=hedges)


def _estimation(rule: Rule, ctx: _Ctx) -> Finding:
    checks = list((ctx.signals.get("estimation") or {}).get("checks") or [])
    if not checks:
        return _unmeasured(rule, "no derived figure to re-check")
    flagged = sorted((c for c in checks if not c.get("ok")), key=lambda c: -float(
        c.get("ratio") or 0))
    shown = flagged or checks
    evidence = []
    for c in shown[:3]:
        at = float(c.get("at") or 0.0)
        verdict = f"off by {float(c.get('ratio') or 0):.1f}x" if not c.get("ok") else "adds up"
        evidence.append(ctx.said.moment(at, f"estimate {verdict}: "))
    worst = str(flagged[0].get("text", "")) if flagged else ""
    ok = len(flagged) <= rule.num("max_flagged", 0)
    return _result(rule, ok, evidence, flagged=len(flagged), checked=len(checks), worst=worst)


def _pace(rule: Rule, ctx: _Ctx) -> Finding:
    words = int(ctx.signals.get("words") or 0)
    if not ctx.facts.timed_by_audio or not words:
        return _unmeasured(rule, "no audio-timed transcript, so pace is not measured")
    wpm = float(ctx.signals.get("wpm") or 0.0)
    low, high = rule.num("min_wpm", 110), rule.num("max_wpm", 160)
    ok = low <= wpm <= high
    minutes = [m for m in ctx.signals.get("wpm_by_minute") or [] if m.get("wpm")]
    evidence = []
    if minutes and not ok:
        pick = min if wpm < low else max
        m = pick(minutes, key=lambda x: float(x["wpm"]))
        at = 60.0 * int(m["minute"])
        evidence.append(ctx.said.moment(at, f"{m['wpm']} wpm this minute: "))
    return _result(rule, ok, evidence, wpm=f"{wpm:.0f}", min_wpm=f"{low:.0f}",
                   max_wpm=f"{high:.0f}")


def _fillers(rule: Rule, ctx: _Ctx) -> Finding:
    words = int(ctx.signals.get("words") or 0)
    if words < rule.num("min_words", 100):
        return _unmeasured(rule, "too few words to count fillers")
    fillers = ctx.signals.get("fillers") or {}
    count, per_minute = int(fillers.get("count") or 0), float(fillers.get("per_minute") or 0)
    by_word = sorted((fillers.get("by_word") or {}).items(), key=lambda kv: -kv[1])[:3]
    ok = per_minute <= rule.num("max_per_minute", 3.0)
    evidence = _lines_with(ctx, _FILLER, 3, "fillers: ") if not ok else []
    top = ", ".join(f"“{w}” ×{n}" for w, n in by_word) or "none"
    return _result(rule, ok, evidence, count=count, per_minute=f"{per_minute:.1f}", top=top)


def _silences(rule: Rule, ctx: _Ctx) -> Finding:
    if not ctx.facts.timed_by_audio:
        return _unmeasured(rule, "no audio-timed transcript, so silences are not measured")
    min_s = rule.num("min_s", 10.0)
    long: list[tuple[float, float]] = []
    for s in ctx.signals.get("long_silences") or []:
        a, b = float(s["start"]), float(s["end"])
        # the interviewer talking is not the candidate's silence
        if b - a - ctx.said.interviewer_s(a, b) >= min_s:
            long.append((a, b))
    ok = len(long) <= rule.num("max_count", 2)
    worst = sorted(long, key=lambda x: x[0] - x[1])[:3]
    evidence = [ctx.said.moment(b, f"after {b - a:.0f} s of silence: ")
                for a, b in sorted(worst)]
    longest = f"{max((b - a for a, b in long), default=0.0):.0f} s"
    return _result(rule, ok, evidence, count=len(long), min_s=min_s, longest=longest)


def _signposting(rule: Rule, ctx: _Ctx) -> Finding:
    changes = list(ctx.report.phases[1:])
    if len(changes) < rule.num("min_changes", 2):
        return _unmeasured(rule, "too few phase changes to judge signposting")
    general = phrase_pattern(rule.strings("phrases"))
    window = rule.num("window_s", 20.0)
    announced: list[Evidence] = []
    quiet: list[Evidence] = []
    for span in changes:
        own = phrase_pattern(tuple(ctx.facts.cues.get(span.id, ())))
        lo = bisect.bisect_left(ctx.said.starts, span.start_s - 5.0)
        hi = bisect.bisect_right(ctx.said.starts, span.start_s + window)
        hits = [i for i in (ctx.said.search(general, lo, hi), ctx.said.search(own, lo, hi))
                if i is not None]
        label = ctx.facts.label(span.id)
        if hits:
            announced.append(ctx.said.moment(ctx.said.lines[min(hits)].start_s,
                                             f"into {label}: "))
        else:
            quiet.append(ctx.said.moment(span.start_s, f"into {label} unannounced: "))
    ok = len(announced) >= rule.num("min_share", 0.5) * len(changes)
    return _result(rule, ok, (quiet if not ok else announced)[:3], announced=len(announced),
                   changes=len(changes))


def _talk_share(rule: Rule, ctx: _Ctx) -> Finding:
    talk = ctx.signals.get("talk_time") or {}
    share = talk.get("candidate_share")
    if share is None or not float(talk.get("interviewer_s") or 0.0):
        return _unmeasured(rule, "no interviewer was heard, so the share of talk is not "
                           "measured")
    ok = float(share) >= rule.num("min_share", 0.6)
    return _result(rule, ok, (), share=f"{100 * float(share):.0f} %",
                   min_share=f"{100 * rule.num('min_share', 0.6):.0f} %")


def _answers(rule: Rule, ctx: _Ctx) -> Finding:
    answers = ctx.signals.get("answers") or {}
    items = list(answers.get("items") or [])
    if not items:
        return _unmeasured(rule, "the interviewer asked no question")
    max_after = rule.num("max_after_s", 10.0)
    late = [q for q in items if q.get("after_s") is None or float(q["after_s"]) > max_after]
    evidence = []
    for q in late[:3]:
        at = float(q.get("at") or 0.0)
        question = str(q.get("question", ""))
        if len(question) > 80:  # a long turn: its end is the question
            question = "… " + question[-80:].split(" ", 1)[-1]
        verdict = "never answered" if q.get("after_s") is None \
            else f"answered after {float(q['after_s']):.0f} s"
        evidence.append(ctx.said.moment(at, f"asked “{question}”, {verdict}; next: "))
    ok = not late
    median = answers.get("median_s")
    return _result(rule, ok, evidence, questions=len(items), late=len(late),
                   unanswered=sum(1 for q in items if q.get("after_s") is None),
                   median=f"{float(median):.1f} s" if median is not None else "–",
                   max_after_s=f"{max_after:.0f}")


CHECKS: dict[str, Callable[[Rule, _Ctx], Finding]] = {
    "phase_time": _phase_time,
    "items_addressed": _items_addressed,
    "requirements_addressed": _requirements_addressed,
    "phase_budget": _phase_budget,
    "round_time": _round_time,
    "phase_order": _phase_order,
    "tradeoffs": _tradeoffs,
    "estimation": _estimation,
    "pace": _pace,
    "fillers": _fillers,
    "silences": _silences,
    "signposting": _signposting,
    "talk_share": _talk_share,
    "answers": _answers,
}


# -- scoring ------------------------------------------------------------------------------------


def _dimension(spec: DimensionSpec, findings: Sequence[Finding]) -> Dimension:
    """4 minus the weights of the failed rules (at least 1); None when nothing was measured.
    The reason is the heaviest fault (with how many more), or what went right."""
    measured = [f for f in findings if f.ok is not None]
    unmeasured = [f for f in findings if f.ok is None and f.mention]
    if not measured:
        why = unmeasured or [f for f in findings if f.ok is None]
        reason = "Not measured: " + "; ".join(f.text for f in why) + "."
        return Dimension(spec.id, spec.label, None, reason, (), tuple(findings))
    failed = sorted((f for f in measured if not f.ok), key=lambda f: -f.weight)
    score = max(1, 4 - sum(f.weight for f in failed))
    if failed:
        reason = failed[0].text
        if len(failed) > 1:
            more = len(failed) - 1
            reason += f" (and {more} more fault{'s' if more > 1 else ''})"
        shown = [e for f in failed for e in f.evidence]
    else:
        reason = " ".join(f.text for f in measured[:2])
        shown = [e for f in measured for e in f.evidence]
    if unmeasured:
        reason += f" Not measured: {unmeasured[0].text}."
    moments: list[Evidence] = []  # one per moment: three items ticked by one line show once
    for e in shown:
        if all(abs(e.at_s - m.at_s) > 0.01 for m in moments):
            moments.append(e)
    kept = moments[:MAX_EVIDENCE if failed else MAX_PASS_EVIDENCE]  # faults' moments first
    return Dimension(spec.id, spec.label, score, reason,
                     tuple(sorted(kept, key=lambda e: e.at_s)), tuple(findings))


def score_session(facts: SessionFacts, rubric: Rubric) -> Scorecard:
    """Apply every rule of ``rubric`` to one session's facts. Linear in the transcript."""
    ctx = _Ctx(facts, _Transcript(facts.said))
    findings = [CHECKS[rule.check](rule, ctx) for rule in rubric.rules]
    dims = tuple(_dimension(spec, [f for f in findings if f.dimension == spec.id])
                 for spec in rubric.dimensions)
    return Scorecard(dims, rubric.id)


# -- reading a saved report ---------------------------------------------------------------------


def report_from_json(data: Mapping[str, Any]) -> TrackerReport:
    """A ``TrackerReport`` back from its ``to_json()`` (the shape the store keeps); missing
    parts read as empty, so an older or partial report still scores what it can."""

    def item(raw: Mapping[str, Any], requirement: bool) -> CoveredItem:
        at = raw.get("at")
        return CoveredItem(
            id=str(raw.get("id", "")),
            text=str(raw.get("text" if requirement else "label") or raw.get("id", "")),
            addressed=bool(raw.get("addressed")),
            at_s=float(at) if at is not None else None,
            evidence=str(raw.get("evidence") or ""),
            phase=None if requirement else raw.get("phase"),
            kind=str(raw.get("kind") or "functional") if requirement else None,
            source="diagram" if raw.get("source") == "diagram" else "speech")

    return TrackerReport(
        framework=str(data.get("framework", "")),
        duration_s=float(data.get("duration_s") or 0.0),
        phases=tuple(PhaseSpan(str(p["id"]), float(p["start"]), float(p["end"]))
                     for p in data.get("phases") or []),
        time_per_phase={str(k): float(v) for k, v in (data.get("time_per_phase") or {}).items()},
        budget={str(k): float(v) for k, v in (data.get("budget") or {}).items()},
        checklist=tuple(item(c, False) for c in data.get("checklist") or []),
        requirements=tuple(item(r, True) for r in data.get("requirements") or []),
        nudges=tuple(NudgeNote(float(n.get("at") or 0.0), str(n.get("kind", "")),
                               str(n.get("text", ""))) for n in data.get("nudges") or []),
        signals=dict(data.get("signals") or {}),
        phase_model="rules" if data.get("phase_model") == "rules" else "learned",
    )
