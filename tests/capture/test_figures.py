"""Scale figures parsed into value + unit."""

from __future__ import annotations

import pytest

from capture.figures import find_figures, main_figure


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("100M URLs/day", 100e6, "URLs/day"),
        ("10:1 read/write", 10.0, "ratio"),
        ("1:4 write to read ratio", 0.25, "ratio"),
        ("p99 < 200 ms", 200.0, "ms"),
        ("p95 latency of 1.5 s", 1.5, "s"),
        ("10 million users", 10e6, "users"),
        ("100 million paste reads per month", 100e6, "paste reads/month"),
        ("2.5B events a day", 2.5e9, "events/day"),
        ("50,000 writes per second", 50_000.0, "writes/s"),
        ("10k QPS at peak", 10_000.0, "QPS"),
        ("99.99% availability", 99.99, "%"),
        ("Store 5 TB per year", 5.0, "TB/year"),
        ("files up to 2 GB", 2.0, "GB"),
        ("Scale from 1 user to tens of millions of users", 10e6, "users"),
        ("Redirects should take under 200ms", 200.0, "ms"),
    ],
)
def test_main_figure(text: str, value: float, unit: str) -> None:
    figure = main_figure(text)
    assert figure is not None
    assert figure.value == pytest.approx(value)
    assert figure.unit == unit


@pytest.mark.parametrize(
    "text",
    ["Posting a tweet should be fast", "Design a Web 2.0 app", "Meet at 10:30 am", "Since 2019"],
)
def test_no_figure(text: str) -> None:
    assert main_figure(text) is None


def test_several_figures_in_order() -> None:
    figures = find_figures("500 million tweets per day or 15 billion tweets per month")
    assert [(f.value, f.unit) for f in figures] == [
        (500e6, "tweets/day"),
        (15e9, "tweets/month"),
    ]
