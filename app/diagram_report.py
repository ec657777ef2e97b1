"""The diagram part of a session's review and exports: each capture with its time and the
components read, then what the diagram and the words disagree on. One place, so the review
window, the Markdown and the HTML report say the same thing."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path

from app.diagrams import DrawnVsSaid, compare, data_uri
from app.presentation import clock
from app.store import DiagramCapture, SessionRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiagramSummary:
    """Captures in time order and the comparison (None when no diagram was captured)."""

    captures: tuple[DiagramCapture, ...]
    versus: DrawnVsSaid | None

    def component_names(self, capture: DiagramCapture) -> list[str]:
        """"Cache (Redis Cache)" for each component on one capture, in reading order."""
        out = []
        for label in capture.labels:
            if label.component:
                name = self.versus.name(label.component) if self.versus else label.component
                out.append(f"{name} (“{label.text}”)")
        return out

    def said_not_drawn(self) -> list[str]:
        v = self.versus
        return [v.name(c) for c in v.said_not_drawn] if v else []

    def drawn_not_explained(self) -> list[str]:
        v = self.versus
        return [v.name(c) for c in v.drawn_not_explained] if v else []


def summarise(record: SessionRecord) -> DiagramSummary:
    """The candidate's words (an interviewer's lines do not explain the candidate's diagram)
    against every capture of the session."""
    spoken = [s.text for s in record.segments
              if getattr(s, "speaker", "candidate") != "interviewer"]
    return DiagramSummary(record.diagrams, compare(record.diagrams, spoken))


def diagram_markdown(record: SessionRecord) -> list[str]:
    """The "Diagram" section of the Markdown report (nothing when no diagram was captured)."""
    summary = summarise(record)
    if not summary.captures:
        return []
    out = ["## Diagram", ""]
    for capture in summary.captures:
        names = summary.component_names(capture)
        out.append(f"- `{clock(capture.at_s)}` {capture.image_path}: "
                   + (", ".join(names) if names else "no component named"))
    out.append("")
    out += _lists_md(summary)
    return out


def _lists_md(summary: DiagramSummary) -> list[str]:
    said, drawn = summary.said_not_drawn(), summary.drawn_not_explained()
    out = [f"- **Said but not drawn:** {', '.join(said) if said else 'none'}",
           f"- **Drawn but not explained:** {', '.join(drawn) if drawn else 'none'}", ""]
    return out


def diagram_html(record: SessionRecord, session_folder: Path | None) -> str:
    """The "Diagram" section of the HTML report: each capture embedded (a downscaled PNG data
    URI, so the report stays one self-contained file), its components, then the two lists."""
    summary = summarise(record)
    if not summary.captures:
        return ""
    e = html.escape
    figures = []
    for capture in summary.captures:
        img = ""
        file = session_folder / capture.image_path if session_folder is not None else None
        if file is not None and file.is_file():
            try:
                img = (f"<img class='diagram' alt='diagram at {clock(capture.at_s)}' "
                       f"src='{data_uri(file.read_bytes())}'>")
            except (OSError, ValueError):
                log.warning("cannot embed diagram %s", file, exc_info=True)
        names = summary.component_names(capture)
        caption = (f"<figcaption><span class='muted'>{clock(capture.at_s)}</span> "
                   + (e(", ".join(names)) if names else "no component named") + "</figcaption>")
        figures.append(f"<figure id='diagram-{capture.id}'>{img}{caption}</figure>")
    said, drawn = summary.said_not_drawn(), summary.drawn_not_explained()
    lists = ("<ul class='coverage'>"
             f"<li><b>Said but not drawn:</b> {e(', '.join(said)) if said else 'none'}</li>"
             f"<li><b>Drawn but not explained:</b> {e(', '.join(drawn)) if drawn else 'none'}"
             "</li></ul>")
    style = ("<style>figure{margin:12px 0}img.diagram{max-width:100%;height:auto;"
             "border:1px solid #8884;border-radius:4px}</style>")
    return f"<section><h2>Diagram</h2>{style}{''.join(figures)}{lists}</section>"
