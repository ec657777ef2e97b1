"""Saved mocks whose facts are known, for the progress tests (framework, store, CLI, view).

Not a test module. ``known_report`` builds a tracker report with the real types
(``framework.report``) so its JSON is exactly what the runner saves; ``save_mock`` stores it
the way a finished session is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from framework.report import CoveredItem, TrackerReport

BUDGET = {"requirements": 300.0, "estimation": 240.0, "high_level": 600.0, "deep_dive": 720.0}


def known_report(
    *,
    spent: Mapping[str, float] | None = None,
    budget: Mapping[str, float] | None = None,
    open_items: Sequence[tuple[str, str]] = (),
    wpm: float = 130.0,
    fillers_per_min: float = 0.5,
    hedges: int = 2,
    tradeoffs: int = 6,
    checks: int = 1,
    flagged: int = 0,
) -> dict[str, Any]:
    """A report with these facts; ``spent`` defaults to every phase within budget."""
    spent = dict(spent if spent is not None else
                 {"requirements": 240.0, "estimation": 200.0, "high_level": 500.0,
                  "deep_dive": 600.0})
    checklist = tuple(CoveredItem(i, label, False, None, "", phase="requirements")
                      for i, label in open_items)
    checklist += (CoveredItem("functional", "Functional requirements", True, 12.0, "use cases",
                              phase="requirements"),)
    duration = sum(spent.values())
    signals = {
        "words": int(wpm * duration / 60), "wpm": wpm,
        "fillers": {"count": round(fillers_per_min * duration / 60),
                    "per_minute": fillers_per_min, "by_word": {}},
        "hedges": hedges, "tradeoffs": tradeoffs,
        "estimation": {"quantities": [], "flagged": flagged,
                       "checks": [{"ok": i >= flagged} for i in range(checks)]},
    }
    report = TrackerReport(
        framework="system-design", duration_s=duration, phases=(), time_per_phase=spent,
        budget=dict(budget or BUDGET), checklist=checklist, requirements=(), nudges=(),
        signals=signals, phase_model="learned")
    return report.to_json()


def save_mock(store: Any, title: str, started_at: str, report: dict[str, Any] | None,
              coverage_pct: float | None = 75.0) -> int:
    """A finished session with ``report`` saved as the runner saves one."""
    session = store.create_session(title=title, framework="system-design",
                                   started_at=started_at)
    duration = report["duration_s"] if report else 60.0
    store.finish_session(session.id, duration_s=duration, report=report,
                         coverage_pct=coverage_pct)
    return int(session.id)
