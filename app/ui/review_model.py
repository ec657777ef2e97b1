"""What the review window shows, prepared off the GUI thread from a stored session.

Pure data in, frozen dataclasses out: the tracker's saved report is preferred (it is the single
source of truth for coverage and delivery signals); for a session without one (recovered after a
crash) the same views are rebuilt from the stored rows.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.diagram_report import DiagramSummary, summarise
from app.presentation import (
    filler_counts,
    has_partner,
    hedge_counts,
    hedge_spans,
    merge_lines,
    trade_off_count,
    words_per_minute,
)
from app.store import SessionRecord
from framework.definition import Framework

LONG_SILENCE_S = 5.0


@dataclass(frozen=True)
class PhaseInfo:
    id: str
    label: str
    budget_s: float
    index: int


@dataclass(frozen=True)
class ReviewLine:
    start_s: float
    end_s: float
    text: str
    phase: str | None
    hedges: tuple[tuple[int, int], ...]  # character spans to highlight


@dataclass(frozen=True)
class Span:
    phase: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CoverageRow:
    id: str
    label: str
    kind: str
    group: str  # "requirement" | "checklist"
    addressed: bool
    at_s: float | None
    evidence: str
    source: str = "speech"  # "speech" | "diagram"


@dataclass(frozen=True)
class DiagramView:
    """One diagram capture for the review: when, the image file, the components named."""

    at_s: float
    image_path: Path | None
    components: tuple[str, ...]  # "Cache (“Redis Cache”)", in reading order
    thumbnail: bytes = b""  # a small PNG, made here (off the GUI thread) for the review tab


@dataclass(frozen=True)
class ReviewData:
    session_id: int
    title: str
    started_at: str
    duration_s: float
    round_s: float
    framework: str
    notes: str
    coverage_pct: float | None
    phases: tuple[PhaseInfo, ...]
    lines: tuple[ReviewLine, ...]
    spans: tuple[Span, ...]
    time_per_phase: dict[str, float]
    coverage: tuple[CoverageRow, ...]
    wpm: tuple[tuple[float, float], ...]  # (window middle s, words per minute)
    silences: tuple[tuple[float, float], ...]
    hedges: dict[str, int]
    fillers: dict[str, int]
    trade_offs: int
    estimation: tuple[str, ...]
    nudges: tuple[tuple[float, str], ...]
    prompt_text: str
    prompt_title: str
    image_path: Path | None
    audio_path: Path | None
    signals: dict[str, Any] = field(default_factory=dict)
    diagrams: tuple[DiagramView, ...] = ()
    diagram_summary: DiagramSummary | None = None  # None: no diagram was captured

    def phase(self, phase_id: str | None) -> PhaseInfo | None:
        return next((p for p in self.phases if p.id == phase_id), None)

    @property
    def words(self) -> int:
        return sum(len(line.text.split()) for line in self.lines)



def build_review(record: SessionRecord, framework: Framework | None,
                 files_root: Path | None) -> ReviewData:
    """The review of ``record``; ``framework``: the session's framework if still installed."""
    session = record.session
    report: dict[str, Any] = session.report or {}
    duration_s = float(session.duration_s or report.get("duration_s") or 0.0)
    if record.segments:
        duration_s = max(duration_s, float(record.segments[-1].end_s))
    phases = _phases(framework, record, report, session.round_s)
    spans = _spans(record, report, duration_s)
    partner = has_partner(record.segments)  # then the partner's lines are named
    lines = tuple(
        ReviewLine(s.start_s, s.end_s, text, s.phase or _phase_at(spans, s.start_s),
                   tuple(hedge_spans(text)))
        for s in merge_lines(record.segments)
        for text in [f"Interviewer: {s.text}" if partner and s.speaker == "interviewer"
                     else s.text]
    )
    time_per_phase: dict[str, float] = {}
    for span in spans:
        time_per_phase[span.phase] = time_per_phase.get(span.phase, 0.0) + span.end_s - span.start_s
    raw_signals = report.get("signals")
    signals: dict[str, Any] = raw_signals if isinstance(raw_signals, dict) else {}
    capture = record.captures[-1] if record.captures else None
    image_path = None
    if capture is not None and capture.image_path and files_root is not None:
        image_path = files_root / str(session.id) / capture.image_path
    audio_path = None
    if session.audio_path and files_root is not None:
        audio_path = files_root / str(session.id) / session.audio_path
    text = " ".join(line.text for line in lines)
    summary = summarise(record) if record.diagrams else None
    diagrams = tuple(
        DiagramView(d.at_s, file, tuple(summary.component_names(d)) if summary else (),
                    thumbnail_png(file))
        for d in record.diagrams
        for file in [files_root / str(session.id) / d.image_path if files_root else None]
    )
    return ReviewData(
        session_id=session.id,
        title=session.title or "Untitled session",
        started_at=session.started_at,
        duration_s=duration_s,
        round_s=float(session.round_s),
        framework=session.framework,
        notes=session.notes,
        coverage_pct=session.coverage_pct,
        phases=phases,
        lines=lines,
        spans=spans,
        time_per_phase=time_per_phase,
        coverage=_coverage(record, report),
        wpm=tuple(words_per_minute(lines, duration_s)),
        silences=_silences(lines),
        hedges=hedge_counts(text),
        fillers=_filler_counts(signals, text),
        trade_offs=trade_off_count(text),
        estimation=_estimation(signals),
        nudges=tuple((n.at_s, n.text) for n in record.nudges),
        prompt_text=capture.ocr_text if capture else "",
        prompt_title=capture.prompt_title if capture else "",
        image_path=image_path if image_path and image_path.exists() else None,
        audio_path=audio_path if audio_path and audio_path.exists() else None,
        signals=signals or {},
        diagrams=diagrams,
        diagram_summary=summary,
    )


def thumbnail_png(file: Path | None, width_px: int = 400) -> bytes:
    """A diagram capture scaled to ``width_px`` as PNG bytes (b"" when it cannot be read): the
    review shows these, so opening a session never decodes full-size captures on the GUI
    thread."""
    if file is None or not file.is_file():
        return b""
    try:
        from PIL import Image

        with Image.open(file) as image:
            small = image.convert("RGB")
            small.thumbnail((width_px, width_px * 4), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, format="PNG")
        return out.getvalue()
    except (OSError, ValueError):
        return b""


def _phases(framework: Framework | None, record: SessionRecord, report: dict[str, Any],
            round_s: float) -> tuple[PhaseInfo, ...]:
    if framework is not None:
        scaled = framework.scaled(round_s) if round_s else framework
        return tuple(PhaseInfo(p.id, p.label, p.budget_s, i) for i, p in enumerate(scaled.phases))
    ids: list[str] = []
    budgets = report.get("budget") or {}
    for pid in list(budgets) + [s.phase for s in record.phase_spans]:
        if pid not in ids:
            ids.append(pid)
    return tuple(
        PhaseInfo(pid, pid.replace("_", " ").capitalize(), float(budgets.get(pid, 0.0)), i)
        for i, pid in enumerate(ids)
    )


def _spans(record: SessionRecord, report: dict[str, Any], duration_s: float) -> tuple[Span, ...]:
    if record.phase_spans:
        return tuple(
            Span(s.phase, float(s.start_s), float(s.end_s if s.end_s is not None else duration_s))
            for s in record.phase_spans
        )
    return tuple(Span(p["id"], float(p["start"]), float(p["end"]))
                 for p in report.get("phases", []) if "id" in p)


def _phase_at(spans: Sequence[Span], t_s: float) -> str | None:
    for span in spans:
        if span.start_s <= t_s < span.end_s:
            return span.phase
    return spans[-1].phase if spans and t_s >= spans[-1].start_s else None


def _coverage(record: SessionRecord, report: dict[str, Any]) -> tuple[CoverageRow, ...]:
    rows: list[CoverageRow] = []
    if report.get("requirements") or report.get("checklist"):
        for r in report.get("requirements", []):
            rows.append(CoverageRow(str(r["id"]), str(r.get("text", r["id"])),
                                    str(r.get("kind", "")), "requirement",
                                    bool(r.get("addressed")), r.get("at"),
                                    str(r.get("evidence", ""))))
        for c in report.get("checklist", []):
            rows.append(CoverageRow(str(c["id"]), str(c.get("label", c["id"])), "checklist",
                                    "checklist", bool(c.get("addressed")), c.get("at"),
                                    str(c.get("evidence", "")),
                                    str(c.get("source", "speech"))))
        return tuple(rows)
    addressed = {(e.kind, e.item_id): e for e in record.coverage}
    seen: set[str] = set()
    for capture in record.captures:
        for req in capture.requirements:
            if req.id in seen:
                continue
            seen.add(req.id)
            event = addressed.get(("requirement", req.id))
            rows.append(CoverageRow(req.id, req.text, req.kind, "requirement", event is not None,
                                    event.at_s if event else None,
                                    event.evidence if event else ""))
    for (kind, item_id), event in addressed.items():
        if kind == "checklist":
            rows.append(CoverageRow(item_id, event.label or item_id, "checklist", "checklist",
                                    True, event.at_s, event.evidence, event.source))
    return tuple(rows)


def _silences(lines: Sequence[ReviewLine]) -> tuple[tuple[float, float], ...]:
    gaps = []
    for before, after in itertools.pairwise(lines):
        if after.start_s - before.end_s >= LONG_SILENCE_S:
            gaps.append((before.end_s, after.start_s))
    return tuple(gaps)


def _filler_counts(signals: dict[str, Any], text: str) -> dict[str, int]:
    by_word = (signals.get("fillers") or {}).get("by_word") if isinstance(
        signals.get("fillers"), dict) else None
    if isinstance(by_word, dict):
        return {str(k): int(v) for k, v in sorted(by_word.items(), key=lambda kv: -kv[1])}
    return filler_counts(text)


def _estimation(signals: dict[str, Any]) -> tuple[str, ...]:
    """One sentence per estimate the tracker re-computed: ✓ when within 2×, ⚠ when off."""
    check = signals.get("estimation") or signals.get("estimation_check")
    if not check:
        return ()
    items = check if isinstance(check, list) else check.get("checks", [])
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
            continue
        if not isinstance(item, dict):
            continue
        text = str(item.get("text") or item.get("message") or "")
        ok = item.get("ok")
        if ok is True:
            out.append(f"✓ {text}")
        elif ok is False:
            ratio = item.get("ratio")
            off = f" (off by {float(ratio):.1f}×)" if isinstance(ratio, int | float) else ""
            out.append(f"⚠ {text}{off}")
        else:
            out.append(text)
    return tuple(out)
