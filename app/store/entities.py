"""Rows of the session store as frozen dataclasses: what the DAOs return and accept.

Times inside a session (``*_s``) are seconds of session audio from its start, the same clock the
transcript and the recorded audio use, so a line of the transcript can seek the audio directly.
Wall-clock times (``started_at``, ``ended_at``) are ISO 8601 strings in UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

SessionStatus = Literal["running", "finished", "recovered"]


@dataclass(frozen=True)
class Session:
    id: int
    started_at: str
    ended_at: str | None
    title: str
    framework: str
    round_s: float
    duration_s: float
    notes: str
    status: SessionStatus
    audio_path: str | None  # relative to the session folder
    settings: dict[str, Any] = field(default_factory=dict)
    coverage_pct: float | None = None
    report: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "title": self.title,
            "framework": self.framework,
            "round_s": self.round_s,
            "duration_s": round(self.duration_s, 3),
            "status": self.status,
            "coverage_pct": self.coverage_pct,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Segment:
    """A final piece of transcript."""

    start_s: float
    end_s: float
    text: str
    phase: str | None = None
    id: int | None = None
    speaker: str = "candidate"
    """Who said it: "candidate" or "interviewer" (practice with a partner)."""


@dataclass(frozen=True)
class PhaseChange:
    at_s: float
    phase: str
    previous_phase: str | None = None
    evidence: str = ""
    manual: bool = False
    id: int | None = None


@dataclass(frozen=True)
class PhaseSpan:
    """A stretch of time in one phase; ``end_s`` is None while it is still open."""

    phase: str
    start_s: float
    end_s: float | None
    budget_s: float | None = None
    id: int | None = None


@dataclass(frozen=True)
class RequirementRow:
    """A prompt requirement as stored (mirrors ``capture.prompt.Requirement``)."""

    id: str
    text: str
    kind: str
    value: float | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "value": self.value,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Capture:
    at_s: float
    image_path: str | None  # relative to the session folder; None for a typed/library prompt
    ocr_text: str
    prompt_title: str = ""
    requirements: tuple[RequirementRow, ...] = ()
    id: int | None = None

    def requirements_json(self) -> str:
        return json.dumps([r.to_json() for r in self.requirements])


@dataclass(frozen=True)
class CoverageEvent:
    at_s: float
    item_id: str
    kind: str  # "checklist" | "requirement"
    label: str = ""
    evidence: str = ""
    id: int | None = None
    source: str = "speech"  # "speech" | "diagram" (a component drawn on a captured diagram)


@dataclass(frozen=True)
class DrawnLabel:
    """Text read on a captured diagram, where it is (x, y, w, h in image pixels) and the
    component it names (None: an arrow label, a note, an unknown box)."""

    text: str
    box: tuple[int, int, int, int]
    component: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "box": list(self.box), "component": self.component}


@dataclass(frozen=True)
class DiagramCapture:
    """One capture of the candidate's diagram: the image file (relative to the session folder)
    and what was read on it, at ``at_s`` of the session."""

    at_s: float
    image_path: str
    labels: tuple[DrawnLabel, ...] = ()
    id: int | None = None

    @property
    def components(self) -> tuple[str, ...]:
        """The component ids drawn, each once, in reading order."""
        return tuple(dict.fromkeys(lb.component for lb in self.labels if lb.component))

    def labels_json(self) -> str:
        return json.dumps([lb.to_json() for lb in self.labels])


@dataclass(frozen=True)
class Nudge:
    at_s: float
    kind: str
    text: str
    id: int | None = None


@dataclass(frozen=True)
class SessionRecord:
    """Everything saved about one session, loaded in one go for review and export."""

    session: Session
    segments: tuple[Segment, ...]
    phase_changes: tuple[PhaseChange, ...]
    phase_spans: tuple[PhaseSpan, ...]
    captures: tuple[Capture, ...]
    coverage: tuple[CoverageEvent, ...]
    nudges: tuple[Nudge, ...]
    diagrams: tuple[DiagramCapture, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    session_id: int
    session_title: str
    segment_id: int
    start_s: float
    snippet: str  # the matching words wrapped in [ and ]
