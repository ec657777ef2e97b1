"""Delivery signals: hedges vs trade-offs, fillers, pace, silences, the estimation check."""

from __future__ import annotations

import pytest

from framework.signals import DeliverySignals, extract_quantities
from framework.text import tokens
from framework.types import Utterance


def feed(lines: list[tuple[str, str]], gap_s: float = 0.5) -> DeliverySignals:
    signals = DeliverySignals()
    t = 0.0
    for phase, text in lines:
        dur = len(text.split()) * 0.4
        signals.add(Utterance(text, t, t + dur), phase, tokens(text))
        t += dur + gap_s
    return signals


def test_hedges_versus_tradeoffs_per_phase_and_fillers() -> None:
    signals = feed([
        ("requirements", "Um, maybe we need, I guess, kind of a feed?"),
        ("deep_dive", "We use a queue instead of a direct call because writes spike,"),
        ("deep_dive", "at the cost of some latency; SQL versus NoSQL is a trade-off here."),
        ("deep_dive", "Uh, you know, I think that works."),
    ])
    report = signals.report(30.0)
    assert report["hedges_vs_tradeoffs"]["requirements"] == {"hedges": 3, "tradeoffs": 0}
    assert report["hedges_vs_tradeoffs"]["deep_dive"] == {"hedges": 1, "tradeoffs": 5}
    assert report["fillers"]["by_word"] == {"uh": 1, "um": 1, "you know": 1}
    assert report["fillers"]["count"] == 3


def test_words_per_minute_over_time_and_long_silences() -> None:
    signals = DeliverySignals()
    signals.add(Utterance(" ".join(["word"] * 150), 0.0, 60.0), "requirements", [])
    signals.add(Utterance(" ".join(["word"] * 50), 72.0, 90.0), "requirements", [])
    report = signals.report(120.0)
    assert report["wpm_by_minute"] == [{"minute": 0, "wpm": 150}, {"minute": 1, "wpm": 50}]
    assert report["wpm"] == 100.0
    assert report["long_silences"] == [
        {"start": 60.0, "end": 72.0, "duration_s": 12.0},
        {"start": 90.0, "end": 120.0, "duration_s": 30.0},
    ]


def test_quantities_are_parsed_with_what_they_count() -> None:
    qs = extract_quantities(tokens("10 million paste writes per month, 1.27 KB per paste"), 5.0)
    assert [(q.value, q.period_s, q.bytes_per) for q in qs] == [
        (1e7, 30 * 86400.0, None), (1.27, None, 1e3)]
    assert "writ" in qs[0].nouns
    (q,) = extract_quantities(tokens("450 GB of new content in 3 years"), 0.0)
    assert q.value == 450 and q.bytes_per == 1e9 and q.period_s == 3 * 365 * 86400.0
    assert extract_quantities(tokens("a day has 86,400 seconds"), 0.0) == []


def test_estimation_check_flags_a_wrong_qps_and_passes_a_right_one() -> None:
    lines = [
        ("requirements", "We have 100 million daily active users"),
        ("estimation", "each user does 10 reads per day"),
        ("estimation", "so that is about 1,000 reads per second"),
    ]
    checks = feed(lines).report(60.0)["estimation"]["checks"]
    assert len(checks) == 1 and not checks[0]["ok"]
    assert checks[0]["expected"] == pytest.approx(100e6 * 10 / 86400, rel=1e-3)
    assert "off by" in checks[0]["text"]
    lines[-1] = ("estimation", "so that is about 12,000 reads per second")
    report = feed(lines).report(60.0)["estimation"]
    assert report["flagged"] == 0 and report["checks"][0]["ok"]


def test_estimation_check_recomputes_storage() -> None:
    lines = [
        ("estimation", "each photo is about 2 MB"),
        ("estimation", "and users upload 5 million photos per day"),
        ("estimation", "so we store about 10 TB per day"),
        ("estimation", "which is about 400 TB of photos per year"),
    ]
    checks = feed(lines).report(60.0)["estimation"]["checks"]
    assert [(c["kind"], c["ok"]) for c in checks] == [("storage", True), ("storage", False)]
    assert checks[1]["expected"] == pytest.approx(2e6 * 5e6 * 365)
