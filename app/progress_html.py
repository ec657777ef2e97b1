"""The progress page (`mockcoach progress --html`): one self-contained HTML file.

Inline CSS (the session report's stylesheet plus a grid of small plots), one inline SVG per trend,
no script and no external URL (the SVGs sit inside HTML, so they need no namespace URL either).
Light and dark follow the reader's system, as the session report does.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from importlib import resources

from app.presentation import local_date
from app.progress import figure
from framework.progress import DENSE, Progress, SessionMetrics, Trend, smoothing_window

_EXTRA_CSS = """
.trends { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr));
  gap: 14px; }
.trend { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px 6px; }
.trend h3 { margin: 0 0 2px; font-size: 14px; }
.trend .now { color: var(--muted); font-size: 12px; margin: 0 0 4px; }
.trend .s1 { stroke: var(--accent); } .trend .d1 { fill: var(--accent); }
.trend .s2 { stroke: var(--near); } .trend .d2 { fill: var(--near); }
.trend polyline { fill: none; stroke-width: 2; }
.trend .key { font-size: 12px; color: var(--muted); }
.trend .key i { display: inline-block; width: 10px; height: 3px; margin: 0 4px 3px 8px; }
ul.weak li { margin: 4px 0; }
table.sessions { border-collapse: collapse; width: 100%; font-size: 13px; }
table.sessions td, table.sessions th { padding: 3px 6px; text-align: left;
  border-bottom: 1px solid var(--line); }
table.sessions td.n { text-align: right; font-variant-numeric: tabular-nums; }
.next { background: var(--card); border-left: 4px solid var(--accent); padding: 8px 12px;
  border-radius: 4px; }
"""

W, H, LEFT, RIGHT, TOP, BOTTOM = 240, 96, 30, 8, 8, 18


def _css() -> str:
    base = resources.files("app.templates").joinpath("report.css").read_text(encoding="utf-8")
    return base + _EXTRA_CSS


def trend_svg(trend: Trend, sessions: Sequence[SessionMetrics]) -> str:
    """A small line chart: x is the mock (oldest left), y from 0 to the top value; a gap where a
    mock was not measured; each dot says which mock and what value."""
    e = html.escape
    top = trend.top
    n = max(len(sessions), 1)
    inner_w, inner_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(i: int) -> float:
        return LEFT + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def py(v: float) -> float:
        return TOP + inner_h * (1 - min(v, top) / top)

    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="{e(trend.title)} per mock">']
    for level in (0.0, top / 2, top):
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(level):.1f}" '
                     f'y2="{py(level):.1f}" class="grid"/>')
        if trend.labelled(level):
            parts.append(f'<text x="{LEFT - 4}" y="{py(level) + 4:.1f}" class="axis" '
                         f'text-anchor="end">{figure(level, "%" if trend.unit == "%" else "")}'
                         '</text>')
    dense = len(sessions) > DENSE  # faint dots, and the rolling mean as the line
    dot = ' r="1.6" opacity="0.45"' if dense else ' r="2.6"'
    for k, series in enumerate(trend.series, start=1):
        line = series.rolling_mean(smoothing_window(len(sessions))) if dense else series.values
        run: list[str] = []
        runs: list[list[str]] = [run]
        for i, v in enumerate(line):
            if v is None:  # not measured: a gap in the line
                run = []
                runs.append(run)
            else:
                run.append(f"{px(i):.1f},{py(v):.1f}")
        parts += [f'<polyline class="s{k}" points="{" ".join(r)}"/>' for r in runs if len(r) > 1]
        for i, v in enumerate(series.values):
            if v is None:
                continue
            s = sessions[i]
            parts.append(f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}"{dot} class="d{k}">'
                         f'<title>#{s.id} {e(local_date(s.started_at))} · {e(series.label)}: '
                         f'{e(figure(v, trend.unit))}</title></circle>')
    parts.append(f'<text x="{LEFT}" y="{H - 4}" class="axis">#{sessions[0].id}</text>'
                 if sessions else "")
    if len(sessions) > 1:
        parts.append(f'<text x="{W - RIGHT}" y="{H - 4}" class="axis" text-anchor="end">'
                     f'#{sessions[-1].id}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _trend_card(trend: Trend, sessions: Sequence[SessionMetrics]) -> str:
    e = html.escape
    latest = []
    for series in trend.series:
        measured = [v for v in series.values if v is not None]
        now = figure(measured[-1], trend.unit) if measured else "not measured"
        latest.append(f"{series.label} {now}" if len(trend.series) > 1 else f"latest {now}")
    key = ""
    if len(trend.series) > 1:
        key = "<div class='key'>" + "".join(
            f"<i class='d{k}' style='background:var(--{'accent' if k == 1 else 'near'})'></i>"
            f"{e(s.label)}" for k, s in enumerate(trend.series, start=1)) + "</div>"
    return (f"<div class='trend'><h3>{e(trend.title)}</h3><p class='now'>"
            f"{e(' · '.join(latest))}</p>{trend_svg(trend, sessions)}{key}</div>")


def _session_rows(progress: Progress) -> str:
    e = html.escape

    def cell(v: object) -> str:
        return f"<td class='n'>{'–' if v is None else e(str(v))}</td>"

    rows = []
    for s in progress.sessions:
        deep = None if s.deep_dive_s is None else f"{s.deep_dive_s / 60:.1f}"
        wpm = None if s.wpm is None else f"{s.wpm:.0f}"
        cover = None if s.coverage_pct is None else f"{s.coverage_pct:.0f}%"
        rows.append(f"<tr><td>#{s.id}</td><td>{e(local_date(s.started_at))}</td>"
                    f"<td>{e(s.title)}</td>{cell(cover)}{cell(s.over_budget_phases)}"
                    f"{cell(deep)}{cell(wpm)}</tr>")
    return ("<table class='sessions'><tr><th>Mock</th><th>Date</th><th>Prompt</th><th>Covered"
            "</th><th>Over budget</th><th>Deep dive (min)</th><th>wpm</th></tr>"
            + "".join(rows) + "</table>")


def progress_html(progress: Progress) -> str:
    e = html.escape
    n = len(progress.sessions)
    body = [f"<header><h1>Progress across your mocks</h1><p class='meta'>{n} mock"
            f"{'s' if n != 1 else ''}, oldest first"
            + (f" · {e(local_date(progress.sessions[0].started_at))} to "
               f"{e(local_date(progress.sessions[-1].started_at))}" if n else "")
            + "</p></header>"]
    if not progress.sessions:
        body.append("<p>No saved mocks yet. Practise one and your progress shows here.</p>")
    else:
        if progress.next_prompt:
            why = f" — {e(progress.next_prompt_why)}" if progress.next_prompt_why else ""
            title = progress.next_prompt_title or progress.next_prompt
            body.append(f"<p class='next'>Practise next: <b>{e(title)}</b> "
                        f"<span class='muted'>({e(progress.next_prompt)})</span>{why}</p>")
        weak = "".join(f"<li>{e(w.text)} <span class='muted'>("
                       + ", ".join(f"#{i}" for i in w.sessions) + ")</span></li>"
                       for w in progress.weaknesses)
        body.append("<section><h2>Recurring weaknesses</h2>"
                    + (f"<ul class='weak'>{weak}</ul>" if weak else
                       "<p class='muted'>None in your recent mocks.</p>") + "</section>")
        cards = "".join(_trend_card(t, progress.sessions) for t in progress.trends)
        body.append(f"<section><h2>Trends</h2><div class='trends'>{cards}</div></section>")
        body.append(f"<section><h2>Mocks</h2>{_session_rows(progress)}</section>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='color-scheme' content='light dark'>"
        "<title>Progress — mockcoach</title>"
        f"<style>{_css()}</style></head><body><main>" + "".join(body)
        + "<footer>Made by mockcoach, offline.</footer></main></body></html>\n"
    )
