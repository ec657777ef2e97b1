"""The review window's Diagram tab as rich text: each capture (image, time, components), then
"said but not drawn" and "drawn but not explained". Built from ``ReviewData``, so it shows what
the Markdown and HTML exports say (``app.diagram_report``)."""

from __future__ import annotations

import html

from app.presentation import clock
from app.ui.review_model import ReviewData
from app.ui.theme import Colors

IMAGE_WIDTH_PX = 300  # fits the tab beside the transcript (thumbnails are 400 px wide)


def diagram_page(data: ReviewData, c: Colors) -> str:
    """Rich text for a ``QTextBrowser``; a time is a ``t:SECONDS`` link (seek there)."""
    muted, accent = c.muted.name(), c.accent.name()
    summary = data.diagram_summary
    if not data.diagrams or summary is None:
        return (f"<p style='color:{muted}'>No diagram was captured in this session. In the "
                "practice window, the Diagram tab captures what you draw (once, or every few "
                "seconds while you draw); its components count on the checklist.</p>")
    e = html.escape
    said, drawn = summary.said_not_drawn(), summary.drawn_not_explained()
    parts = [
        "<h3 style='margin:8px 0 4px 0'>Diagram and words</h3>",
        f"<p><b>Said but not drawn:</b> {e(', '.join(said)) if said else 'none'}<br>",
        f"<b>Drawn but not explained:</b> {e(', '.join(drawn)) if drawn else 'none'}</p>",
        f"<p style='color:{muted}'>Drawn components tick checklist items "
        f"<span style='color:{accent}'>✎ by diagram</span>; saying why each is there still "
        "counts in an interview.</p>",
    ]
    for index, view in enumerate(data.diagrams):
        link = (f"<a href='t:{view.at_s}' style='color:{accent};text-decoration:none'>"
                f"{clock(view.at_s)}</a>")
        names = e(", ".join(view.components)) if view.components else "no component named"
        parts.append(f"<h3 style='margin:12px 0 4px 0'>{link}</h3><p>{names}</p>")
        if view.thumbnail:  # added to the document as resource "diagram:N" by the window
            parts.append(f"<p><img src='diagram:{index}' width='{IMAGE_WIDTH_PX}'></p>")
    return "".join(parts)
