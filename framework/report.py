"""The tracker's report as typed values: what a mock came to, for the CLI, the store and the
windows. ``to_json()`` is the ``mockcoach replay --json`` object (a contract documented in
README.md); readers in Python use the fields and never guess a dict's shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


def _r(x: float) -> float:
    return round(float(x), 2)


@dataclass(frozen=True)
class PhaseSpan:
    """One stretch of the timeline: the phases are consecutive, the first starts at 0."""

    id: str
    start_s: float
    end_s: float

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "start": _r(self.start_s), "end": _r(self.end_s)}


@dataclass(frozen=True)
class CoveredItem:
    """A checklist item (``phase`` set) or a prompt requirement (``kind`` set) and whether,
    when and by which words it was addressed."""

    id: str
    text: str
    addressed: bool
    at_s: float | None
    evidence: str
    phase: str | None = None  # checklist items
    kind: str | None = None  # prompt requirements: functional, non_functional, scale, ...
    source: Literal["speech", "diagram"] = "speech"

    def to_json(self) -> dict[str, Any]:
        base = {"id": self.id, "addressed": self.addressed,
                "at": _r(self.at_s) if self.at_s is not None else None,
                "evidence": self.evidence}
        if self.source != "speech":  # only drawn items carry it: the replay shape is unchanged
            base["source"] = self.source
        if self.kind is None:
            return {"id": self.id, "label": self.text, "phase": self.phase, **base}
        return {"id": self.id, "text": self.text, "kind": self.kind, **base}


@dataclass(frozen=True)
class NudgeNote:
    at_s: float
    kind: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"at": _r(self.at_s), "kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class TrackerReport:
    framework: str
    duration_s: float
    phases: tuple[PhaseSpan, ...]
    time_per_phase: Mapping[str, float]
    budget: Mapping[str, float]
    checklist: tuple[CoveredItem, ...]
    requirements: tuple[CoveredItem, ...]
    nudges: tuple[NudgeNote, ...]
    signals: Mapping[str, Any]  # framework.signals.DeliverySignals.report
    phase_model: Literal["learned", "rules"]

    def to_json(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "duration_s": _r(self.duration_s),
            "phases": [p.to_json() for p in self.phases],
            "time_per_phase": {k: _r(v) for k, v in self.time_per_phase.items()},
            "budget": {k: _r(v) for k, v in self.budget.items()},
            "checklist": [c.to_json() for c in self.checklist],
            "requirements": [r.to_json() for r in self.requirements],
            "nudges": [n.to_json() for n in self.nudges],
            "signals": dict(self.signals),
            "phase_model": self.phase_model,
        }
