"""framework.progress: per-mock figures, recurring weaknesses in words, trends (pure)."""

from __future__ import annotations

from framework.progress import (
    MockFacts,
    build_progress,
    least_practised,
    metrics,
    nice_ceiling,
    recurring_weaknesses,
    trends,
)
from tests.progress_support import known_report

NO_DEEP_DIVE = {"requirements": 400.0, "estimation": 200.0, "high_level": 1500.0,
                "deep_dive": 0.0}


def facts(i: int, report: dict | None, coverage: float | None = 70.0,
          scores: dict[str, int] | None = None) -> MockFacts:
    return MockFacts(i, f"2026-11-{i:02d}T10:00:00+00:00", f"Mock {i}", coverage, report,
                     scores or {})


def test_metrics_read_the_reports_facts() -> None:
    report = known_report(spent={"requirements": 420.0, "estimation": 250.0, "high_level": 500.0,
                                 "deep_dive": 90.0},
                          open_items=[("non_functional", "Non-functional requirements")],
                          wpm=142.5, fillers_per_min=3.5, hedges=9, tradeoffs=4, checks=3,
                          flagged=2)
    m = metrics(facts(1, report, coverage=62.5))
    assert m.over_budget == ("requirements", "estimation")
    assert m.over_budget_phases == 2
    assert m.deep_dive_s == 90.0
    assert (m.wpm, m.fillers_per_min, m.hedges, m.tradeoffs) == (142.5, 3.5, 9, 4)
    assert m.estimation_errors == 2
    assert [i.id for i in m.open_items] == ["non_functional"]
    row = m.to_json()
    assert row["coverage_pct"] == 62.5 and row["over_budget_phases"] == 2
    assert set(row) == {"id", "started_at", "title", "coverage_pct", "over_budget_phases",
                        "deep_dive_s", "wpm", "fillers_per_min", "hedges", "tradeoffs",
                        "estimation_errors", "scores"}


def test_what_a_session_cannot_tell_is_not_measured() -> None:
    m = metrics(facts(1, None, coverage=None))
    row = m.to_json()
    assert all(row[k] is None for k in ("coverage_pct", "over_budget_phases", "deep_dive_s",
                                        "wpm", "fillers_per_min", "hedges", "tradeoffs",
                                        "estimation_errors"))
    # no estimate checked: no error count (not zero); no deep-dive phase: not measured
    no_deep = {"clarify": 100.0, "design": 900.0}
    m = metrics(facts(2, known_report(spent=no_deep, budget={"clarify": 300.0, "design": 900.0},
                                      checks=0)))
    assert m.estimation_errors is None and m.deep_dive_s is None
    assert m.over_budget == ()


def test_recurring_weaknesses_say_how_many_of_the_last_five_with_the_sessions() -> None:
    rows = [metrics(facts(i, known_report(spent=spent)))
            for i, spent in enumerate([
                {"requirements": 200.0, "estimation": 100.0, "high_level": 500.0,
                 "deep_dive": 800.0},  # 1: outside the window of five
                NO_DEEP_DIVE, NO_DEEP_DIVE, None, NO_DEEP_DIVE, None], start=1)
            if spent is not None]
    rows += [metrics(facts(6, known_report())), metrics(facts(7, known_report()))]
    # sessions 1, 2, 3, 5, 6, 7: the last five are 2, 3, 5, 6, 7
    found = recurring_weaknesses(rows, phase_labels={"requirements": "Requirements",
                                                     "high_level": "High-level design"})
    texts = {w.kind: w for w in found}
    assert texts["deep_dive"].text == "3 of your last 5 mocks never reached the deep dive"
    assert texts["deep_dive"].sessions == (2, 3, 5)
    assert texts["over_budget:requirements"].text == (
        "Requirements ran over its budget in 3 of your last 5 mocks")
    assert texts["over_budget:high_level"].sessions == (2, 3, 5)
    # session 1 deep-dived too long, but it is outside the window
    assert "over_budget:deep_dive" not in texts
    assert found[0].kind == "deep_dive"  # most frequent first, deep dive before phases


def test_one_bad_mock_is_not_a_pattern_and_fewer_mocks_read_as_such() -> None:
    one = [metrics(facts(1, known_report(spent=NO_DEEP_DIVE))),
           metrics(facts(2, known_report())), metrics(facts(3, known_report()))]
    assert recurring_weaknesses(one) == []
    two = [*one, metrics(facts(4, known_report(spent=NO_DEEP_DIVE)))]
    (w,) = [w for w in recurring_weaknesses(two) if w.kind == "deep_dive"]
    assert w.text == "2 of your 4 mocks never reached the deep dive"
    assert w.sessions == (1, 4)


def test_delivery_estimation_coverage_items_and_scores_recur() -> None:
    bad = known_report(open_items=[("peak", "Peak versus average load")], wpm=185.0,
                       fillers_per_min=4.2, hedges=8, tradeoffs=3, checks=2, flagged=1)
    rows = [metrics(facts(i, bad if i % 2 else known_report(), coverage=40.0 if i % 2 else 80.0,
                          scores={"communication": 2 if i % 2 else 3}))
            for i in range(1, 6)]  # 1, 3, 5 are bad
    found = {w.kind: w for w in recurring_weaknesses(
        rows, dimension_labels={"communication": "Communication"})}
    expected = {
        "coverage": "Less than half of the checklist and requirements was addressed in 3 of "
                    "your last 5 mocks",
        "estimation": "An estimate was off by more than 2× in 3 of your last 5 mocks",
        "hedging": "You hedged more often than you stated a trade-off in 3 of your last 5 mocks",
        "fillers": "More than 3 filler words a minute in 3 of your last 5 mocks",
        "pace_fast": "You spoke faster than 170 words a minute in 3 of your last 5 mocks",
        "score:communication": "Communication scored 2 of 4 or lower in 3 of your last 5 mocks",
        "open_item:peak": "“Peak versus average load” was never addressed in 3 of your last 5 "
                          "mocks",
    }
    for kind, text in expected.items():
        assert found[kind].text == text
        assert found[kind].sessions == (1, 3, 5)
    assert "pace_slow" not in found and "deep_dive" not in found


def test_trends_have_one_point_per_measured_mock() -> None:
    rows = [metrics(facts(1, known_report(), scores={"technical_depth": 2})),
            metrics(facts(2, None, coverage=None)),
            metrics(facts(3, known_report(checks=0), scores={"technical_depth": 3}))]
    by_id = {t.id: t for t in trends(rows, {"technical_depth": "Technical depth"})}
    assert by_id["coverage"].points == 2
    assert by_id["hedges"].points == 4  # two series
    assert by_id["estimation"].points == 1  # session 3 checked no estimate
    assert by_id["score:technical_depth"].title == "Technical depth"
    assert by_id["score:technical_depth"].series[0].values == (2.0, None, 3.0)
    assert by_id["score:technical_depth"].top == 4.0
    assert by_id["deep_dive"].series[0].values[0] == 10.0  # 600 s, in minutes


def test_progress_json_contract_and_next_prompt_fallback() -> None:
    progress = build_progress([facts(1, known_report()), facts(2, known_report())],
                              next_prompt="chat")
    out = progress.to_json()
    assert set(out) == {"sessions", "weaknesses", "next_prompt"}
    assert [s["id"] for s in out["sessions"]] == [1, 2]
    assert out["next_prompt"] == "chat"
    library = [("chat", "Design chat"), ("pastebin", "Design Pastebin"), ("top-k", "Top K")]
    assert least_practised(library, [("Design chat", "2026-01-01")]) == "pastebin"
    everything = [("Design chat", "2026-01-03"), ("design pastebin", "2026-01-01"),
                  ("Top K", "2026-01-02")]
    assert least_practised(library, everything) == "pastebin"  # longest ago
    assert least_practised([], everything) is None


def test_nice_ceiling() -> None:
    assert [nice_ceiling(v) for v in (0.3, 1.0, 3.2, 5.8, 11.0, 142.0, 760.0)] == \
        [1.0, 1.0, 5.0, 10.0, 20.0, 200.0, 1000.0]


def test_a_dense_plot_smooths_with_a_rolling_mean() -> None:
    from framework.progress import Series, smoothing_window

    series = Series("x", (1.0, None, 3.0, 5.0, None, None))
    assert series.rolling_mean(2) == (1.0, 1.0, 3.0, 4.0, 5.0, None)
    assert smoothing_window(12) == 5 and smoothing_window(200) == 10
