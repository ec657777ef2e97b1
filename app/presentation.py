"""How a session is shown to a person: the rules every window and every export share.

Qt-free and pure, so the live window, the review window, the exports and the CLI cannot drift
apart: one clock format for times in a session (and one for subtitle stamps), one rule that joins
the transcriber's few-word commits into readable lines, one words-per-minute, and the delivery
phrases (hedges, fillers, trade-off language) from the framework's own lists, so what the review
highlights is what the tracker counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from framework.signals import FILLERS, HEDGES, TRADEOFFS

# -- times -----------------------------------------------------------------------------------------


def clock(seconds: float) -> str:
    """A time in a session for people: ``m:ss`` under an hour, ``h:mm:ss`` above (negative
    times clamp to zero)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def subtitle_stamp(seconds: float, separator: str) -> str:
    """``HH:MM:SS,mmm`` (SRT, ``separator=","``) or ``HH:MM:SS.mmm`` (WebVTT, ``"."``)."""
    ms = round(max(0.0, seconds) * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def local_date(iso: str) -> str:
    """When a session started, in local time: ``03 Dec, 09:15`` (the year only if not this one)."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    if moment.year == datetime.now().year:
        return moment.strftime("%d %b, %H:%M")
    return moment.strftime("%d %b %Y, %H:%M")


# -- budgets --------------------------------------------------------------------------------------

BudgetStatus = Literal["under", "near", "over", "none"]


def budget_status(spent_s: float, budget_s: float | None) -> BudgetStatus:
    """The live phase bar's rule (the tracker's), for the review, the exports and the CLI:
    over past the budget, near from ``NEAR_SHARE`` of it; ``none`` without a budget."""
    from framework.tracker import NEAR_SHARE  # here: the tracker is slow to import for a CLI

    if not budget_s:
        return "none"
    if spent_s > budget_s:
        return "over"
    return "near" if spent_s >= NEAR_SHARE * budget_s else "under"


# -- delivery phrases ------------------------------------------------------------------------------


def _phrases(phrases: Sequence[str]) -> re.Pattern[str]:
    """The framework's phrase rule (a space also matches a hyphen), any case, longest first."""
    alts = sorted((re.escape(p).replace(r"\ ", r"[\s\-]+") for p in phrases), key=len,
                  reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


_HEDGE = _phrases(HEDGES)
_FILLER = _phrases(FILLERS)
_TRADE_OFF = _phrases(TRADEOFFS)


def _normal(text: str) -> str:
    return text.replace("’", "'")  # the tracker reads "I’m" as "I'm"; same length, same spans


def hedge_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the hedges in ``text``, to highlight them."""
    return [m.span() for m in _HEDGE.finditer(_normal(text))]


def marked(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into runs, each with whether it is inside one of ``spans``: every medium
    (Markdown, HTML, the review window) renders the runs its own way."""
    runs: list[tuple[str, bool]] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            runs.append((text[pos:start], False))
        runs.append((text[start:end], True))
        pos = end
    if pos < len(text) or not runs:
        runs.append((text[pos:], False))
    return runs


def _counts(pattern: re.Pattern[str], text: str) -> dict[str, int]:
    found = (re.sub(r"[\s\-]+", " ", m.group(0).lower()) for m in pattern.finditer(_normal(text)))
    return dict(Counter(found).most_common())


def hedge_counts(text: str) -> dict[str, int]:
    """How often each hedge occurs, most frequent first."""
    return _counts(_HEDGE, text)


def filler_counts(text: str) -> dict[str, int]:
    return _counts(_FILLER, text)


def trade_off_count(text: str) -> int:
    return len(_TRADE_OFF.findall(_normal(text)))


# -- lines -----------------------------------------------------------------------------------------


class Timed(Protocol):
    """A stored segment, a merged line: anything said between two times."""

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...

    @property
    def text(self) -> str: ...


class Phased(Timed, Protocol):
    @property
    def phase(self) -> str | None: ...


@dataclass(frozen=True)
class Line:
    """Consecutive transcript segments merged into one readable line (or subtitle cue)."""

    start_s: float
    end_s: float
    text: str
    phase: str | None
    speaker: str = "candidate"
    """Who said it ("candidate" | "interviewer"); lines never join across speakers."""


def speaker_of(said: object) -> str:
    """The speaker of a segment or line (older ones carry none: the candidate's)."""
    return str(getattr(said, "speaker", "candidate") or "candidate")


def has_partner(said: Iterable[object]) -> bool:
    """True when a partner spoke in this transcript (then exports name each line's speaker)."""
    return any(speaker_of(s) == "interviewer" for s in said)


SPEAKER_NAMES = {"candidate": "Candidate", "interviewer": "Interviewer"}


JOIN_GAP_S = 0.8  # a longer pause starts a new line
JOIN_MAX_S = 12.0
JOIN_MAX_CHARS = 160


def continues(line: Phased, start_s: float, gap_s: float = JOIN_GAP_S) -> bool:
    """Words starting at ``start_s`` carry ``line`` on: no real pause, no sentence end."""
    return start_s - line.end_s <= gap_s and not line.text.endswith((".", "?", "!"))


def joins(line: Phased, words: Phased, max_s: float = JOIN_MAX_S,
          max_chars: int = JOIN_MAX_CHARS, gap_s: float = JOIN_GAP_S) -> bool:
    """Whether ``words`` belong at the end of ``line`` (same phase, carried on, not too long)."""
    return (
        words.phase == line.phase
        and continues(line, words.start_s, gap_s)
        and words.end_s - line.start_s <= max_s
        and len(line.text) + len(words.text.strip()) < max_chars
    )


def merge_lines(segments: Iterable[Phased], max_s: float = JOIN_MAX_S,
                max_chars: int = JOIN_MAX_CHARS, gap_s: float = JOIN_GAP_S) -> list[Line]:
    """The live transcriber commits a few words at a time; readers want sentences."""
    lines: list[Line] = []
    for seg in segments:
        text = seg.text.strip()
        if not text:
            continue
        speaker = speaker_of(seg)
        if (lines and lines[-1].speaker == speaker
                and joins(lines[-1], seg, max_s, max_chars, gap_s)):
            last = lines[-1]
            lines[-1] = Line(last.start_s, max(last.end_s, seg.end_s), f"{last.text} {text}",
                             last.phase, speaker)
        else:
            lines.append(Line(seg.start_s, seg.end_s, text, seg.phase, speaker))
    return lines


# -- pace ------------------------------------------------------------------------------------------

WPM_WINDOW_S = 60.0
WPM_MIN_WINDOW_S = 10.0  # a last window shorter than this would read as a spike


def word_count(text: str) -> int:
    return len(re.findall(r"[\w']+", text))


def words_per_minute(said: Iterable[Timed], duration_s: float,
                     window_s: float = WPM_WINDOW_S) -> list[tuple[float, float]]:
    """Speaking rate per window, as (window middle s, words per minute). Silence counts, as it
    does for a listener; a line counts where its middle falls."""
    items = list(said)
    duration_s = max([duration_s, *(s.end_s for s in items)])
    if duration_s <= 0:
        return []
    counts = [0] * (int(duration_s // window_s) + 1)
    for s in items:
        counts[min(len(counts) - 1, int((s.start_s + s.end_s) / 2 // window_s))] += \
            word_count(s.text)
    points = []
    for i, words in enumerate(counts):
        width = min(window_s, duration_s - i * window_s)
        if width >= min(WPM_MIN_WINDOW_S, duration_s):
            points.append((i * window_s + width / 2, words * 60.0 / width))
    return points
