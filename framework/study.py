"""Study next: what a mock's gaps point to, as at most three topics, each with why and a prompt.

The topics are data (``assets/topics/*.toml``): a two-paragraph summary, the checklist items and
vocabulary that show the topic in a mock, the phases whose overruns point to it, and prompts of
the prompt library that exercise it. After a mock, three kinds of gap vote for topics:

- a rule of the scorecard that failed (its ``topics``, sharing its weight), counted double in a
  weak dimension;
- checklist items left open (topics that list them, by the share of the topic's items open);
- a phase far over budget (topics that list the phase);
- a topic the mock's own prompt exercises (its ``prompts``) whose vocabulary never came up.

The three topics with the most votes come back, each with its reasons in words and one library
prompt to practise next, preferring one the user has not practised yet. Pure: the caller says
which prompts were practised.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framework.report import TrackerReport
from framework.scorecard import Evidence, Scorecard, clock, normal_text, phrase_pattern

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_TOPICS = 3
WEAK_SCORE = 2  # a dimension at or below this is weak: its failed rules vote double
OVER_BUDGET_RATIO = 1.5  # a phase this far over its budget votes for its topics
OPEN_ITEMS_WEIGHT = 2.0  # a topic with all its checklist items open
PROMPT_TOPIC_WEIGHT = 1.5  # a topic the mock's prompt exercises, never talked about


class TopicError(ValueError):
    """A topic file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    summary: str  # two paragraphs, separated by a blank line
    checklist: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudyItem:
    """One topic to study next: ``why`` says which gaps of this mock point to it."""

    topic: str
    title: str
    why: str
    prompt_id: str | None
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "title": self.title, "why": self.why,
                "prompt_id": self.prompt_id}


def load_topic(path: Path) -> Topic:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TopicError(f"{path}: not valid TOML: {exc}") from exc
    for key in ("title", "summary"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise TopicError(f"{path}: field '{key}' must be a non-empty string")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("checklist", "vocabulary", "phases", "prompts"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TopicError(f"{path}: field '{key}' must be a list of strings")
        lists[key] = tuple(value)
    return Topic(id=str(data.get("id") or path.stem), title=data["title"].strip(),
                 summary=data["summary"].strip(), **lists)


def load_topics(*dirs: Path) -> tuple[Topic, ...]:
    """Every ``*.toml`` topic in ``dirs``, later folders overriding ids, sorted by id."""
    by_id: dict[str, Topic] = {}
    for folder in dirs:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                topic = load_topic(path)
                by_id[topic.id] = topic
    return tuple(by_id[k] for k in sorted(by_id))


@dataclass
class _Votes:
    weight: float = 0.0
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, weight: float, reason: str, evidence: Iterable[Evidence] = ()) -> None:
        self.weight += weight
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.evidence.extend(evidence)


def _shared(reason: str) -> bool:
    """A failed rule's reason ("Technical depth 2/4: …") can point to several topics."""
    return "/4: " in reason


def choose_prompt(topic: Topic, practised: Iterable[str], current: str | None) -> str | None:
    """The topic's first prompt not practised yet; else the first that is not this mock's
    (``None`` only for a topic without prompts)."""
    done = set(practised)
    fresh = [p for p in topic.prompts if p not in done and p != current]
    if fresh:
        return fresh[0]
    other = [p for p in topic.prompts if p != current] or list(topic.prompts)
    return other[0] if other else None


def suggest_study(
    scorecard: Scorecard,
    report: TrackerReport,
    topics: Sequence[Topic],
    *,
    practised: Iterable[str] = (),
    current_prompt: str | None = None,
    labels: dict[str, str] | None = None,
    said: Sequence[str] = (),
    limit: int = MAX_TOPICS,
) -> tuple[StudyItem, ...]:
    """At most ``limit`` topics this mock points to, the strongest first. ``said``: the
    candidate's lines (never the interviewer's), for topics the prompt calls for."""
    done = tuple(practised)
    votes: dict[str, _Votes] = {t.id: _Votes() for t in topics}
    by_item: dict[str, list[str]] = {}
    by_phase: dict[str, list[str]] = {}
    for t in topics:
        for item_id in t.checklist:
            by_item.setdefault(item_id, []).append(t.id)
        for phase in t.phases:
            by_phase.setdefault(phase, []).append(t.id)

    for dim in scorecard.dimensions:
        weak = dim.score is not None and dim.score <= WEAK_SCORE
        for finding in dim.failed:
            # a fault that points to several topics says less about each of them
            share = finding.weight * (2.0 if weak else 1.0) / max(1, len(finding.topics))
            for tid in finding.topics:
                if tid in votes:
                    votes[tid].add(share,
                                   f"{dim.label} {dim.score}/4: {finding.text}",
                                   finding.evidence[:1])
    open_items: dict[str, list[str]] = {}
    tracked: dict[str, int] = {}  # the topic's items this framework has
    for item in report.checklist:
        for tid in by_item.get(item.id, []):
            tracked[tid] = tracked.get(tid, 0) + 1
            if not item.addressed:
                open_items.setdefault(tid, []).append(item.text.split(" (")[0])
    for tid, names in open_items.items():
        # the share of the topic left open, so a topic with many items does not win on count
        votes[tid].add(OPEN_ITEMS_WEIGHT * len(names) / tracked[tid],
                       "never addressed: " + ", ".join(names))
    for phase, budget in report.budget.items():
        spent = float(report.time_per_phase.get(phase, 0.0))
        if budget > 0 and spent > OVER_BUDGET_RATIO * budget:
            name = (labels or {}).get(phase) or phase.replace("_", " ").capitalize()
            for tid in by_phase.get(phase, []):
                votes[tid].add(2.0, f"{name} took {clock(spent)} of {clock(budget)}")

    if current_prompt is not None and said:
        text = normal_text(" ".join(said))
        for t in topics:
            if current_prompt in t.prompts and t.vocabulary \
                    and not phrase_pattern(t.vocabulary).search(text):
                words = ", ".join(f"“{w}”" for w in t.vocabulary[:4])
                votes[t.id].add(PROMPT_TOPIC_WEIGHT, f"this prompt calls for "
                                f"{t.title.lower()}, and none of its words came up ({words})")

    order = {t.id: n for n, t in enumerate(topics)}
    ranked = sorted((tid for tid, v in votes.items() if v.weight > 0),
                    key=lambda tid: (-votes[tid].weight, order[tid]))[:limit]
    by_id = {t.id: t for t in topics}
    out = []
    suggested: list[str] = []  # one prompt per topic, a different one where there is a choice
    for tid in ranked:
        v = votes[tid]
        # the first reason, then the first one that is this topic's own (an open item, an
        # overrun, the prompt) rather than a fault it shares with other topics
        own = [r for r in v.reasons[1:] if not _shared(r)]
        shown = v.reasons[:1] + (own[:1] or v.reasons[1:2])
        reasons = [r.rstrip(". ") for r in shown]
        more = f" (+{len(v.reasons) - 2} more)" if len(v.reasons) > 2 else ""
        why = "; ".join(reasons) + more + "."
        prompt = choose_prompt(by_id[tid], [*done, *suggested], current_prompt)
        if prompt is not None:
            suggested.append(prompt)
        out.append(StudyItem(tid, by_id[tid].title, why, prompt, tuple(v.evidence[:2])))
    return tuple(out)
