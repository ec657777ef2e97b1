"""`mockcoach progress [--json] [--last N] [--html] [-o FILE]`: how the saved mocks trend.

JSON shape (a contract, documented in README.md), sessions oldest first:
``{"sessions": [{"id", "started_at", "title", "coverage_pct", "over_budget_phases",
"deep_dive_s", "wpm", "fillers_per_min", "hedges", "tradeoffs", "estimation_errors",
"scores": {"<dimension>": n}}], "weaknesses": [{"text", "sessions": [ids]}],
"next_prompt": "<library id>" | null}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.progress import Progress, Trend

NO_SESSIONS = ("No saved mocks yet. Practise one in the app (or `mockcoach replay` a recording) "
               "and your progress shows here.")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of mocks (1 or more), "
                                         f"not {text!r}")
    return value


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "progress", help="how your saved mocks trend, and what keeps going wrong",
        description="Progress across your saved mocks: coverage, phases over budget, deep-dive "
        "time, pace, fillers, hedges against trade-offs, estimation errors and scorecard "
        "scores per mock (oldest first), recurring weaknesses in words, and the prompt to "
        "practise next.",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON object")
    out.add_argument("--html", action="store_true",
                     help="a self-contained HTML page with one plot per trend")
    parser.add_argument("--last", type=_positive, metavar="N", help="only the last N mocks")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write here instead of standard output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.progress import load_progress
    from app.settings import Settings
    from app.store import StoreError

    try:
        store = Settings().open_store()
    except StoreError as exc:
        print(f"mockcoach: {exc}", file=sys.stderr)
        return 1
    try:
        progress = load_progress(store, last=args.last)
    except StoreError as exc:
        print(f"mockcoach: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.json:
        text = json.dumps(progress.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif args.html:
        from app.progress_html import progress_html

        text = progress_html(progress)
    else:
        text = render_text(progress)
    return _write(text, args.output, "HTML" if args.html else "JSON" if args.json else "text")


def _write(text: str, output: Path | None, what: str) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"mockcoach: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {output} ({what}).", file=sys.stderr)
    return 0


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: tuple[float | None, ...], top: float | None = None) -> str:
    """One character per mock, ``·`` where it was not measured."""
    measured = [v for v in values if v is not None]
    high = top if top is not None else max(measured, default=0.0)
    low = 0.0
    out = []
    for v in values:
        if v is None:
            out.append("·")
        elif high <= low:
            out.append(SPARKS[0])
        else:
            share = min(1.0, max(0.0, (v - low) / (high - low)))
            out.append(SPARKS[round(share * (len(SPARKS) - 1))])
    return "".join(out)


def _trend_line(trend: Trend) -> str:
    from app.progress import figure

    parts = []
    for series in trend.series:
        measured = [v for v in series.values if v is not None]
        first = figure(measured[0], trend.unit) if measured else "–"
        latest = figure(measured[-1], trend.unit) if measured else "not measured"
        name = f"{series.label} " if len(trend.series) > 1 else ""
        change = f"{first} → {latest}" if len(measured) > 1 else latest
        parts.append(f"{name}{sparkline(series.values, trend.y_max)}  {change}")
    return f"  {trend.title:<22} " + "   ".join(parts)


def render_text(progress: Progress) -> str:
    """What a terminal shows: one line per mock, one sparkline per trend, the weaknesses."""
    from app.presentation import clock

    if not progress.sessions:
        return NO_SESSIONS + "\n"
    lines = [f"Progress over {len(progress.sessions)} mock"
             f"{'s' if len(progress.sessions) != 1 else ''} (oldest first)", ""]
    lines.append(f"  {'ID':>4}  {'STARTED (UTC)':<16}  {'COVER':>5}  {'OVER':>4}  {'DEEP':>5}  "
                 f"{'WPM':>4}  {'FILL/M':>6}  {'HEDGE/TRADE':>11}  {'EST':>3}  TITLE")
    for s in progress.sessions:
        cover = f"{s.coverage_pct:.0f}%" if s.coverage_pct is not None else "–"
        over = str(s.over_budget_phases) if s.over_budget_phases is not None else "–"
        deep = clock(s.deep_dive_s) if s.deep_dive_s is not None else "–"
        wpm = f"{s.wpm:.0f}" if s.wpm is not None else "–"
        fill = f"{s.fillers_per_min:.1f}" if s.fillers_per_min is not None else "–"
        hedges = (f"{s.hedges}/{s.tradeoffs}" if s.hedges is not None
                  and s.tradeoffs is not None else "–")
        est = str(s.estimation_errors) if s.estimation_errors is not None else "–"
        lines.append(f"  {s.id:>4}  {s.started_at[:16].replace('T', ' '):<16}  {cover:>5}  "
                     f"{over:>4}  {deep:>5}  {wpm:>4}  {fill:>6}  {hedges:>11}  {est:>3}  "
                     f"{s.title}")
    lines += ["", "Trends"]
    lines += [_trend_line(t) for t in progress.trends]
    lines += ["", "Recurring weaknesses"]
    if progress.weaknesses:
        for w in progress.weaknesses:
            ids = ", ".join(f"#{i}" for i in w.sessions)
            lines.append(f"  - {w.text} ({ids})")
    else:
        lines.append("  none in your recent mocks" if len(progress.sessions) > 1 else
                     "  it takes two mocks or more to see a pattern")
    if progress.next_prompt:
        why = f" ({progress.next_prompt_why})" if progress.next_prompt_why else ""
        title = f" — {progress.next_prompt_title}" if progress.next_prompt_title else ""
        lines += ["", f"Practise next: {progress.next_prompt}{title}{why}",
                  f"  mockcoach prompts show {progress.next_prompt}"]
    return "\n".join(lines) + "\n"
