"""Echo: the partner's voice, heard through the speakers, leaking into the microphone.

With a second source (the system's output: what the call plays), the same interviewer words
reach the transcript twice: clean from the loopback, faint and late from the microphone. Two
channels are the cheap diarisation, so the candidate's stream only has to lose the words the
interviewer's stream already has *at the same moment*: a word of the candidate's final is an
echo when an interviewer word that reads the same (exactly, or nearly: the faint copy is often
misheard by a letter) lies within ``window_s`` of it.

The interviewer's words may come later than the candidate's (its decoder runs less often, on
purpose), so :class:`EchoFilter` *holds* a candidate final that overlaps interviewer speech until
the interviewer stream has been decoded past it, then releases what is left. A final said while
the interviewer is quiet (the usual turn) passes at once: the candidate's latency is kept.

Word times inside a final are spread over its span by length (finals are two or three words
long, so the error is a fraction of ``window_s``). Pure and clock-free: time arrives on the
events and on :meth:`EchoFilter.interviewer_heard`.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from audio.events import TranscriptEvent
from audio.words import norm

__all__ = ["EchoConfig", "EchoFilter", "EchoStats", "Levels", "SpeechTrack", "TimedWord",
           "spread_words"]


@dataclass(frozen=True)
class TimedWord:
    """One normalised word with the audio time of its middle."""

    text: str
    mid_s: float


def spread_words(event: TranscriptEvent) -> list[tuple[str, TimedWord]]:
    """The raw words of ``event`` with a time each, spread over its span by character count."""
    raw = event.text.split()
    if not raw:
        return []
    weights = [max(1, len(norm(w))) for w in raw]
    total = float(sum(weights))
    span = max(0.0, event.end_s - event.start_s)
    out: list[tuple[str, TimedWord]] = []
    before = 0.0
    for word, weight in zip(raw, weights, strict=True):
        mid = event.start_s + span * (before + weight / 2) / total
        out.append((word, TimedWord(norm(word), mid)))
        before += weight
    return out


class SpeechTrack:
    """Where the interviewer's source had sound: a cheap level gate over its frames (loopback
    audio is clean, so a level threshold is enough), kept as merged intervals."""

    def __init__(self, threshold_dbfs: float = -45.0, hangover_s: float = 0.3,
                 keep_s: float = 600.0) -> None:
        self.threshold_dbfs = threshold_dbfs
        self.hangover_s = hangover_s
        self.keep_s = keep_s
        self.spans: deque[list[float]] = deque()
        self.heard_to_s = 0.0

    def add(self, start_s: float, end_s: float, level_dbfs: float) -> None:
        self.heard_to_s = max(self.heard_to_s, end_s)
        if level_dbfs < self.threshold_dbfs:
            return
        if self.spans and start_s <= self.spans[-1][1] + self.hangover_s:
            self.spans[-1][1] = max(self.spans[-1][1], end_s)
        else:
            self.spans.append([start_s, end_s])
        while self.spans and self.spans[0][1] < end_s - self.keep_s:
            self.spans.popleft()

    def overlap_s(self, start_s: float, end_s: float) -> float:
        """Seconds of [start_s, end_s) in which the interviewer's source had sound."""
        total = 0.0
        for lo, hi in self.spans:
            total += max(0.0, min(end_s, hi) - max(start_s, lo))
        return total

    @property
    def last_sound_s(self) -> float:
        """Where the partner's last sound ended (-inf: none yet)."""
        return self.spans[-1][1] if self.spans else float("-inf")


class Levels:
    """Both sources' levels in 100 ms bins, and how loud the partner usually is in the
    microphone (the echo path's gain, learnt from bins where only the partner has sound).

    A stretch where the microphone is no louder than the partner's voice would be after that
    path is the partner alone: whatever the candidate's transcriber heard there is echo, even
    when it misheard it into other words than the partner's stream has."""

    BIN_S = 0.1

    def __init__(self, keep_s: float = 600.0, margin_db: float = 6.0) -> None:
        self.keep_s = keep_s
        self.margin_db = margin_db
        self.mic: dict[int, float] = {}
        self.loop: dict[int, float] = {}
        self._gains: deque[float] = deque(maxlen=600)
        self.gain_db: float | None = None

    def _bins(self, start_s: float, end_s: float) -> range:
        return range(int(start_s / self.BIN_S + 1e-6), max(int(start_s / self.BIN_S + 1e-6) + 1,
                                                           int(end_s / self.BIN_S + 1e-6)))

    def add(self, which: str, start_s: float, end_s: float, level_dbfs: float) -> None:
        target = self.mic if which == "mic" else self.loop
        for b in self._bins(start_s, end_s):
            target[b] = max(target.get(b, -120.0), level_dbfs)
            self._learn(b)
        oldest = int((end_s - self.keep_s) / self.BIN_S)
        for table in (self.mic, self.loop):
            for key in [k for k in table if k < oldest][:64]:
                del table[key]

    def _learn(self, b: int) -> None:
        mic, loop = self.mic.get(b), self.loop.get(b)
        if mic is None or loop is None or loop < -40.0 or mic < -90.0:
            return
        self._gains.append(mic - loop)
        if len(self._gains) >= 10:
            self.gain_db = float(np.percentile(np.asarray(self._gains), 30))

    def echo_only(self, start_s: float, end_s: float) -> bool | None:
        """True when the microphone held only the partner over [start_s, end_s) (most bins no
        louder than the echo would be); None when there is nothing to judge by yet."""
        if self.gain_db is None:
            return None
        votes = []
        for b in self._bins(start_s, end_s):
            mic, loop = self.mic.get(b), self.loop.get(b)
            if mic is None or loop is None:
                continue
            if loop < -40.0:
                votes.append(False)
                continue
            votes.append(mic <= loop + self.gain_db + self.margin_db)
        if not votes:
            return None
        return sum(votes) >= 0.6 * len(votes)


@dataclass(frozen=True)
class EchoConfig:
    enabled: bool = True
    """False: every candidate event passes as it is (to measure what the filter removes)."""
    window_s: float = 1.2
    """An interviewer word this close (middles) with the same reading makes a candidate word an
    echo. The faint copy's words come out of a different decode, so their times differ by a
    few tenths; 1.2 s also covers speaker-to-microphone delay and the spread within a final."""
    hold_s: float = 3.0
    """A final overlapping interviewer speech waits until the interviewer stream has been
    decoded this far past its end (its words are committed by then), at most."""
    min_overlap_s: float = 0.25
    """Less overlap with interviewer sound than this, and a final passes untouched at once (the
    first words of your answer often start a little early in Whisper's timing, inside the
    partner's last syllable)."""
    quiet_s: float = 1.0
    """Once the partner's source has been quiet this long (and decoded), the interviewer's
    transcriber has closed the utterance and committed all of it: held finals go at once."""
    similar: float = 0.75
    """Two readings this similar (1 - edit distance / length) count as the same word."""


@dataclass
class EchoStats:
    held: int = 0
    dropped_words: int = 0
    kept_words: int = 0
    dropped_partials: int = 0
    dropped_by_level: int = 0
    """Of ``dropped_words``, those no interviewer word matched but the levels showed the
    microphone held only the partner (a misheard echo)."""
    dropped: list[str] = field(default_factory=list)
    """The dropped words, most recent last (at most 200), for the benchmark and the log."""


class EchoFilter:
    """Drops from the candidate's stream the words the interviewer's stream has at the same
    time. Feed it both streams' events in arrival order; :meth:`candidate` returns what may be
    shown now, :meth:`interviewer_heard` returns held finals that became ready."""

    def __init__(self, config: EchoConfig | None = None, track: SpeechTrack | None = None) -> None:
        self.config = config or EchoConfig()
        self.track = track or SpeechTrack()
        self.levels = Levels()
        self.stats = EchoStats()
        self._words: list[TimedWord] = []  # interviewer words, in order of time
        self._held: deque[TranscriptEvent] = deque()
        self._decoded_to_s = 0.0
        self._ended = False
        self._candidate_to_s = 0.0

    # ------------------------------------------------------------------ interviewer side

    def interviewer_event(self, event: TranscriptEvent) -> None:
        """An interviewer final (or revision): its words become echo evidence."""
        if not event.final:
            return
        for _raw, word in spread_words(event):
            if not word.text:
                continue
            at = bisect_left([w.mid_s for w in self._words], word.mid_s)
            self._words.insert(at, word)
        self._forget_old()

    def interviewer_heard(self, decoded_to_s: float, ended: bool = False) -> list[TranscriptEvent]:
        """The interviewer stream has been decoded up to ``decoded_to_s`` (``ended``: it will
        say nothing more): held candidate finals it now covers, filtered, in order."""
        self._decoded_to_s = max(self._decoded_to_s, decoded_to_s)
        self._ended = self._ended or ended
        return self._release()

    # ------------------------------------------------------------------ candidate side

    def candidate(self, event: TranscriptEvent) -> list[TranscriptEvent]:
        """A candidate event in; what may go out now (maybe nothing, maybe held ones)."""
        if not self.config.enabled:
            return [event]
        self._candidate_to_s = max(self._candidate_to_s, event.start_s)
        overlap = self.track.overlap_s(event.start_s, max(event.end_s, event.start_s + 0.05))
        unknown = self.track.heard_to_s < event.end_s  # the partner's audio not in yet
        if not event.final:
            span = max(0.05, event.end_s - event.start_s)
            if overlap >= max(self.config.min_overlap_s, 0.5 * span):
                self.stats.dropped_partials += 1  # likely the partner heard twice: not shown
                return []
            return [] if self._held else [event]
        if overlap < self.config.min_overlap_s and not unknown and not self._held:
            self.stats.kept_words += len(event.text.split())
            return [event]
        self._held.append(event)
        self.stats.held += 1
        return self._release()

    def flush(self) -> list[TranscriptEvent]:
        """The end: everything held goes out, filtered against what the interviewer said."""
        self._ended = True
        return self._release()

    @property
    def holding(self) -> bool:
        return bool(self._held)

    # ------------------------------------------------------------------ internals

    def _release(self) -> list[TranscriptEvent]:
        out: list[TranscriptEvent] = []
        while self._held:
            event = self._held[0]
            if not (self._ended or self._settled_s() >= event.end_s):
                break
            self._held.popleft()
            kept = self._filter(event)
            if kept is not None:
                out.append(kept)
        return out

    def _settled_s(self) -> float:
        """Up to where the interviewer's words are all known: everything decoded once the
        partner has been quiet for ``quiet_s``, else ``hold_s`` behind the decoding."""
        if self._decoded_to_s >= self.track.last_sound_s + self.config.quiet_s:
            return self._decoded_to_s
        return self._decoded_to_s - self.config.hold_s

    def _filter(self, event: TranscriptEvent) -> TranscriptEvent | None:
        keep: list[str] = []
        used: set[int] = set()  # one interviewer word per candidate word, within this event
        half = max(0.15, 0.5 * (event.end_s - event.start_s) / max(1, len(event.text.split())))
        for raw, word in spread_words(event):
            match = self._match(word, used) if word.text else None
            if match is None:
                if self.levels.echo_only(word.mid_s - half, word.mid_s + half):
                    self.stats.dropped_by_level += 1
                else:
                    keep.append(raw)
                    continue
            else:
                used.add(match)
            self.stats.dropped_words += 1
            self.stats.dropped.append(raw)
            del self.stats.dropped[:-200]
        self.stats.kept_words += len(keep)
        if not keep:
            # A revision that was all echo must still replace the finals it covers.
            return dataclasses.replace(event, text="") if event.revised else None
        if len(keep) == len(event.text.split()):
            return event
        return dataclasses.replace(event, text=" ".join(keep))

    def _match(self, word: TimedWord, used: set[int]) -> int | None:
        window = self.config.window_s
        mids = [w.mid_s for w in self._words]
        lo = bisect_left(mids, word.mid_s - window)
        best: tuple[float, int] | None = None
        for i in range(lo, len(self._words)):
            other = self._words[i]
            if other.mid_s > word.mid_s + window:
                break
            if i in used or _similarity(word.text, other.text) < self.config.similar:
                continue
            distance = abs(other.mid_s - word.mid_s)
            if best is None or distance < best[0]:
                best = (distance, i)
        return best[1] if best is not None else None

    def _forget_old(self) -> None:
        """Interviewer words far behind every held final and the stream are no use any more."""
        horizon = min(self._decoded_to_s - self.config.hold_s,
                      self._candidate_to_s - self.config.window_s) - 30.0
        if self._held:
            horizon = min(horizon, self._held[0].start_s - self.config.window_s)
        drop = bisect_left([w.mid_s for w in self._words], horizon)
        if drop > 0:
            del self._words[:drop]


def _similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / longer length (1.0: the same reading)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b))
