"""Exports parse back: SRT/VTT/JSONL round-trip the transcript, HTML is self-contained."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from app.export import FORMATS, ExportError, export, session_pace
from app.presentation import merge_lines
from app.store import (
    Capture,
    CoverageEvent,
    Nudge,
    PhaseChange,
    RequirementRow,
    Segment,
    SessionRecord,
    SessionStore,
)


@pytest.fixture()
def saved(tmp_path: Path) -> tuple[SessionStore, SessionRecord]:
    store = SessionStore(tmp_path / "s.db")
    sid = store.create_session(title="Paste <service> & co", framework="system-design").id
    segments = [
        Segment(0.0, 1.5, "So I think we start"),
        Segment(1.5, 3.0, "with the requirements."),
        Segment(4.0, 6.5, "Maybe ten million users --> a lot"),
        Segment(70.0, 73.0, "The cache sits in front of the database."),
    ]
    store.write_batch(
        sid, segments=segments,
        phase_changes=[(PhaseChange(0.0, "requirements"), 300.0),
                       (PhaseChange(60.0, "high_level", "requirements", "cache", True), 600.0)],
        coverage=[CoverageEvent(4.0, "users", "requirement", "10 million users", "ten million")],
        nudges=[Nudge(50.0, "no_numbers", "Put numbers on it")],
        duration_s=80.0,
    )
    folder = store.session_dir(sid)
    (folder / "captures").mkdir()
    Image.new("RGB", (40, 20), "white").save(folder / "captures" / "capture-001.png")
    store.add_capture(sid, Capture(0.0, "captures/capture-001.png", "Design a paste service",
                                   "Design a paste service",
                                   (RequirementRow("users", "10 million users", "scale", 1e7),
                                    RequirementRow("expire", "Pastes expire", "functional"))))
    store.finish_session(sid, duration_s=80.0)
    return store, store.load(sid)


def _srt_cues(text: str, sep: str) -> list[tuple[float, float, str]]:
    stamp = rf"(\d\d):(\d\d):(\d\d){sep}(\d\d\d)"
    cues = []
    for block in re.split(r"\n\n+", text.strip()):
        m = re.search(stamp + " --> " + stamp + r"\n(.+)", block, re.S)
        if not m:
            continue
        g = [int(x) for x in m.groups()[:8]]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, m.group(9).strip()))
    return cues


def test_srt_parses_back_to_the_transcript(saved: tuple[SessionStore, SessionRecord]) -> None:
    _, record = saved
    text = export(record, "srt")
    assert text.startswith("1\n00:00:00,000 --> ")
    cues = _srt_cues(text, ",")
    assert " ".join(c[2] for c in cues) == " ".join(s.text for s in record.segments)
    assert [c[0] for c in cues] == [line.start_s for line in merge_lines(record.segments, 7.0, 84)]
    assert all(a < b for a, b, _ in cues)
    assert [int(b.split("\n")[0]) for b in text.strip().split("\n\n")] == list(
        range(1, len(cues) + 1))


def test_vtt_parses_back_and_escapes(saved: tuple[SessionStore, SessionRecord]) -> None:
    _, record = saved
    text = export(record, "vtt")
    assert text.startswith("WEBVTT\n")
    cues = _srt_cues(text, r"\.")
    assert len(cues) == 3
    assert cues[1][2] == "Maybe ten million users → a lot"  # "-->" would end the cue timing
    assert "&lt;service&gt;" not in text and "&lt;service>" in text


def test_jsonl_round_trips_every_segment(saved: tuple[SessionStore, SessionRecord]) -> None:
    _, record = saved
    rows = [json.loads(line) for line in export(record, "jsonl").splitlines()]
    assert [(r["start"], r["end"], r["text"]) for r in rows] == [
        (s.start_s, s.end_s, s.text) for s in record.segments]
    assert rows[-1]["phase"] == "high_level" and rows[0]["phase"] == "requirements"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action") and value:
                self.urls.append(value)


def test_html_is_self_contained_with_charts_and_hedges(
    saved: tuple[SessionStore, SessionRecord]
) -> None:
    store, record = saved
    html = export(record, "html", store.session_dir(record.session.id))
    parser = _Assets()
    parser.feed(html)
    assert all(u.startswith("data:") for u in parser.urls), parser.urls
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    assert "@import" not in html and "url(" not in html
    assert {"svg", "style", "img", "mark"} <= parser.tags
    assert html.count("<svg") == 2  # phase timeline + words per minute
    assert "prefers-color-scheme: dark" in html
    assert '<mark class="hedge">I think</mark>' in html
    assert '<mark class="hedge">Maybe</mark>' in html
    assert "Paste &lt;service&gt; &amp; co" in html
    assert "data:image/png;base64," in html


def test_markdown_has_the_sections(saved: tuple[SessionStore, SessionRecord]) -> None:
    _, record = saved
    md = export(record, "md")
    assert md.startswith("# Paste <service> & co\n")
    for heading in ("## Prompt", "## Phases", "## Requirements", "## Nudges", "## Delivery",
                    "## Transcript"):
        assert heading in md
    assert "- [x] 10 million users — 0:04" in md
    assert "- [ ] Pastes expire" in md
    assert "high_level (1:00, manual)" in md
    assert "_I think_" in md


def test_words_per_minute_counts_silence(saved: tuple[SessionStore, SessionRecord]) -> None:
    _, record = saved
    points = session_pace(record)
    assert len(points) == 2
    assert points[0][1] == pytest.approx(14)  # 14 words in the first minute (not "-->")
    assert points[1][1] == pytest.approx(8 * 60 / 20)


def test_unknown_format_is_a_clear_error(saved: tuple[SessionStore, SessionRecord]) -> None:
    with pytest.raises(ExportError, match="md, html, srt, vtt, jsonl"):
        export(saved[1], "docx")
    assert set(FORMATS) == {"md", "html", "srt", "vtt", "jsonl"}


def test_delivery_uses_the_tracker_signals_when_the_report_has_them(
    saved: tuple[SessionStore, SessionRecord]
) -> None:
    store, record = saved
    signals = {
        "tradeoffs": 2,
        "fillers": {"count": 3, "per_minute": 2.25, "by_word": {"um": 2, "you know": 1}},
        "long_silences": [{"start": 6.5, "end": 70.0, "duration_s": 63.5}],
        "estimation": {"checks": [{"at": 4.0, "ok": False, "text": "stated 10 per second; "
                                   "off by 3.0x, re-check the arithmetic"}]},
    }
    store.finish_session(record.session.id, duration_s=80.0, report={"signals": signals})
    md = export(store.load(record.session.id), "md")
    assert "trade-offs named: 2" in md
    assert "Fillers: 3 (2.25 per minute): “um” ×2, “you know” ×1." in md
    assert "Long silences: 1 — at 0:06 (64 s)." in md
    assert "Estimate at 0:04 ✗ stated 10 per second" in md
    html = export(store.load(record.session.id), "html")
    assert "“um” ×2" in html and "✗" in html
