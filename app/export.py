"""A saved session as a file: Markdown, a self-contained HTML report, or the transcript as
SRT / WebVTT / JSONL.

Pure functions of a ``SessionRecord`` (plus the session's folder for the prompt image), so the
review window, the CLI and tests produce the same bytes. The HTML has no external assets: CSS,
SVG charts and the prompt image are all inline, light and dark follow ``prefers-color-scheme``.

JSONL lines are ``{"start", "end", "text", "phase"}``: the shape of the shared transcripts, so an
exported session can be replayed with ``mockcoach replay``.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.diagram_report import diagram_html, diagram_markdown
from app.presentation import (
    SPEAKER_NAMES,
    BudgetStatus,
    Line,
    budget_status,
    clock,
    has_partner,
    hedge_spans,
    marked,
    merge_lines,
    subtitle_stamp,
    words_per_minute,
)
from app.store import Capture, SessionRecord

if TYPE_CHECKING:
    from app.debrief import Debrief

FORMATS = ("md", "html", "srt", "vtt", "jsonl")

class ExportError(ValueError):
    pass


# -- transcript formats ------------------------------------------------------------------------


def _named(line: Line, partner: bool) -> str:
    """``Interviewer: text`` when a partner spoke in the session, the text alone otherwise."""
    return f"{SPEAKER_NAMES.get(line.speaker, line.speaker)}: {line.text}" if partner else line.text


def to_srt(record: SessionRecord) -> str:
    cues = []
    partner = has_partner(record.segments)
    for n, line in enumerate(merge_lines(record.segments, max_s=7.0, max_chars=84), start=1):
        end = max(line.end_s, line.start_s + 0.5)
        stamps = f"{subtitle_stamp(line.start_s, ',')} --> {subtitle_stamp(end, ',')}"
        cues.append(f"{n}\n{stamps}\n{_named(line, partner)}\n")
    return "\n".join(cues)


def to_vtt(record: SessionRecord) -> str:
    out = ["WEBVTT", f"NOTE {_vtt_safe(record.session.title)}", ""]
    partner = has_partner(record.segments)
    for line in merge_lines(record.segments, max_s=7.0, max_chars=84):
        end = max(line.end_s, line.start_s + 0.5)
        out.append(f"{subtitle_stamp(line.start_s, '.')} --> {subtitle_stamp(end, '.')}")
        voice = f"<v {SPEAKER_NAMES.get(line.speaker, line.speaker)}>" if partner else ""
        out.append(voice + _vtt_safe(line.text))
        out.append("")
    return "\n".join(out)


def _vtt_safe(text: str) -> str:
    return text.replace("-->", "→").replace("&", "&amp;").replace("<", "&lt;")


def to_jsonl(record: SessionRecord) -> str:
    partner = has_partner(record.segments)
    return "".join(
        json.dumps({"start": round(s.start_s, 3), "end": round(s.end_s, 3), "text": s.text,
                    "phase": s.phase, **({"speaker": s.speaker} if partner else {})},
                   ensure_ascii=False) + "\n"
        for s in record.segments
    )


# -- shared figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseRow:
    phase: str
    label: str
    spent_s: float
    budget_s: float | None
    status: BudgetStatus


def framework_phases(record: SessionRecord) -> list[tuple[str, str]]:
    """(id, label) of the session's phases in the framework's order: from the framework file when
    it is still installed, else the report's budgets, else the order they were visited."""
    found: list[tuple[str, str]] = []
    try:
        from app import paths
        from framework.definition import available_frameworks

        frameworks = available_frameworks(paths.user_frameworks_dir(), errors=[])
        framework = frameworks.get(record.session.framework)
        if framework is not None:
            found = [(p.id, p.label) for p in framework.phases]
    except Exception:  # a missing or broken framework only costs the nice labels
        found = []
    ids = [pid for pid, _ in found]
    for pid in list((record.session.report or {}).get("budget") or {}) + [
        sp.phase for sp in record.phase_spans
    ]:
        if pid not in ids:
            ids.append(pid)
            found.append((pid, pid.replace("_", " ").capitalize()))
    return found


def phase_rows(record: SessionRecord) -> list[PhaseRow]:
    """Time per phase (from the saved timeline) against its budget, in the framework's order."""
    session = record.session
    spent: dict[str, float] = {}
    budget: dict[str, float | None] = {}
    for span in record.phase_spans:
        end = span.end_s if span.end_s is not None else session.duration_s
        spent[span.phase] = spent.get(span.phase, 0.0) + max(0.0, end - span.start_s)
        budget.setdefault(span.phase, span.budget_s)
    report = session.report or {}
    for pid, b in (report.get("budget") or {}).items():
        budget[pid] = float(b)
    rows = []
    for pid, label in framework_phases(record):
        s = spent.get(pid, 0.0)
        b = budget.get(pid)
        rows.append(PhaseRow(pid, label, s, b, budget_status(s, b)))
    return rows


def _coverage(record: SessionRecord) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Checklist and requirement rows, from the tracker report when there is one."""
    report = record.session.report or {}
    if report.get("checklist") is not None or report.get("requirements") is not None:
        return list(report.get("checklist") or []), list(report.get("requirements") or [])
    checklist: list[dict[str, Any]] = []
    requirements: list[dict[str, Any]] = []
    for ev in record.coverage:
        row = {"id": ev.item_id, "label": ev.label or ev.item_id, "text": ev.label or ev.item_id,
               "addressed": True, "at": ev.at_s, "evidence": ev.evidence, "source": ev.source}
        (checklist if ev.kind == "checklist" else requirements).append(row)
    addressed = {ev.item_id for ev in record.coverage}
    for cap in record.captures[-1:]:
        for r in cap.requirements:
            if r.id not in addressed:
                requirements.append({"id": r.id, "text": r.text, "kind": r.kind,
                                     "addressed": False, "at": None, "evidence": ""})
    return checklist, requirements


# -- Markdown ----------------------------------------------------------------------------------


def to_markdown(record: SessionRecord, debrief: Debrief | None = None) -> str:
    """``debrief``: the session's scorecard and study list (computed here when not given)."""
    from app.debrief import debrief_markdown, debrief_record

    s = record.session
    out = [f"# {s.title or 'Mock interview'}", ""]
    out += [
        f"- **Date:** {s.started_at}",
        f"- **Duration:** {clock(s.duration_s)} of a {clock(s.round_s)} round",
        f"- **Framework:** {s.framework}",
        f"- **Status:** {s.status}",
    ]
    if s.coverage_pct is not None:
        out.append(f"- **Coverage:** {s.coverage_pct:.0f}%")
    out.append("")
    if s.notes.strip():
        out += ["## Notes", "", s.notes.strip(), ""]
    if record.captures:
        cap = record.captures[-1]
        out += ["## Prompt", ""]
        if cap.prompt_title:
            out += [f"**{cap.prompt_title}**", ""]
        if cap.ocr_text.strip():
            out += ["```text", cap.ocr_text.strip(), "```", ""]
    out += debrief_markdown(debrief or debrief_record(record))
    rows = phase_rows(record)
    if rows:
        out += ["## Phases", "", "| Phase | Time | Budget | |", "|---|---:|---:|---|"]
        for r in rows:
            budget = clock(r.budget_s) if r.budget_s else "–"
            out.append(f"| {r.label} | {clock(r.spent_s)} | {budget} | {r.status} |")
        out.append("")
        out += ["Timeline: " + " → ".join(
            f"{c.phase} ({clock(c.at_s)}{', manual' if c.manual else ''})"
            for c in record.phase_changes), ""]
    checklist, requirements = _coverage(record)
    for heading, items, key in (("Checklist", checklist, "label"),
                                ("Requirements", requirements, "text")):
        if not items:
            continue
        out += [f"## {heading}", ""]
        for item in sorted(items, key=lambda i: (bool(i.get("addressed")), i.get("at") or 0)):
            mark = "x" if item.get("addressed") else " "
            when = f" — {clock(float(item['at']))}" if item.get("at") is not None else ""
            when += " (drawn)" if item.get("source") == "diagram" else ""
            evidence = f" (“{item['evidence']}”)" if item.get("evidence") else ""
            out.append(f"- [{mark}] {item.get(key) or item.get('id')}{when}{evidence}")
        out.append("")
    out += diagram_markdown(record)
    if record.nudges:
        out += ["## Nudges", ""]
        out += [f"- {clock(n.at_s)} {n.text}" for n in record.nudges]
        out.append("")
    out += _markdown_signals(record)
    out += ["## Transcript", ""]
    partner = has_partner(record.segments)
    for line in merge_lines(record.segments):
        phase = f" *{line.phase}*" if line.phase else ""
        who = f" **{SPEAKER_NAMES.get(line.speaker, line.speaker)}:**" if partner else ""
        out.append(f"- `{clock(line.start_s)}`{phase}{who} {_mark_md(line.text)}")
    out.append("")
    return "\n".join(out)


def _mark_md(text: str) -> str:
    return "".join(f"_{run}_" if hedge else run for run, hedge in marked(text, hedge_spans(text)))


def session_pace(record: SessionRecord) -> list[tuple[float, float]]:
    """Words per minute over the session (``presentation.words_per_minute``)."""
    said = [seg for seg in record.segments if seg.speaker != "interviewer"]  # the candidate's
    return words_per_minute(said, record.session.duration_s)


def delivery_facts(record: SessionRecord) -> list[str]:
    """How it was said, as short sentences: pace, hedges, fillers, silences, and the
    estimation check from the tracker's delivery signals (when the report has them)."""
    facts = []
    points = session_pace(record)
    if points:
        rates = [w for _, w in points]
        facts.append(f"Words per minute: {sum(rates) / len(rates):.0f} on average, "
                     f"{min(rates):.0f}–{max(rates):.0f} minute by minute.")
    signals: dict[str, Any] = (record.session.report or {}).get("signals") or {}
    hedges = sum(len(hedge_spans(seg.text)) for seg in record.segments
                 if seg.speaker != "interviewer")
    tradeoffs = signals.get("tradeoffs")
    facts.append(f"Hedges: {hedges} (highlighted in the transcript)"
                 + (f"; trade-offs named: {tradeoffs}." if tradeoffs is not None else "."))
    fillers = signals.get("fillers") or {}
    if fillers:
        top = sorted((fillers.get("by_word") or {}).items(), key=lambda kv: -kv[1])[:5]
        words = ", ".join(f"“{w}” ×{n}" for w, n in top)
        facts.append(f"Fillers: {fillers.get('count', 0)} "
                     f"({fillers.get('per_minute', 0)} per minute)" + (f": {words}." if words
                                                                        else "."))
    silences = signals.get("long_silences")
    if silences is not None:
        if silences:
            listed = ", ".join(f"{clock(float(x['start']))} ({float(x['duration_s']):.0f} s)"
                               for x in silences[:6])
            more = f" and {len(silences) - 6} more" if len(silences) > 6 else ""
            facts.append(f"Long silences: {len(silences)} — at {listed}{more}.")
        else:
            facts.append("Long silences: none.")
    estimation = signals.get("estimation") or {}
    for check in estimation.get("checks") or []:
        mark = "✓" if check.get("ok") else "✗"
        facts.append(f"Estimate at {clock(float(check.get('at', 0)))} {mark} {check.get('text')}")
    return facts


def _markdown_signals(record: SessionRecord) -> list[str]:
    return ["## Delivery", "", *(f"- {fact}" for fact in delivery_facts(record)), ""]


# -- HTML --------------------------------------------------------------------------------------

_PHASE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948",
                  "#9c755f", "#bab0ac", "#ff9da7")


def _phase_colour(order: Sequence[str], phase: str | None) -> str:
    if phase is None or phase not in order:
        return "#888888"
    return _PHASE_COLOURS[order.index(phase) % len(_PHASE_COLOURS)]


def _css() -> str:
    return resources.files("app.templates").joinpath("report.css").read_text(encoding="utf-8")


def _ticks(total_s: float) -> list[float]:
    step = next((m * 60.0 for m in (1, 2, 5, 10, 15, 30) if total_s / (m * 60.0) <= 8), 3600.0)
    return [i * step for i in range(int(total_s // step) + 1)]


def timeline_svg(record: SessionRecord, order: Sequence[str]) -> str:
    """The session as a strip coloured by phase, then per phase time spent against its budget,
    all on one time scale so a bar longer than its dashed box is a phase over budget."""
    e = html.escape
    duration = max(record.session.duration_s, 1.0)
    rows = phase_rows(record)
    scale = max([duration] + [max(r.spent_s, r.budget_s or 0) for r in rows])
    width, left, right, strip_h, row_h = 760, 140, 110, 24, 24
    inner = width - left - right
    top = 8
    height = top + strip_h + 16 + row_h * len(rows) + 28

    def x(t: float) -> float:
        return left + inner * t / scale

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Phase timeline against budgets" xmlns="http://www.w3.org/2000/svg">']
    parts.append(f'<text x="0" y="{top + strip_h / 2 + 4}" class="label">Timeline</text>')
    for span in record.phase_spans:
        end = span.end_s if span.end_s is not None else duration
        w = max(0.5, x(end) - x(span.start_s))
        parts.append(
            f'<rect x="{x(span.start_s):.1f}" y="{top}" width="{w:.1f}" height="{strip_h}" '
            f'fill="{_phase_colour(order, span.phase)}"><title>{e(span.phase)} '
            f'{clock(span.start_s)}–{clock(end)}</title></rect>')
    for change in record.phase_changes:
        if change.manual:
            parts.append(f'<path d="M{x(change.at_s):.1f} {top + strip_h} l-4 6 h8 z" '
                         f'class="manual"><title>chosen by hand: {e(change.phase)} at '
                         f'{clock(change.at_s)}</title></path>')
    parts.append(f'<text x="{x(duration) + 4:.1f}" y="{top + strip_h / 2 + 4}" class="axis">'
                 f'{clock(duration)}</text>')
    y = top + strip_h + 16
    for r in rows:
        parts.append(f'<text x="0" y="{y + 13}" class="label">{e(r.label)}</text>')
        if r.budget_s:
            parts.append(f'<rect x="{left}" y="{y + 1}" width="{x(r.budget_s) - left:.1f}" '
                         f'height="16" class="budget"><title>budget {clock(r.budget_s)}'
                         f'</title></rect>')
        if r.spent_s > 0:
            parts.append(f'<rect x="{left}" y="{y + 4}" width="{max(1.0, x(r.spent_s) - left):.1f}"'
                         f' height="10" class="spent {r.status}" '
                         f'fill="{_phase_colour(order, r.phase)}"><title>{clock(r.spent_s)} '
                         f'spent</title></rect>')
        label_x = max(x(r.spent_s), x(r.budget_s or 0)) + 6
        budget = f" / {clock(r.budget_s)}" if r.budget_s else ""
        parts.append(f'<text x="{label_x:.1f}" y="{y + 13}" class="axis {r.status}">'
                     f'{clock(r.spent_s)}{budget}</text>')
        y += row_h
    for t in _ticks(scale):
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y + 2}" y2="{y + 6}" '
                     f'class="tick"/><text x="{x(t):.1f}" y="{y + 19}" class="axis" '
                     f'text-anchor="middle">{clock(t)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def wpm_svg(points: Sequence[tuple[float, float]], duration_s: float) -> str:
    """Words per minute over the session, with 100–160 wpm (a comfortable pace) shaded."""
    if not points:
        return '<p class="muted">No speech recorded.</p>'
    width, height, left, right, bottom, top = 760, 190, 44, 16, 26, 10
    peak = max(200.0, max(w for _, w in points) * 1.1)
    inner_w, inner_h = width - left - right, height - bottom - top
    duration_s = max(duration_s, 1.0)

    def px(t: float) -> float:
        return left + inner_w * t / duration_s

    def py(w: float) -> float:
        return top + inner_h * (1 - w / peak)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Words per minute" xmlns="http://www.w3.org/2000/svg">']
    parts.append(f'<rect x="{left}" y="{py(160):.1f}" width="{inner_w}" '
                 f'height="{py(100) - py(160):.1f}" class="band"><title>100–160 wpm</title>'
                 f'</rect>')
    for level in range(0, int(peak) + 1, 50):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(level):.1f}" '
                     f'y2="{py(level):.1f}" class="grid"/><text x="{left - 6}" '
                     f'y="{py(level) + 4:.1f}" class="axis" text-anchor="end">{level}</text>')
    line = " ".join(f"{px(t):.1f},{py(w):.1f}" for t, w in points)
    parts.append(f'<polyline class="line" points="{line}"/>')
    for t, w in points:
        parts.append(f'<circle cx="{px(t):.1f}" cy="{py(w):.1f}" r="2.5" class="dot">'
                     f'<title>{clock(t)}: {w:.0f} wpm</title></circle>')
    for t in _ticks(duration_s):
        parts.append(f'<text x="{px(t):.1f}" y="{height - 6}" class="axis" '
                     f'text-anchor="middle">{clock(t)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _mark_html(text: str) -> str:
    return "".join(f'<mark class="hedge">{html.escape(run)}</mark>' if hedge else html.escape(run)
                   for run, hedge in marked(text, hedge_spans(text)))


def to_html(record: SessionRecord, session_folder: Path | None = None,
            debrief: Debrief | None = None) -> str:
    from app.debrief import debrief_html, debrief_record

    e = html.escape
    s = record.session
    order = [pid for pid, _ in framework_phases(record)]
    body = [f"<header><h1>{e(s.title or 'Mock interview')}</h1><p class='meta'>"
            f"{e(s.started_at)} · {clock(s.duration_s)} of {clock(s.round_s)} · "
            f"{e(s.framework)}"
            + (f" · coverage {s.coverage_pct:.0f}%" if s.coverage_pct is not None else "")
            + (f" · <span class='badge'>{e(s.status)}</span>" if s.status != "finished" else "")
            + "</p></header>"]
    if s.notes.strip():
        body.append(f"<section><h2>Notes</h2><p class='notes'>{e(s.notes)}</p></section>")
    if record.captures:
        body.append(_html_prompt(record.captures[-1], session_folder))
    body.append(debrief_html(debrief or debrief_record(record)))
    body.append("<section><h2>Phases</h2>" + timeline_svg(record, order)
                + "<p class='legend'>" + "".join(
                    f"<span><i style='background:{_phase_colour(order, p)}'></i>{e(label)}"
                    "</span>" for p, label in framework_phases(record)) + "</p></section>")
    body.append(_html_coverage(record))
    body.append(diagram_html(record, session_folder))
    if record.nudges:
        body.append("<section><h2>Nudges</h2><ul>" + "".join(
            f"<li><span class='muted'>{clock(n.at_s)}</span> {e(n.text)}</li>"
            for n in record.nudges) + "</ul></section>")
    facts = "".join(f"<li>{e(fact)}</li>" for fact in delivery_facts(record))
    body.append("<section><h2>Delivery</h2><h3>Words per minute</h3>"
                + wpm_svg(session_pace(record), s.duration_s) + f"<ul>{facts}</ul></section>")
    partner = has_partner(record.segments)
    lines = "".join(
        f"<tr><td class='t'>{clock(x.start_s)}</td><td><i class='dot' style='background:"
        f"{_phase_colour(order, x.phase)}' title='{e(x.phase or '')}'></i></td>"
        + (f"<td class='who'>{e(SPEAKER_NAMES.get(x.speaker, x.speaker))}</td>" if partner
           else "")
        + f"<td>{_mark_html(x.text)}</td></tr>"
        for x in merge_lines(record.segments))
    body.append(f"<section><h2>Transcript</h2><table class='transcript'>{lines}</table></section>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='color-scheme' content='light dark'>"
        f"<title>{e(s.title or 'Mock interview')} — mockcoach</title>"
        f"<style>{_css()}</style></head><body><main>" + "".join(body)
        + "<footer>Made by mockcoach, offline.</footer></main></body></html>\n"
    )


def _html_prompt(cap: Capture, session_folder: Path | None) -> str:
    """The captured prompt: its image inline (a data URI), title, text and requirements."""
    e = html.escape
    img = ""
    if cap.image_path and session_folder is not None:
        file = session_folder / cap.image_path
        if file.exists():
            mime = "image/png" if file.suffix.lower() == ".png" else "image/jpeg"
            data = base64.b64encode(file.read_bytes()).decode("ascii")
            img = f'<img class="prompt" alt="captured prompt" src="data:{mime};base64,{data}">'
    reqs = "".join(f"<li>{e(r.text)} <span class='muted'>{e(r.kind)}</span></li>"
                   for r in cap.requirements)
    return (f"<section><h2>Prompt</h2>{img}"
            + (f"<h3>{e(cap.prompt_title)}</h3>" if cap.prompt_title else "")
            + (f"<pre>{e(cap.ocr_text.strip())}</pre>" if cap.ocr_text.strip() else "")
            + (f"<ul>{reqs}</ul>" if reqs else "") + "</section>")


def _html_coverage(record: SessionRecord) -> str:
    """Checklist and requirements, open ones first; empty when there is neither."""
    e = html.escape
    checklist, requirements = _coverage(record)
    cov = []
    for heading, items, key in (("Checklist", checklist, "label"),
                                ("Requirements", requirements, "text")):
        if not items:
            continue
        lis = []
        for item in sorted(items, key=lambda i: (bool(i.get("addressed")), i.get("at") or 0)):
            ok = bool(item.get("addressed"))
            when = f" <span class='muted'>{clock(float(item['at']))}</span>" if ok and item.get(
                "at") is not None else ""
            ev = f" <q>{e(str(item['evidence']))}</q>" if item.get("evidence") else ""
            tick = ("✎" if item.get("source") == "diagram" else "✓") if ok else "○"
            when += " <span class='muted'>drawn</span>" if item.get("source") == "diagram" else ""
            lis.append(f"<li class='{'done' if ok else 'open'}'>{tick} "
                       f"{e(str(item.get(key) or item.get('id')))}{when}{ev}</li>")
        cov.append(f"<h3>{heading}</h3><ul class='coverage'>{''.join(lis)}</ul>")
    return "<section><h2>Coverage</h2>" + "".join(cov) + "</section>" if cov else ""


def export(record: SessionRecord, fmt: str, session_folder: Path | None = None,
           debrief: Debrief | None = None) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt in ("markdown",):
        fmt = "md"
    if fmt == "md":
        return to_markdown(record, debrief)
    if fmt == "html":
        return to_html(record, session_folder, debrief)
    if fmt == "srt":
        return to_srt(record)
    if fmt == "vtt":
        return to_vtt(record)
    if fmt == "jsonl":
        return to_jsonl(record)
    raise ExportError(f"unknown export format '{fmt}' (choose one of: {', '.join(FORMATS)})")
