"""Where a final word's latency goes: a breakdown from the live transcriber's decode traces.

A word's final latency (emitted − its end in the offline pass) is cut into four waits, each
measured on the transcriber's clock from :class:`audio.streaming.DecodeTrace`:

- **to decode**: from the word's end until the first decode whose audio covers it *starts*
  (the hop, plus the worker busy with another decode: the partner's, or an earlier one);
- **decoding**: that decode's own time;
- **unheard**: until a decode's hypothesis first holds the word (the decodes in between had
  it wrong, cut, or not at all);
- **commit**: from then until the word is final (waiting for a second decode to agree, or for
  the pause that ends the utterance, or for the 12 s buffer).

Why: the streaming core's tail could come from the CPU (the first two) or from its commit
policy (the last two); the fix differs, so measure before changing it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from audio.events import TranscriptEvent
from audio.metrics import normalize_words
from audio.streaming import DecodeTrace
from audio.words import Word
from benchmarks._audio_bench import TimedToken, final_latencies, pct

__all__ = ["WordTiming", "breakdown", "print_breakdown"]

_NEAR_S = 0.4
"""How far a hypothesis word's times may be from the offline word's and still be that word."""


@dataclass(frozen=True)
class WordTiming:
    """One final word matched to the offline pass, and its latency cut into waits (seconds)."""

    token: str
    end_s: float
    latency_s: float
    to_decode_s: float
    decoding_s: float
    unheard_s: float
    commit_s: float
    how: str
    """The rule that committed it: agree, stable, end (utterance end), hard (buffer full)."""
    into_window_s: float
    """How far into the decode window the word ended (a long clause without a pause?)."""


def _holds(word: Word, ref: TimedToken) -> bool:
    near = word.start_s - _NEAR_S <= ref.end_s and ref.start_s <= word.end_s + _NEAR_S
    return near and ref.token in normalize_words(word.text)


def breakdown(
    finals: Sequence[TranscriptEvent],
    reference: Sequence[TimedToken],
    traces: Sequence[DecodeTrace],
) -> list[WordTiming]:
    """Each final word matched (in order) to the offline pass, with its waits."""
    return [_timing(ref, ref.end_s + latency, traces)
            for ref, latency in final_latencies(finals, reference)]


def _timing(ref: TimedToken, emitted_s: float, traces: Sequence[DecodeTrace]) -> WordTiming:
    covering = next((t for t in traces if t.audio_end_s >= ref.end_s), None)
    heard = next((t for t in traces if any(_holds(w, ref) for w in t.words)), None)
    committing = next((t for t in traces if any(_holds(w, ref) for w in t.committed)), None)
    start = covering.started_s if covering else emitted_s
    done = covering.finished_s if covering else emitted_s
    heard_at = max(done, heard.finished_s) if heard else emitted_s
    heard_at = min(heard_at, emitted_s)
    done = min(done, heard_at)
    start = min(start, done)
    into = ref.end_s - (covering.window_start_s if covering else ref.start_s)
    return WordTiming(
        token=ref.token,
        end_s=ref.end_s,
        latency_s=emitted_s - ref.end_s,
        to_decode_s=start - ref.end_s,
        decoding_s=done - start,
        unheard_s=heard_at - done,
        commit_s=emitted_s - heard_at,
        how=committing.how if committing else "?",
        into_window_s=into,
    )


def print_breakdown(timings: Sequence[WordTiming], late_s: float = 2.0, show: int = 40) -> None:
    """The mean waits of all words and of the late ones, what committed the late ones, and
    the late words themselves."""
    late = [t for t in timings if t.latency_s > late_s]
    lat = [t.latency_s for t in timings]
    print(
        f"   breakdown over {len(timings)} words (p50 {pct(lat, 50):.2f} s, "
        f"p95 {pct(lat, 95):.2f} s); {len(late)} later than {late_s:.1f} s"
    )
    for name, group in (("all", timings), (f"> {late_s:.1f} s", late)):
        if not group:
            continue
        n = len(group)
        print(
            f"   {name:>8}: to decode {sum(t.to_decode_s for t in group) / n:.2f} s, "
            f"decoding {sum(t.decoding_s for t in group) / n:.2f} s, "
            f"unheard {sum(t.unheard_s for t in group) / n:.2f} s, "
            f"commit {sum(t.commit_s for t in group) / n:.2f} s "
            f"(committed by {dict(Counter(t.how for t in group).most_common())})"
        )
    for t in sorted(late, key=lambda t: t.end_s)[:show]:
        print(
            f"     {t.end_s:6.2f} s {t.token:>12} {t.latency_s:5.2f} s = "
            f"{t.to_decode_s:.2f} + {t.decoding_s:.2f} + {t.unheard_s:.2f} + "
            f"{t.commit_s:.2f}  [{t.how}; {t.into_window_s:.1f} s into the window]"
        )
