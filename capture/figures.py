"""Scale figures in prompt text: "100M URLs/day", "10:1 read/write", "p99 < 200 ms".

A figure becomes ``(value, unit)`` so the tracker can check a candidate's estimates against
it. Pure string work, separate from the prompt parser so each rule has its own tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mil": 1e6, "million": 1e6,
    "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "t": 1e12,
    "trillion": 1e12, "thousands": 1e3,
}
PERIODS = {
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day", "daily": "day",
    "wk": "week", "week": "week", "weeks": "week", "weekly": "week",
    "mo": "month", "month": "month", "months": "month", "monthly": "month",
    "yr": "year", "year": "year", "years": "year", "yearly": "year", "annually": "year",
}
SIZE_UNITS = {"b": "B", "kb": "KB", "mb": "MB", "gb": "GB", "tb": "TB", "pb": "PB", "eb": "EB",
              "kib": "KiB", "mib": "MiB", "gib": "GiB", "tib": "TiB", "bytes": "B", "byte": "B"}
TIME_UNITS = {"ms": "ms", "millisecond": "ms", "milliseconds": "ms", "s": "s", "sec": "s",
              "second": "s", "seconds": "s", "us": "us", "µs": "us", "microseconds": "us",
              "minute": "min", "minutes": "min", "min": "min", "mins": "min",
              "hour": "hour", "hours": "hour", "day": "day", "days": "day",
              "week": "week", "weeks": "week", "month": "month", "months": "month",
              "year": "year", "years": "year"}
RATE_UNITS = {"qps": "QPS", "rps": "RPS", "tps": "TPS", "wps": "writes/s"}
WORD_SCALES = {"tens of thousands": 1e4, "hundreds of thousands": 1e5, "millions": 1e6,
               "tens of millions": 1e7, "hundreds of millions": 1e8, "billions": 1e9,
               "tens of billions": 1e10, "hundreds of billions": 1e11, "thousands": 1e3,
               "a million": 1e6, "one million": 1e6, "a billion": 1e9, "one billion": 1e9,
               "a thousand": 1e3}
STOP_NOUNS = {"of", "and", "or", "with", "in", "the", "a", "an", "to", "at", "on", "for", "by",
              "from", "that", "which", "is", "are", "be", "per", "each", "every", "than",
              "under", "within", "below", "above", "over", "up", "while", "but", "so"}

NUMBER = r"(?<![\w.:/])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    start: int  # character offset in the text, to prefer the first strong figure
    strong: bool  # has a multiplier, rate or explicit unit (not just "1 user")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


RATIO = re.compile(NUMBER + r"\s*:\s*(\d+(?:\.\d+)?)(?!\s*(?:am|pm|\d))", re.IGNORECASE)
PERCENTILE = re.compile(
    r"\bp\s?(\d{2}(?:\.\d+)?)\b[^\d\n]{0,25}?" + NUMBER
    + r"\s*(ms|milliseconds?|s|sec|seconds?|us|µs)\b",
    re.IGNORECASE,
)
PERCENT = re.compile(NUMBER + r"\s*%")
LATENCY = re.compile(
    r"(?:<|<=|≤|under|below|within|less than|at most|in)\s*" + NUMBER
    + r"\s*(ms|milliseconds?|s|secs?|seconds?|us|µs|minutes?|mins?)\b",
    re.IGNORECASE,
)
SIZE = re.compile(
    NUMBER + r"\s*(k|m|b|t|thousand|million|billion|trillion)?\s*"
    r"(bytes?|[kmgtpe]i?b)\b(?:\s*(?:/|per|a|each|every)\s*([a-z]+))?",
    re.IGNORECASE,
)
COUNT = re.compile(
    NUMBER + r"\s*(k|m|mm|mn|b|bn|t|thousand|million|billion|trillion)?\b(\+)?"
    r"((?:\s+[A-Za-z][\w'-]*){0,3}?)"
    r"\s*(?:/\s*|\bper\s+|\ba\s+|\beach\s+|\bevery\s+)"
    r"(ms|millisecond|seconds?|secs?|s|minutes?|mins?|min|hours?|hrs?|hr|h|days?|d|weeks?|wk|"
    r"months?|mo|years?|yr)\b",
    re.IGNORECASE,
)
PLAIN = re.compile(
    NUMBER + r"\s*(k|m|mm|mn|b|bn|t|thousand|million|billion|trillion)?\b(\+)?"
    r"((?:\s+[A-Za-z][\w'-]*){1,3})",
    re.IGNORECASE,
)
WORDS = re.compile(
    r"\b(tens of thousands|hundreds of thousands|tens of millions|hundreds of millions|"
    r"tens of billions|hundreds of billions|millions|billions|thousands|"
    r"a million|one million|a billion|one billion|a thousand)\b"
    r"((?:\s+of)?(?:\s+[A-Za-z][\w'-]*){1,2})",
    re.IGNORECASE,
)
RATE = re.compile(NUMBER + r"\s*(k|m|b|thousand|million|billion)?\s*(qps|rps|tps|wps)\b",
                  re.IGNORECASE)


def _noun(words: str) -> str:
    """The counted thing: up to three words after the number, stopping at a function word."""
    out: list[str] = []
    for word in words.split():
        clean = word.strip(".,;:()'\"")
        if not clean or clean.lower() in STOP_NOUNS or clean[0].isdigit():
            if out or clean.lower() not in {"of"}:
                break
            continue
        out.append(clean)
    return " ".join(out)


def find_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order of appearance (overlaps resolved by pattern order)."""
    found: list[Figure] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], value: float, unit: str, strong: bool = True) -> None:
        span = match.span()
        if any(span[0] < end and start < span[1] for start, end in taken):
            return
        taken.append(span)
        found.append(Figure(value=value, unit=unit, start=span[0], strong=strong))

    for m in RATIO.finditer(text):
        add(m, _number(m.group(1)) / max(_number(m.group(2)), 1e-9), "ratio")
    for m in PERCENTILE.finditer(text):
        add(m, _number(m.group(2)), TIME_UNITS.get(m.group(3).lower(), m.group(3)))
    for m in PERCENT.finditer(text):
        add(m, _number(m.group(1)), "%")
    for m in RATE.finditer(text):
        scale = MULTIPLIERS.get((m.group(2) or "").lower(), 1.0)
        add(m, _number(m.group(1)) * scale, RATE_UNITS[m.group(3).lower()])
    for m in SIZE.finditer(text):
        scale = MULTIPLIERS.get((m.group(2) or "").lower(), 1.0)
        unit = SIZE_UNITS.get(m.group(3).lower(), m.group(3))
        if m.group(4) and m.group(4).lower() in PERIODS:
            unit += "/" + PERIODS[m.group(4).lower()]
        add(m, _number(m.group(1)) * scale, unit)
    for m in LATENCY.finditer(text):
        add(m, _number(m.group(1)), TIME_UNITS.get(m.group(2).lower(), m.group(2)))
    for m in COUNT.finditer(text):
        scale = MULTIPLIERS.get((m.group(2) or "").lower(), 1.0)
        noun = _noun(m.group(4) or "")
        period = PERIODS.get(m.group(5).lower(), m.group(5).lower())
        unit = f"{noun}/{period}" if noun else f"per {period}"
        add(m, _number(m.group(1)) * scale, unit)
    for m in WORDS.finditer(text):
        noun = _noun(m.group(2))
        if noun:
            add(m, WORD_SCALES[m.group(1).lower()], noun)
    for m in PLAIN.finditer(text):
        multiplier = (m.group(2) or "").lower()
        noun = _noun(m.group(4) or "")
        if not noun and not multiplier:
            continue
        if noun.lower() in TIME_UNITS and not multiplier:
            add(m, _number(m.group(1)), TIME_UNITS[noun.lower()], strong=False)
            continue
        if not multiplier and "." in m.group(1):
            continue  # "Web 2.0 app": a version, not a count
        if not multiplier and _number(m.group(1)) >= 1900 and _number(m.group(1)) <= 2100:
            continue  # a year, not a figure
        add(m, _number(m.group(1)) * MULTIPLIERS.get(multiplier, 1.0), noun or "count",
            strong=bool(multiplier))
    found.sort(key=lambda f: f.start)
    return found


def main_figure(text: str) -> Figure | None:
    """The figure a requirement is about: the first strong one, else the first at all."""
    figures = find_figures(text)
    if not figures:
        return None
    strong = [f for f in figures if f.strong]
    return strong[0] if strong else figures[0]
