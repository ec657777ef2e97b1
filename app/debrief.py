"""After a mock: its scorecard and what to study next, from what the store saved.

``session_debrief(store, session_id)`` is the one entry point the CLI, the exports, the review
window and the progress view share. It reads the saved session once, turns it into the
framework's own input (``framework.scorecard.SessionFacts``) and runs the pure scorecard and
study functions. It reuses the tracker report saved with the session; only a session without
one (cut short and never recovered) has its report rebuilt by replaying the saved transcript.

The rubric, the topics, the frameworks and the prompt library are read once per process
(``debrief_data``), so a caller that debriefs 200 sessions pays for them once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from framework.report import CoveredItem, PhaseSpan, TrackerReport
from framework.scorecard import (
    Roles,
    Rubric,
    Scorecard,
    SessionFacts,
    Spoken,
    load_rubric,
    report_from_json,
    score_session,
)
from framework.study import StudyItem, Topic, load_topics, suggest_study

if TYPE_CHECKING:
    from app.store import Capture, Segment, Session, SessionRecord, SessionStore
    from capture.library import LibraryPrompt
    from framework.definition import Framework

RUBRIC_FILE = ("rubrics", "system-design.toml")


@dataclass(frozen=True)
class Debrief:
    """A mock's scorecard and up to three topics to study, each with a prompt to practise.
    ``prompt_id``: the library prompt this mock practised, when it is one."""

    scorecard: Scorecard
    study: tuple[StudyItem, ...]
    prompt_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``sessions show --json`` keys ``scorecard`` and ``study`` (README contract)."""
        return {"scorecard": self.scorecard.to_json(),
                "study": [s.to_json() for s in self.study]}


@dataclass(frozen=True)
class DebriefData:
    """What every debrief reads besides the session: loaded once, then shared. ``problems``:
    a user's rubric or topic file that could not be used (the bundled one was), in words."""

    rubric: Rubric
    topics: tuple[Topic, ...]
    frameworks: Mapping[str, Framework]
    library: tuple[LibraryPrompt, ...]
    problems: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()  # the rubric and topic files in effect

    def prompt_id(self, title: str) -> str | None:
        """The library prompt with this title (as saved with a capture), if any."""
        wanted = title.strip().casefold()
        return next((e.id for e in self.library if e.title.casefold() == wanted), None)


@lru_cache(maxsize=4)
def _load(frameworks_dir: Path, prompts_dir: Path, user_root: Path | None) -> DebriefData:
    from assets import asset_path
    from capture.library import LibraryError, default_dirs, load_library
    from framework.definition import available_frameworks
    from framework.scorecard import RubricError
    from framework.study import TopicError

    try:
        library = tuple(load_library(*default_dirs(), prompts_dir))
    except LibraryError:
        library = tuple(load_library(*default_dirs()))  # a broken user prompt hides only itself
    problems: list[str] = []
    rubric_file = asset_path(*RUBRIC_FILE)
    rubric = load_rubric(rubric_file)
    mine = user_root / RUBRIC_FILE[0] / RUBRIC_FILE[1] if user_root else None
    if mine is not None and mine.is_file():
        try:
            rubric, rubric_file = load_rubric(mine), mine
        except RubricError as exc:
            problems.append(f"{exc} (the bundled rubric is used instead)")
    topic_dirs = [asset_path("topics")]
    if user_root is not None and (user_root / "topics").is_dir():
        topic_dirs.append(user_root / "topics")
    try:
        topics = load_topics(*topic_dirs)
    except TopicError as exc:
        problems.append(f"{exc} (the bundled topics are used instead)")
        topic_dirs = topic_dirs[:1]
        topics = load_topics(*topic_dirs)
    return DebriefData(
        rubric=rubric, topics=topics,
        frameworks=available_frameworks(frameworks_dir, errors=[]),
        library=library, problems=tuple(problems),
        sources=(rubric_file, *sorted(p for d in topic_dirs for p in d.glob("*.toml"))),
    )


def debrief_data() -> DebriefData:
    """The rubric and topics (bundled; a user's ``rubrics/system-design.toml`` replaces the
    rubric and ``topics/*.toml`` add to or replace topics, both in the data folder), the
    frameworks and prompts (bundled and the user's)."""
    from app import paths

    return _load(paths.user_frameworks_dir(), paths.user_prompts_dir(), paths.data_dir())


# -- from a saved session to the framework's facts -----------------------------------------------


def _roles(framework: Framework | None, phases: Iterable[str]) -> Roles:
    if framework is not None:
        r = framework.rules
        return Roles(scope=framework.phases[0].id if framework.phases else None,
                     design_starts=r.design_starts, high_level=r.high_level,
                     deep_dive=r.deep_dive)
    ids = list(phases)  # the framework file is gone: go by the usual ids

    def have(*names: str) -> str | None:
        return next((n for n in names if n in ids), None)

    return Roles(scope=ids[0] if ids else None, design_starts=have("api", "high_level"),
                 high_level=have("high_level", "design"), deep_dive=have("deep_dive",
                                                                          "deep_dives"))


def _report_without_framework(record: SessionRecord) -> TrackerReport:
    """What the store alone says (timeline, addressed items) when there is no saved report and
    no framework to rebuild one: no delivery signals, so those rules say "not measured"."""
    s = record.session
    spans: list[PhaseSpan] = []
    spent: dict[str, float] = {}
    budget: dict[str, float] = {}
    for sp in record.phase_spans:
        end = sp.end_s if sp.end_s is not None else s.duration_s
        spans.append(PhaseSpan(sp.phase, sp.start_s, end))
        spent[sp.phase] = spent.get(sp.phase, 0.0) + max(0.0, end - sp.start_s)
        if sp.budget_s:
            budget[sp.phase] = sp.budget_s
    addressed = {c.item_id: c for c in record.coverage}
    checklist = tuple(CoveredItem(c.item_id, c.label or c.item_id, True, c.at_s, c.evidence,
                                  phase="") for c in record.coverage if c.kind == "checklist")
    requirements = tuple(
        CoveredItem(r.id, r.text, r.id in addressed,
                    addressed[r.id].at_s if r.id in addressed else None,
                    addressed[r.id].evidence if r.id in addressed else "", kind=r.kind)
        for c in record.captures[-1:] for r in c.requirements)
    return TrackerReport(s.framework, s.duration_s, tuple(spans), spent, budget, checklist,
                         requirements, (), {}, "rules")


def _rebuilt_report(record: SessionRecord, framework: Framework | None) -> TrackerReport:
    """Replay the saved transcript through the tracker (a session saved without a report)."""
    if framework is None:
        return _report_without_framework(record)
    from framework.tracker import Tracker
    from framework.types import PromptItem, Utterance

    s = record.session
    requirements = [PromptItem(r.id, r.text, r.kind)
                    for c in record.captures[-1:] for r in c.requirements]
    tracker = Tracker(framework, requirements=requirements, round_s=s.round_s)
    manual = [c for c in record.phase_changes if c.manual]
    for seg in record.segments:
        while manual and manual[0].at_s <= seg.start_s:
            tracker.override(manual.pop(0).phase, seg.start_s)
        tracker.feed(Utterance(seg.text, seg.start_s, seg.end_s, speaker=_speaker(seg)))
    end = max(s.duration_s, record.segments[-1].end_s if record.segments else 0.0)
    return tracker.summary(end)


def _speaker(segment: Segment) -> str:
    return "interviewer" if segment.speaker == "interviewer" else "candidate"


class Line(NamedTuple):
    """A transcript line as the scorecard reads it (cheaper than a ``Segment`` per row)."""

    start_s: float
    end_s: float
    text: str
    speaker: str


def _facts(session: Session, said: Sequence[Spoken], captures: Sequence[Capture],
           report: TrackerReport, framework: Framework | None) -> SessionFacts:
    phases = framework.phase_ids if framework is not None else tuple(report.budget)
    return SessionFacts(
        report=report,
        said=said,
        round_s=session.round_s,
        has_prompt=any(c.requirements for c in captures) or bool(report.requirements),
        # live mocks and recordings have audio behind their times; a typed transcript does not
        timed_by_audio=session.audio_path is not None or "microphone" in (session.settings or {}),
        roles=_roles(framework, phases),
        phase_order=phases,
        labels={p.id: p.label for p in framework.phases} if framework is not None else {},
        cues={p.id: p.cues for p in framework.phases} if framework is not None else {},
    )


def _framework(session: Session, data: DebriefData) -> Framework | None:
    framework = data.frameworks.get(session.framework)
    if framework is not None and session.round_s > 0:
        framework = framework.scaled(session.round_s)
    return framework


def session_facts(record: SessionRecord, data: DebriefData) -> SessionFacts:
    """A saved session as the scorecard's input (its report rebuilt when it has none)."""
    s = record.session
    framework = _framework(s, data)
    report = report_from_json(s.report) if s.report else _rebuilt_report(record, framework)
    return _facts(s, record.segments, record.captures, report, framework)


def captures_prompt_id(captures: Sequence[Capture], data: DebriefData) -> str | None:
    """The library prompt a mock practised: a capture's title, else the closest match."""
    for cap in reversed(captures):
        found = data.prompt_id(cap.prompt_title) if cap.prompt_title else None
        if found:
            return found
    if captures and data.library:
        from capture.library import match_library
        from capture.prompt import Prompt, Requirement

        cap = captures[-1]
        prompt = Prompt(title=cap.prompt_title, raw_text=cap.ocr_text, requirements=tuple(
            Requirement(r.id, r.text, r.kind, r.value, r.unit) for r in cap.requirements))
        match = match_library(prompt, data.library)
        return match.entry.id if match else None
    return None


def record_prompt_id(record: SessionRecord, data: DebriefData) -> str | None:
    return captures_prompt_id(record.captures, data)


def _debrief(facts: SessionFacts, prompt_id: str | None, data: DebriefData,
             practised: Iterable[str]) -> Debrief:
    scorecard = score_session(facts, data.rubric)
    study = suggest_study(scorecard, facts.report, data.topics, practised=practised,
                          current_prompt=prompt_id, labels=dict(facts.labels),
                          said=[s.text for s in facts.said if s.speaker != "interviewer"])
    return Debrief(scorecard, study, prompt_id)


def debrief_record(record: SessionRecord, data: DebriefData | None = None,
                   practised: Iterable[str] = ()) -> Debrief:
    """The debrief of a loaded session; ``practised``: library prompt ids already practised
    (the study list prefers others)."""
    data = data or debrief_data()
    return _debrief(session_facts(record, data), record_prompt_id(record, data), data,
                    practised)


def practised_prompts(store: SessionStore, data: DebriefData | None = None) -> set[str]:
    """Library prompt ids the saved sessions practised (one query)."""
    data = data or debrief_data()
    return {pid for title in store.prompt_titles().values()
            if (pid := data.prompt_id(title)) is not None}


def session_debrief(store: SessionStore, session_id: int, *,
                    practised: Iterable[str] | None = None,
                    data: DebriefData | None = None) -> Debrief:
    """Load session ``session_id`` and compute its scorecard and study list.

    For many sessions, pass ``practised`` (from ``practised_prompts``) and ``data`` (from
    ``debrief_data``) once, so each call is one load plus linear work."""
    data = data or debrief_data()
    done = practised_prompts(store, data) if practised is None else practised
    session = store.get_session(session_id)
    if not session.report:  # the tracker is replayed over the whole record
        return debrief_record(store.load(session_id), data, done)
    # the saved report has the timeline and coverage: read only the transcript and prompt
    said = [Line._make(row) for row in store.transcript_rows(session_id)]
    captures = store.captures_of(session_id)
    facts = _facts(session, said, captures, report_from_json(session.report),
                   _framework(session, data))
    return _debrief(facts, captures_prompt_id(captures, data), data, done)


# -- for people: the CLI, the Markdown export and the review window share these ------------------


def score_label(score: int | None) -> str:
    """``3/4``, or ``not measured`` (never a made-up number)."""
    return f"{score}/4" if score is not None else "not measured"


def debrief_text(d: Debrief) -> list[str]:
    """The scorecard and study list as plain lines (``sessions show``)."""
    from app.presentation import clock

    out = [f"Scorecard (rubric {d.scorecard.rubric})"]
    for dim in d.scorecard.dimensions:
        out.append(f"  {dim.label:<20} {score_label(dim.score):>12}  {dim.reason}")
        for e in dim.evidence:
            out.append(f"  {'':<20} {clock(e.at_s):>12}  {e.text}")
    out.append("")
    out.append("Study next")
    if not d.study:
        out.append("  Nothing stands out: no weak dimension, open item or overrun.")
    for n, s in enumerate(d.study, 1):
        practise = f" Practise: {s.prompt_id} (`mockcoach prompts show {s.prompt_id}`)." \
            if s.prompt_id else ""
        out.append(f"  {n}. {s.title}: {s.why}{practise}")
    return out


def _prompt_title(prompt_id: str | None, data: DebriefData) -> str:
    return next((e.title for e in data.library if e.id == prompt_id), prompt_id or "")


def _topic_summary(topic_id: str, data: DebriefData) -> list[str]:
    topic = next((t for t in data.topics if t.id == topic_id), None)
    if topic is None:
        return []
    return [" ".join(p.split()) for p in topic.summary.split("\n\n") if p.strip()]


def debrief_markdown(d: Debrief, data: DebriefData | None = None) -> list[str]:
    """The scorecard and study list as Markdown sections (the ``md`` export)."""
    from app.presentation import clock

    data = data or debrief_data()
    out = ["## Scorecard", "", f"Rubric: `{d.scorecard.rubric}`.", "",
           "| Dimension | Score | Why |", "|---|---:|---|"]
    for dim in d.scorecard.dimensions:
        out.append(f"| {dim.label} | {score_label(dim.score)} | {_md_cell(dim.reason)} |")
    out.append("")
    for dim in d.scorecard.dimensions:
        out += [f"**{dim.label}** — {score_label(dim.score)}", ""]
        out += [f"- `{clock(e.at_s)}` {e.text}" for e in dim.evidence]
        out += [f"- {_MARK[f.ok]} {f.text}" for f in dim.findings if f.ok is not None
                or f.mention]
        out.append("")
    out += ["## Study next", ""]
    if not d.study:
        out += ["Nothing stands out: no weak dimension, open item or overrun.", ""]
    for n, s in enumerate(d.study, 1):
        out.append(f"{n}. **{s.title}** — {s.why}")
        if s.prompt_id:
            out.append(f"   Practise next: *{_prompt_title(s.prompt_id, data)}* "
                       f"(`mockcoach prompts show {s.prompt_id}`).")
        out += [f"   > {p}" if i == 0 else f"   >\n   > {p}"
                for i, p in enumerate(_topic_summary(s.topic, data))]
    out.append("")
    return out


_MARK = {True: "✓", False: "✗", None: "–"}  # a rule passed, failed, not measured


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def debrief_html(d: Debrief, data: DebriefData | None = None) -> str:
    """The scorecard (one card per dimension, its score as four pips, the reason and the
    moments) and the study list (why, the prompt to practise, the topic's summary folded) as
    HTML sections for the self-contained report: no script, no external URL."""
    import html

    from app.presentation import clock

    e = html.escape
    data = data or debrief_data()
    cards = []
    for dim in d.scorecard.dimensions:
        level = dim.score or 0
        pips = "".join(f"<i class='{'on' if n <= level else ''}'></i>" for n in range(1, 5))
        cls = "none" if dim.score is None else ("low" if dim.score <= 2 else "ok")
        moments = "".join(f"<li><span class='muted'>{clock(x.at_s)}</span> {e(x.text)}</li>"
                          for x in dim.evidence)
        checks = "".join(
            f"<li class='{'none' if f.ok is None else ('ok' if f.ok else 'fault')}' "
            f"title='{e(f.rationale)}'>{_MARK[f.ok]} {e(f.text)}</li>"
            for f in dim.findings if f.ok is not None or f.mention)
        cards.append(
            f"<div class='dim {cls}'><h3>{e(dim.label)}</h3><p class='score'>"
            f"<span class='pips' aria-hidden='true'>{pips}</span> "
            f"{e(score_label(dim.score))}</p><p>{e(dim.reason)}</p>"
            + (f"<ul class='evidence'>{moments}</ul>" if moments else "")
            + (f"<details><summary>Every check</summary><ul class='checks'>{checks}</ul>"
               "</details>" if checks else "") + "</div>")
    study = []
    for s in d.study:
        summary = "".join(f"<p>{e(p)}</p>" for p in _topic_summary(s.topic, data))
        practise = (f"<p>Practise next: <b>{e(_prompt_title(s.prompt_id, data))}</b> "
                    f"<code>mockcoach prompts show {e(s.prompt_id)}</code></p>"
                    if s.prompt_id else "")
        study.append(f"<li><b>{e(s.title)}</b><p class='muted'>{e(s.why)}</p>{practise}"
                     + (f"<details><summary>About {e(s.title.lower())}</summary>{summary}"
                        "</details>" if summary else "") + "</li>")
    nothing = "<p class='muted'>Nothing stands out: no weak dimension, open item or overrun.</p>"
    return (f"<section><h2>Scorecard</h2><div class='scorecard'>{''.join(cards)}</div>"
            f"<p class='muted'>Rubric <code>{e(d.scorecard.rubric)}</code>: each dimension "
            "starts at 4 and every failed rule takes its weight off; “not measured” where the "
            "session cannot tell. Hover a check for why interviewers grade it.</p></section>"
            + "<section><h2>Study next</h2>"
            + (f"<ol class='study'>{''.join(study)}</ol>" if study else nothing)
            + "</section>")


def debrief_rich_text(d: Debrief, *, muted: str, ok: str, low: str, accent: str,
                      data: DebriefData | None = None) -> str:
    """The scorecard and study list in the rich-text subset Qt renders (the review window's
    Scorecard tab): tables, no CSS grid. Each moment links to ``t:<seconds>`` so a click shows
    it in the transcript. Colours come from the window's theme."""
    import html

    from app.presentation import clock

    e = html.escape
    data = data or debrief_data()
    parts = []
    for dim in d.scorecard.dimensions:
        colour = muted if dim.score is None else (low if dim.score <= 2 else ok)
        level = dim.score or 0
        pips = (f"<span style='color:{colour}'>{'●' * level}</span>"
                f"<span style='color:{muted}'>{'○' * (4 - level)}</span>")
        moments = "".join(
            f"<tr><td valign='top' width='44'><a href='t:{x.at_s}' style='color:{accent};"
            f"text-decoration:none'>{clock(x.at_s)}</a></td><td style='color:{muted}'>"
            f"{e(x.text)}</td></tr>" for x in dim.evidence)
        parts.append(
            f"<h3 style='margin:10px 0 2px 0'>{e(dim.label)} &nbsp;{pips} "
            f"<span style='color:{colour}'>{e(score_label(dim.score))}</span></h3>"
            f"<p style='margin:0 0 2px 0'>{e(dim.reason)}</p>"
            + (f"<table cellspacing='0' cellpadding='1'>{moments}</table>" if moments else ""))
    parts.append("<h3 style='margin:14px 0 4px 0'>Study next</h3>")
    if not d.study:
        parts.append(f"<p style='color:{muted}'>Nothing stands out: no weak dimension, open "
                     "item or overrun.</p>")
    else:
        parts.append("<ol>")
        for s in d.study:
            practise = (f"<br>Practise next: <b>{e(_prompt_title(s.prompt_id, data))}</b> "
                        f"<span style='color:{muted}'>({e(s.prompt_id)})</span>"
                        if s.prompt_id else "")
            parts.append(f"<li><b>{e(s.title)}</b><br><span style='color:{muted}'>"
                         f"{e(s.why)}</span>{practise}</li>")
        parts.append("</ol>")
    parts.append(f"<p style='color:{muted}'>Rubric {e(d.scorecard.rubric)}: each dimension "
                 "starts at 4 and each failed rule takes its weight off; “not measured” where "
                 "the session cannot tell.</p>")
    return "".join(parts)
