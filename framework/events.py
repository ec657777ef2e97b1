"""What the tracker tells the application: events as they happen and a state snapshot.

Events are small frozen dataclasses; ``event`` names the kind ("phase_changed", "addressed",
"nudge") so consumers can switch on it or use ``isinstance``. ``TrackerEvent`` is their union.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

Status = Literal["under", "near", "over"]


@dataclass(frozen=True)
class PhaseChanged:
    """The candidate moved to ``phase`` at ``at_s`` (the start of the speech that showed it);
    ``evidence`` are the words that triggered it; ``manual`` when the user chose it."""

    event: ClassVar[str] = "phase_changed"
    phase: str
    at_s: float
    evidence: tuple[str, ...] = ()
    manual: bool = False
    previous: str | None = None
    detected_s: float | None = None  # when the tracker became sure (>= at_s); None for manual


@dataclass(frozen=True)
class Addressed:
    """A checklist item or prompt requirement was covered at ``at_s`` by ``evidence`` words."""

    event: ClassVar[str] = "addressed"
    item_id: str
    kind: Literal["checklist", "requirement"]
    at_s: float
    evidence: tuple[str, ...] = ()
    label: str = ""
    source: Literal["speech", "diagram"] = "speech"  # said, or drawn on a captured diagram


@dataclass(frozen=True)
class Nudge:
    """Something worth saying to the candidate now, with the reason in ``text``.

    ``kind``: "over_budget", "no_non_functional", "no_numbers", "deep_dive_not_reached",
    "requirement_untouched". ``key`` identifies the nudge so it fires once (per phase/item)."""

    event: ClassVar[str] = "nudge"
    kind: str
    text: str
    at_s: float
    key: str = ""


TrackerEvent = PhaseChanged | Addressed | Nudge


@dataclass(frozen=True)
class PhaseTiming:
    phase: str
    label: str
    elapsed_s: float
    budget_s: float
    status: Status


@dataclass(frozen=True)
class ItemStatus:
    """A checklist item (``phase`` set) or a prompt requirement (``phase`` None)."""

    id: str
    label: str
    kind: Literal["checklist", "requirement"]
    phase: str | None
    addressed: bool
    at_s: float | None
    evidence: tuple[str, ...]
    requirement_kind: str | None = None
    source: Literal["speech", "diagram"] = "speech"


@dataclass(frozen=True)
class TrackerState:
    """A snapshot for the UI: where the candidate is, the clocks, what is open, what to nudge."""

    now_s: float
    phase: str
    phase_label: str
    manual: bool
    template: str
    round_elapsed_s: float
    round_s: float
    phases: tuple[PhaseTiming, ...]
    items: tuple[ItemStatus, ...]
    nudges: tuple[Nudge, ...]

    @property
    def current(self) -> PhaseTiming:
        return next(t for t in self.phases if t.phase == self.phase)

    @property
    def open_items(self) -> tuple[ItemStatus, ...]:
        return tuple(i for i in self.items if not i.addressed)

    @property
    def addressed_items(self) -> tuple[ItemStatus, ...]:
        return tuple(i for i in self.items if i.addressed)

    @property
    def round_remaining_s(self) -> float:
        return max(0.0, self.round_s - self.round_elapsed_s)
