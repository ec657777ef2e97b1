"""Progress across the saved mocks, read from the store: what ``mockcoach progress``, its HTML
page and the review window's progress view all show.

Qt-free. One pass over the ``sessions`` table: every figure comes from the tracker's report and
the coverage the runner saved when the session closed, so 200 sessions cost one query and the
JSON parsing of their reports, never a replay. The pure rules (metrics, weaknesses, trends) live
in ``framework.progress``; this module only gathers their inputs and picks the next prompt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framework.progress import MockFacts, Progress, build_progress, least_practised

if TYPE_CHECKING:
    from app.store import Session, SessionStore
    from framework.definition import Framework

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Debriefed:
    """What the scorecard and the study list (issue 12, parts 1-2) say about one session:
    the seam through which progress gets the dimension scores and the next prompt."""

    scores: Mapping[str, int] = field(default_factory=dict)  # dimension id -> 1..4 (measured)
    study_prompts: tuple[str, ...] = ()  # library prompt ids to practise next, first is best
    why: str = ""  # the study list's reason for the first prompt
    prompt_title: str = ""  # the first study prompt's title
    dimension_labels: Mapping[str, str] = field(default_factory=dict)
    phase_labels: Mapping[str, str] = field(default_factory=dict)  # of the mock's framework


SUMMARY_VERSION = 3  # bump when what a summary holds changes


def _summary(debrief_json: Mapping[str, Any], titles: Mapping[str, str]) -> dict[str, Any]:
    """What progress keeps of a debrief (the ``sessions show --json`` ``scorecard`` and
    ``study`` shapes, a contract): measured scores, dimension labels, the study prompts with
    their titles (``titles``: library id -> title), so reading it needs no prompt library."""
    dims = (debrief_json.get("scorecard") or {}).get("dimensions") or []
    return {
        "scores": {str(d["id"]): int(d["score"]) for d in dims if d.get("score") is not None},
        "labels": {str(d["id"]): str(d.get("label") or d["id"]) for d in dims},
        "study": [{"prompt_id": s.get("prompt_id"), "title": s.get("title", ""),
                   "why": s.get("why", ""), "prompt_title": titles.get(s.get("prompt_id") or "",
                                                                       "")}
                  for s in debrief_json.get("study") or []],
    }


def _from_summary(summary: Mapping[str, Any]) -> Debriefed:
    study = [s for s in summary.get("study") or [] if s.get("prompt_id")]
    why = ""
    if study:
        first = study[0]
        why = f"to study {first.get('title') or 'the first topic'}: {first.get('why', '')}"
        why = why.rstrip(": ")
    return Debriefed(
        scores={str(k): int(v) for k, v in (summary.get("scores") or {}).items()},
        study_prompts=tuple(str(s["prompt_id"]) for s in study),
        why=why,
        prompt_title=str(study[0].get("prompt_title") or "") if study else "",
        dimension_labels={str(k): str(v) for k, v in (summary.get("labels") or {}).items()},
        phase_labels={str(k): str(v) for k, v in (summary.get("phases") or {}).items()},
    )


def rules_fingerprint() -> str:
    """Which rules a summary was computed with: mockcoach's version, the rubric and topic files
    and the scorecard's and study list's code (when its source is at hand). A change to any of
    them makes every summary stale."""
    import hashlib
    import importlib.util
    import os
    from pathlib import Path

    from app import __version__
    from assets import asset_path

    digest = hashlib.sha1(f"{__version__}:{SUMMARY_VERSION}".encode(), usedforsecurity=False)
    for folder in ("rubrics", "topics"):
        root = asset_path(folder)
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    # the code's source files, found without importing them (reading progress from saved
    # summaries never loads the scorecard); a frozen bundle has none: its version says enough
    for name in ("framework.scorecard", "framework.study", "app.debrief"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin and os.path.isfile(spec.origin):
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


def debriefs(store: SessionStore, sessions: Sequence[Session],
             score_missing: bool = True) -> dict[int, Debriefed]:
    """The scorecard's scores and the study list's prompts for ``sessions``: the saved summary
    when it is still valid, else computed (``app.debrief``) and saved for next time. Without
    ``score_missing`` only the newest session is scored when it lacks one (the quick first
    pass of the progress view: an upgraded store's old mocks are scored in a second pass)."""
    from app.store.summaries import read_summaries, save_summaries

    rules = rules_fingerprint()
    saved = read_summaries(store, rules, sessions)
    missing = [s for s in sessions if s.id not in saved]
    if not score_missing:
        missing = [m for m in missing[-1:] if m.id == sessions[-1].id]
    fresh: dict[int, tuple[Session, dict[str, Any]]] = {}
    if missing:
        from app.debrief import debrief_data, practised_prompts, session_debrief

        data = debrief_data()
        practised = practised_prompts(store, data)
        titles = {e.id: e.title for e in data.library}
        for s in missing:
            try:
                summary = _summary(session_debrief(store, s.id, practised=practised,
                                                   data=data).to_json(), titles)
            except Exception:  # one session the scorecard cannot read: no scores for it,
                log.exception("debrief of session %s", s.id)  # and not retried every time
                summary = {"scores": {}, "labels": {}, "study": [], "failed": True}
            framework = data.frameworks.get(s.framework)
            if framework is not None:  # kept so reading progress parses no framework file
                summary["phases"] = {p.id: p.label for p in framework.phases}
            fresh[s.id] = (s, summary)
        save_summaries(store, rules, fresh)
    summaries = {**saved, **{sid: summary for sid, (_, summary) in fresh.items()}}
    return {sid: _from_summary(summary) for sid, summary in summaries.items()}


def library_index() -> list[tuple[str, str]]:
    """``(id, title)`` of the practice prompts (bundled and the user's own), by title; a broken
    user file leaves the bundled ones."""
    from app import paths
    from capture.library import default_dirs, load_library

    try:
        entries = load_library(*default_dirs(), paths.user_prompts_dir())
    except Exception as exc:  # a broken user prompt file: the bundled library still counts
        log.warning("prompt library: %s", exc)
        try:
            entries = load_library(*default_dirs())
        except Exception:
            log.exception("bundled prompt library")
            return []
    return sorted(((e.id, e.title) for e in entries), key=lambda e: e[1].casefold())


def phase_labels(frameworks: Mapping[str, Framework] | None = None) -> dict[str, str]:
    """Phase id -> label over the frameworks (the default framework's words win)."""
    if frameworks is None:
        from framework.definition import available_frameworks

        try:
            frameworks = available_frameworks()
        except Exception:  # labels are cosmetic: ids read well enough
            log.exception("frameworks for progress labels")
            return {}
    labels: dict[str, str] = {}
    for fid in sorted(frameworks, key=lambda f: f != "system-design"):
        for phase in frameworks[fid].phases:
            labels.setdefault(phase.id, phase.label)
    return labels


def saved_sessions(store: SessionStore, last: int | None = None,
                   everything: Sequence[Session] | None = None) -> list[Session]:
    """Closed sessions (finished or recovered), oldest first; the last ``last`` of them. A
    session still running (being recorded, or waiting for recovery) has no report yet.
    ``everything``: ``store.list_sessions()`` when the caller has it already."""
    listed = store.list_sessions() if everything is None else everything
    closed = [s for s in listed if s.status != "running"]
    closed.reverse()
    return closed[-last:] if last else closed


def load_progress(
    store: SessionStore,
    *,
    last: int | None = None,
    library: Sequence[tuple[str, str]] | None = None,
    frameworks: Mapping[str, Framework] | None = None,
    score_missing: bool = True,
) -> Progress:
    """Progress over the saved sessions (the last ``last``), with the next prompt to practise:
    the newest session's study list's first prompt when there is one, else the library prompt
    practised least (never, or longest ago). ``score_missing=False``: mocks without a saved
    summary (but the newest) show no scores rather than being scored now."""
    everything = store.list_sessions()
    sessions = saved_sessions(store, last, everything)
    found = debriefs(store, sessions, score_missing)
    empty = Debriefed()
    facts = [
        MockFacts(s.id, s.started_at, s.title, s.coverage_pct, s.report,
                  found.get(s.id, empty).scores)
        for s in sessions
    ]
    dimension_labels: dict[str, str] = {}
    phases: dict[str, str] = phase_labels(frameworks) if frameworks is not None else {}
    for d in found.values():
        dimension_labels.update(d.dimension_labels)
        for pid, label in d.phase_labels.items():
            phases.setdefault(pid, label)
    next_prompt, title, why = choose_next_prompt(store, library, sessions, found, everything)
    return build_progress(facts, next_prompt=next_prompt, next_prompt_why=why,
                          next_prompt_title=title,
                          phase_labels=phases,
                          dimension_labels=dimension_labels)


def choose_next_prompt(
    store: SessionStore,
    library: Sequence[tuple[str, str]] | None,
    shown: Sequence[Session],
    debriefs: Mapping[int, Debriefed],
    everything: Sequence[Session],
) -> tuple[str | None, str, str]:
    """The prompt to practise next: ``(id, title, why)``. The newest mock's study list first
    (no library needed); else, from ``library`` (``library_index()`` when None), the prompt
    practised least. A mock practised a library prompt when its title (or its captured
    prompt's title) is that prompt's title."""
    if not shown:
        return None, "", ""  # nothing practised yet: nothing to build on
    latest = debriefs.get(shown[-1].id) or Debriefed()
    if latest.study_prompts:
        first = latest.study_prompts[0]
        return first, latest.prompt_title, latest.why or "from the study list of your last mock"
    index = list(library) if library is not None else library_index()
    captured = store.prompt_titles()
    done = [(s.title, s.started_at) for s in everything]
    done += [(captured[s.id], s.started_at) for s in everything if s.id in captured]
    chosen = least_practised(index, done)
    if chosen is None:
        return None, "", ""
    practised = {title.strip().casefold() for title, _ in done}
    title = dict(index).get(chosen, "")
    why = ("practised longest ago" if title.strip().casefold() in practised
           else "a prompt you have not practised yet")
    return chosen, title, why


def figure(value: float | None, unit: str) -> str:
    """A progress value for people, the same in the terminal, the page and the view: ``71%``,
    ``4.5 min``, ``2.1/min``, ``3/4``, ``132 wpm``; ``–`` when not measured."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.0f}%"
    if unit == "min":
        return f"{value:.1f} min"
    if unit == "/min":
        return f"{value:.1f}/min"
    if unit == "of 4":
        return f"{value:.0f}/4"
    if unit == "wpm":
        return f"{value:.0f} wpm"
    number = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return f"{number} {unit}".strip()


def suggest_next_prompt(
    store: SessionStore, library: Sequence[tuple[str, str]] | None = None
) -> tuple[str, str, str] | None:
    """``(prompt id, title, why)`` to offer when a mock is about to start, or None before the
    first mock. Scores only the newest session (its summary is usually saved already)."""
    everything = store.list_sessions()
    sessions = saved_sessions(store, None, everything)
    if not sessions:
        return None
    found = debriefs(store, sessions[-1:])
    pid, title, why = choose_next_prompt(store, library, sessions, found, everything)
    return (pid, title or pid, why) if pid else None
