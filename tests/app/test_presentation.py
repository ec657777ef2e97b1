"""The presentation rules every window and export share: one clock, one joining rule, one
words-per-minute, and the framework's delivery phrases, so what is highlighted is what is counted.
"""

from __future__ import annotations

import ast

import pytest

from app.presentation import (
    Line,
    budget_status,
    clock,
    filler_counts,
    hedge_counts,
    hedge_spans,
    joins,
    marked,
    merge_lines,
    subtitle_stamp,
    trade_off_count,
    words_per_minute,
)
from framework.signals import HEDGES
from tests.conftest import REPO_ROOT


def test_clock_and_subtitle_stamps() -> None:
    assert [clock(s) for s in (-3.0, 0.0, 4.9, 65.0, 3599.9, 3661.0)] == [
        "0:00", "0:00", "0:04", "1:05", "59:59", "1:01:01"]
    assert subtitle_stamp(3661.2345, ",") == "01:01:01,234"
    assert subtitle_stamp(0.5, ".") == "00:00:00.500"


def test_budget_status_is_the_live_phase_bars_rule() -> None:
    from framework.tracker import Tracker

    for spent in (0.0, 79.9, 80.0, 100.0, 100.1):
        assert budget_status(spent, 100.0) == Tracker._status(spent, 100.0)
    assert budget_status(50.0, None) == budget_status(50.0, 0.0) == "none"


def test_hedges_are_the_frameworks_and_highlighting_agrees_with_counting() -> None:
    text = "I think we shard by user. Maybe a cache; I’m not sure, kind-of fast, probably fine"
    spans = hedge_spans(text)
    found = [text[a:b].lower() for a, b in spans]
    assert found == ["i think", "maybe", "not sure", "kind-of", "probably"]
    counts = hedge_counts(text)
    assert sum(counts.values()) == len(spans)  # the review counts what it highlights
    assert set(counts) <= {h.lower() for h in HEDGES}
    assert hedge_spans("a mighty fine sort-of answer") == [(14, 21)]  # words, not substrings


def test_marked_runs_cover_the_text_exactly() -> None:
    text = "maybe we could, maybe"
    runs = marked(text, hedge_spans(text))
    assert "".join(r for r, _ in runs) == text
    assert runs == [("maybe", True), (" we could, ", False), ("maybe", True)]
    assert marked("", []) == [("", False)]


def test_fillers_and_trade_offs_come_from_the_framework_lists() -> None:
    text = "Um, so basically we use Kafka because of the trade-off, you know, versus polling"
    assert filler_counts(text) == {"um": 1, "basically": 1, "you know": 1}
    assert trade_off_count(text) == 3  # because, trade-off, versus


def test_lines_join_within_a_sentence_a_phase_and_a_pause() -> None:
    segments = [
        Line(0.0, 1.0, "we store pastes", "high_level"),
        Line(1.3, 2.0, "in an object store.", "high_level"),  # joins: short pause
        Line(2.2, 3.0, "Reads go", "high_level"),  # new line: the sentence ended
        Line(3.1, 4.0, "through a cache", "scaling"),  # new line: another phase
        Line(6.0, 7.0, "with a TTL", "scaling"),  # new line: a 2 s pause
    ]
    lines = merge_lines(segments)
    assert [line.text for line in lines] == [
        "we store pastes in an object store.", "Reads go", "through a cache", "with a TTL"]
    assert lines[0].end_s == 2.0
    assert not joins(Line(0.0, 11.5, "x", None), Line(11.6, 12.5, "y", None))  # > 12 s long
    assert len(merge_lines(segments, max_chars=20)) == 5


def test_words_per_minute_counts_silence_and_skips_a_stub_window() -> None:
    said = [Line(10.0, 20.0, "one two three four five six", None),
            Line(70.0, 80.0, "seven eight", None)]
    assert words_per_minute(said, 120.0) == [(30.0, 6.0), (90.0, 2.0)]
    # a last window of 5 s would read as a spike: not plotted
    assert words_per_minute(said, 125.0) == [(30.0, 6.0), (90.0, 2.0)]
    [(middle, rate)] = words_per_minute([Line(0.0, 4.0, "short session here", None)], 4.0)
    assert middle == 2.0 and rate == pytest.approx(45.0)
    assert words_per_minute([], 0.0) == []


def test_one_presentation_module_no_second_phrase_list_or_clock_in_app() -> None:
    """Guard: the app spells these rules once (in app/presentation.py)."""
    found = []
    for source in sorted((REPO_ROOT / "app").rglob("*.py")):
        if source.name == "presentation.py":
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in tree.body:  # a phrase list is a module constant
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                found += [f"{source.name}: {n}" for n in names
                          if any(w in n for w in ("HEDGE", "FILLER", "TRADE"))]
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name in (
                    "format_clock", "clock", "_stamp", "merge_lines",
                    "words_per_minute", "_wpm", "format_date", "hedge_finder"):
                found.append(f"{source.name}: def {fn.name}")
    assert found == []
