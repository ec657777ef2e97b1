"""Streaming transcription: committed words about a second after they are spoken.

The processor (in the spirit of ufal/whisper_streaming's ``OnlineASRProcessor``) wires four
small parts, each in its own module and testable alone:

- :class:`~audio.gate.SpeechGate` (Silero VAD): no speech → no decoding; a pause of
  ``min_silence_s`` closes the utterance.
- :class:`~audio.decoder.WhisperDecoder`: one greedy pass over the buffer, with the committed
  words before it as the prompt, and the guards (phantoms, loops, echoes, unplaced words).
- :class:`~audio.hypothesis.HypothesisBuffer`: LocalAgreement-2 plus "stable after 1 s" (and
  no word waits more than 1.5 s, so an unsure word cannot hold a clause until the pause);
  drops re-decoded committed words; says where the audio may be cut without losing a word.
- :class:`~audio.lag.LagPolicy`: lag, and decoding less often when behind.

Per frame: the gate scores it; while someone speaks, every ``hop_s`` the buffer is decoded and
the hypothesis buffer commits what it can (``final`` events) and shows the rest (``partial``).
The buffer is cut at a committed pause once longer than ``max_buffer_s`` so each decode stays
cheap. When the gate closes, one last decode commits everything.

Each closed utterance (a pause, or about ``max_utterance_s`` of talk) is also handed out whole
(:meth:`StreamingTranscriber.take_closed`) for the refine pass (:mod:`audio.refine`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audio.decoder import DecodeOptions, WhisperDecoder
from audio.events import SAMPLE_RATE, AudioFrame, TranscriptEvent
from audio.gate import GateChange, SpeechGate
from audio.guards import collapse_loops, drop_echoes, drop_unaligned
from audio.hypothesis import CommitPolicy, HypothesisBuffer
from audio.lag import LagPolicy, LagSettings
from audio.refine import ClosedUtterance
from audio.sources import AudioSource
from audio.vad import WINDOW_S, SpeechScorer, StreamingVad, VadSettings
from audio.words import Word, join_words

__all__ = [
    "SYSTEM_DESIGN_GLOSSARY",
    "ClosedUtterance",
    "DecodeTrace",
    "StreamingConfig",
    "StreamingStats",
    "StreamingTranscriber",
    "Word",
    "collapse_loops",
    "drop_echoes",
    "drop_unaligned",
    "transcribe_stream",
]

SYSTEM_DESIGN_GLOSSARY = (
    "Kafka, Redis, Cassandra, DynamoDB, Postgres, sharding, replication, idempotency, "
    "p99 latency, QPS, CDN, load balancer, rate limiter, consistent hashing, CAP theorem."
)
"""A prompt prefix that nudges Whisper towards system-design spellings."""


@dataclass(frozen=True)
class StreamingConfig:
    """Tuning knobs; defaults measured on 2 CPU cores with tiny.en int8 (benchmarks/stream.py)."""

    hop_s: float = 0.5
    """New speech between two decodes while someone speaks."""
    beam_size: int = 1
    max_buffer_s: float = 6.0
    """The buffer is cut at a committed pause once longer than this. Short buffers keep every
    decode cheap; the committed words before the cut go in as the prompt. Measured: 6 s beats
    15 s on latency and CPU with no loss of accuracy; 4 s loses accuracy."""
    hard_buffer_s: float = 12.0
    """…and everything is committed if it still gets this long (nothing agreed for 12 s)."""
    context_reset_s: float = 5.0
    """After a pause this long the previous words are no longer used as the prompt."""
    prompt_words: int = 20
    language: str = "en"
    vad: VadSettings = field(default_factory=VadSettings)
    degrade_above_s: float = 2.5
    """When lag exceeds this, decode less often and skip partials, until it is below half."""
    degraded_hop_s: float = 1.5
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    without_timestamps: bool = False
    """Decode text only, no timestamp tokens (word times still come from the alignment).
    Measured: more CPU per audio second, not less, so off by default."""
    max_tokens_per_s: float = 8.0
    stable_after_s: float = 1.0
    """See :class:`~audio.hypothesis.CommitPolicy`."""
    min_commit_prob: float = 0.3
    min_agree_prob: float = 0.2
    doubtful_streak: int = 0
    doubt_cap_s: float = 1.5
    max_utterance_s: float = 12.0
    """A long stretch of talk without a pause is handed to the refine pass in pieces: after this
    long, at the end of a final where the speech dips (a breath), at the latest after 1.25×."""
    keep_closed: int = 32
    """Closed utterances waiting for :meth:`StreamingTranscriber.take_closed`; the oldest go
    first when nobody takes them (no refine pass): memory stays bounded."""

    def decode_options(self) -> DecodeOptions:
        return DecodeOptions(
            language=self.language,
            beam_size=self.beam_size,
            no_speech_threshold=self.no_speech_threshold,
            log_prob_threshold=self.log_prob_threshold,
            compression_ratio_threshold=self.compression_ratio_threshold,
            without_timestamps=self.without_timestamps,
            max_tokens_per_s=self.max_tokens_per_s,
        )

    def commit_policy(self) -> CommitPolicy:
        return CommitPolicy(
            stable_after_s=self.stable_after_s,
            min_commit_prob=self.min_commit_prob,
            min_agree_prob=self.min_agree_prob,
            doubtful_streak=self.doubtful_streak,
            doubt_cap_s=self.doubt_cap_s,
        )

    def lag_settings(self) -> LagSettings:
        return LagSettings(self.degrade_above_s, self.hop_s, self.degraded_hop_s)


@dataclass(frozen=True)
class DecodeTrace:
    """One live decode and what it committed, for latency diagnostics (``trace=`` callback).

    Why: a late final word waits either for audio, for a decode to start (the worker busy), for
    the decode itself, for a decode that hears the word right, or for the commit rule. These
    times (on the transcriber's clock, like ``emitted_s``) let a benchmark say which.
    """

    started_s: float
    finished_s: float
    window_start_s: float
    audio_end_s: float
    words: tuple[Word, ...]
    """The guarded hypothesis of this decode (absolute audio time)."""
    committed: tuple[Word, ...]
    how: str
    """What committed them: "agree", "stable", "end" (utterance end), "hard" (buffer full),
    "" (nothing committed)."""


@dataclass
class StreamingStats:
    """Running figures, for the summary line and the lag display."""

    audio_s: float = 0.0
    decodes: int = 0
    decode_wall_s: float = 0.0
    lag_max_s: float = 0.0
    degraded_s: float = 0.0
    utterances: int = 0
    dropped_phantoms: int = 0
    prompt_retries: int = 0
    closed_dropped: int = 0


class _Audio:
    """The samples of the current utterance, from ``start_s``; the decode window is its tail
    from ``window_s`` (moved forward by trims, so each decode stays short)."""

    def __init__(self) -> None:
        self.samples = np.zeros(0, dtype=np.float32)
        self.start_s = 0.0
        self.window_s = 0.0
        self.piece_s = 0.0
        """Start of the part of the utterance not yet handed to the refine pass."""

    @property
    def end_s(self) -> float:
        return self.start_s + len(self.samples) / SAMPLE_RATE

    def restart(self, at_s: float) -> None:
        self.samples = np.zeros(0, dtype=np.float32)
        self.start_s = self.window_s = self.piece_s = at_s

    def append(self, samples: np.ndarray) -> None:
        self.samples = np.concatenate((self.samples, samples))

    def drop_before(self, at_s: float) -> None:
        """Forget audio before ``at_s`` (the window moves along if it was earlier)."""
        drop = min(len(self.samples), round((at_s - self.start_s) * SAMPLE_RATE))
        if drop > 0:
            self.samples = self.samples[drop:].copy()
            self.start_s += drop / SAMPLE_RATE
        self.window_s = max(self.window_s, self.start_s)

    def slice(self, from_s: float, to_s: float) -> np.ndarray:
        lo = max(0, round((from_s - self.start_s) * SAMPLE_RATE))
        hi = max(lo, round((to_s - self.start_s) * SAMPLE_RATE))
        return self.samples[lo:hi]


class StreamingTranscriber:
    """Feed frames in, get :class:`TranscriptEvent` out. Not thread-safe: one worker drives it.

    ``insert`` is cheap on silence and decodes at most once per call while speech goes on; call
    ``finish`` at the end to commit everything still pending.
    """

    def __init__(
        self,
        model: Any,
        *,
        glossary: str | None = None,
        config: StreamingConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        vad: SpeechScorer | None = None,
        live: bool | None = None,
        trace: Callable[[DecodeTrace], None] | None = None,
    ) -> None:
        self.config = cfg = config or StreamingConfig()
        self.trace = trace
        """Called after each live decode (diagnostics; None in the app)."""
        self.glossary = glossary.strip() if glossary else None
        self.stats = StreamingStats()
        self.decoder = WhisperDecoder(model, cfg.decode_options())
        self.words = HypothesisBuffer(cfg.commit_policy())
        self.gate = SpeechGate(cfg.vad)
        self.lag = LagPolicy(cfg.lag_settings(), clock, live)
        self._vad: SpeechScorer = vad or StreamingVad()
        self._audio = _Audio()
        self._received_s = 0.0
        self._decoded_s = 0.0
        self._last_decode_at_s = 0.0
        self._started = False
        self._last_partial = ""
        self._closed: deque[ClosedUtterance] = deque()
        self._final_ends: list[float] = []
        """Ends of the finals of the piece not yet handed out: where a piece may be closed."""
        self._speechiness: deque[tuple[float, float]] = deque(maxlen=round(30 / WINDOW_S))
        """(window end, speech probability) of recent VAD windows: the dips are the pauses."""
        self._decode_started_s = 0.0
        """When the last decode started (transcriber clock), for ``trace``."""

    # ------------------------------------------------------------------ public surface

    @property
    def model(self) -> Any:
        return self.decoder.model

    @property
    def clock(self) -> Callable[[], float]:
        return self.lag.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.lag.clock = clock

    @property
    def live(self) -> bool | None:
        return self.lag.live

    @live.setter
    def live(self, live: bool | None) -> None:
        self.lag.live = live

    @property
    def lag_s(self) -> float:
        """Audio received but not yet decoded, plus how late frames arrive (a queue upstream)."""
        return self.lag.lag_s(self._received_s - self._decoded_s)

    @property
    def degraded(self) -> bool:
        """True while the transcriber is behind and decoding less often on purpose."""
        return self.lag.degraded

    @property
    def committed(self) -> tuple[Word, ...]:
        return self.words.committed

    @property
    def buffer_s(self) -> float:
        """Seconds of audio the next decode reads (stays short however long the session)."""
        return max(0.0, self._received_s - self._audio.window_s)

    def now_s(self) -> float:
        """Seconds since the start of the stream on the transcriber's clock (``emitted_s``)."""
        return self.lag.now_s()

    def resync(self) -> None:
        """Forget how late frames arrived (call after a pause, when frames resume)."""
        self.lag.resync()

    def take_closed(self) -> list[ClosedUtterance]:
        """The utterances closed since the last call, oldest first (for the refine pass)."""
        closed = list(self._closed)
        self._closed.clear()
        return closed

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        self.lag.arrived(frame.start_s, frame.end_s)
        samples = np.asarray(frame.samples, dtype=np.float32).reshape(-1)
        events: list[TranscriptEvent] = []
        if not self._started:
            self._started = True
            self._restart(frame.start_s)
        elif abs(frame.start_s - self._received_s) > 0.5 / SAMPLE_RATE:
            events += self._close(self._received_s)  # a gap (pause) or a jump in audio time
            self._restart(frame.start_s)
            self._vad.reset()
        self._audio.append(samples)
        self._received_s = frame.end_s
        self.stats.audio_s = self._received_s
        # Window by window, so that an utterance ending and the next one starting inside the
        # same frame are handled in order (the first is finalised before the buffer moves on).
        for prob in self._vad.feed(samples):
            self._speechiness.append((self.gate.pos_s + WINDOW_S, float(prob)))
            change = self.gate.step(float(prob))
            if change is not None:
                events += self._on_gate(change)
        due = self._received_s - self._last_decode_at_s >= self.lag.hop_s
        if self.gate.is_open:
            if self.gate.enough_speech and due:
                events += self._step()
        else:
            self._decoded_s = self._received_s
            self._audio.drop_before(self._received_s - self.config.vad.pad_s)  # pre-roll only
        self.lag.update(self._received_s - self._decoded_s)
        self.stats.lag_max_s = self.lag.lag_max_s
        return events

    def finish(self) -> list[TranscriptEvent]:
        """Commit everything still pending (end of file, stop button)."""
        events = self._close(self._received_s)
        self._decoded_s = self._received_s
        self.lag.caught_up()
        return events

    # ------------------------------------------------------------------ utterances

    def _restart(self, at_s: float) -> None:
        self._audio.restart(at_s)
        self._received_s = self._decoded_s = self._last_decode_at_s = at_s
        self.gate.reset(at_s)

    def _on_gate(self, change: GateChange) -> list[TranscriptEvent]:
        if not change.opened:
            return self._end_utterance(change.at_s)
        start = max(self._audio.start_s, change.at_s)
        self._audio.drop_before(start)
        self._audio.window_s = self._audio.piece_s = start
        self._last_decode_at_s = start
        self.stats.utterances += 1
        last = self.words.committed[-1:] if self.words.committed else ()
        if last and start - last[0].end_s > self.config.context_reset_s:
            self.words.forget_context()
        return []

    def _close(self, at_s: float) -> list[TranscriptEvent]:
        change = self.gate.close()
        return self._end_utterance(at_s) if change is not None else []

    def _end_utterance(self, speech_end_s: float) -> list[TranscriptEvent]:
        """A pause (or the end): decode once more and commit everything that was said."""
        upto = min(self._received_s, speech_end_s + self.config.vad.pad_s)
        events: list[TranscriptEvent] = []
        if self.gate.enough_speech:
            heard = self._decode(upto)
            committed = self.words.commit_all(heard)
            self._trace(heard, committed, "end")
            events += self._final(committed)
        self.words.drop_pending()
        self._last_partial = ""
        self._hand_out(upto)
        self._final_ends = []
        self._audio.drop_before(upto)
        self._decoded_s = max(self._decoded_s, upto)
        return events

    def _hand_out(self, end_s: float) -> None:
        """Pass the utterance [piece start, end_s) to the refine queue, if words were said."""
        start = max(self._audio.piece_s, self._audio.start_s)
        self._audio.piece_s = end_s
        said = [w for w in self.words.committed if start <= w.mid_s < end_s]
        if not said or end_s - start < 0.2:
            return
        prompt = join_words(self.words.prompt_words(start, 40)) or None
        audio = self._audio.slice(start, end_s).copy()
        self._closed.append(
            ClosedUtterance(start, end_s, audio, prompt, self.now_s(), join_words(said))
        )
        while len(self._closed) > self.config.keep_closed:
            self._closed.popleft()
            self.stats.closed_dropped += 1

    def _split_long_utterance(self, new_finals: list[Word]) -> None:
        """After ``max_utterance_s`` of talk without a pause, close a piece at the end of a final
        where the speech dips most (a breath the gate did not count as a pause), so the refine
        pass sees it soon and decodes whole words: a piece cut inside a word gives two halves
        ("movablet." then "types."). Past 1.25× the limit, the best end so far is taken."""
        if not new_finals:
            return
        self._final_ends.append(new_finals[-1].end_s)
        limit = self.config.max_utterance_s
        start = self._audio.piece_s
        length = new_finals[-1].end_s - start
        if length < limit:
            return
        candidates = [e for e in self._final_ends if e - start >= limit / 2]
        if not candidates:
            return
        dip, cut = min(self._dip_near(e) for e in candidates)
        if dip < 0.5 or length >= 1.25 * limit:
            self._hand_out(cut)
            self._final_ends = [e for e in self._final_ends if e > cut]
            self._audio.drop_before(min(self._audio.piece_s, self._audio.window_s))

    def _dip_near(self, end_s: float) -> tuple[float, float]:
        """The quietest VAD window near a final's end (word ends are often early): its speech
        probability and its middle, where the piece is cut."""
        near = [
            (p, t - WINDOW_S / 2)
            for t, p in self._speechiness
            if end_s - 0.1 <= t - WINDOW_S / 2 <= end_s + 0.2
        ]
        return min(near, default=(1.0, end_s))

    # ------------------------------------------------------------------ decoding

    def _prompt(self) -> str | None:
        parts = [self.glossary] if self.glossary else []
        before = self.words.prompt_words(self._audio.window_s, self.config.prompt_words)
        if before:
            parts.append(join_words(before))
        return " ".join(parts) or None

    def _decode(self, upto_s: float) -> list[Word]:
        """Decode the window up to ``upto_s``; the words (absolute times), guarded."""
        audio = self._audio.slice(self._audio.window_s, upto_s)
        self._decoded_s = self._last_decode_at_s = upto_s
        if self.trace is not None:
            self._decode_started_s = self.now_s()
        if len(audio) < int(0.1 * SAMPLE_RATE):
            return []
        started = time.perf_counter()
        decoded = self.decoder.decode(
            audio, self._audio.window_s, self._prompt(), short_speech=self.gate.speech_s < 0.6
        )
        self.stats.decodes = self.decoder.decodes
        self.stats.prompt_retries = self.decoder.prompt_retries
        self.stats.dropped_phantoms += decoded.phantoms
        self.stats.decode_wall_s += time.perf_counter() - started
        # Nothing may start in the silence after the last speech (a classic phantom).
        return [w for w in decoded.words if w.start_s < self.gate.last_speech_end_s + 0.2]

    def _trace(self, heard: list[Word], committed: list[Word], how: str) -> None:
        if self.trace is None:
            return
        self.trace(
            DecodeTrace(
                self._decode_started_s,
                self.now_s(),
                self._audio.window_s,
                self._decoded_s,
                tuple(heard),
                tuple(committed),
                how if committed else "",
            )
        )

    def _step(self) -> list[TranscriptEvent]:
        """One decode while speech goes on: commit what is stable, show the rest."""
        heard = self._decode(self._received_s)
        committed = self.words.insert(heard, self._received_s)
        how = self.words.last_rule if committed else ""
        window = self._received_s - self._audio.window_s
        if window > self.config.hard_buffer_s:
            forced = self.words.commit_all()  # nothing agreed for that long: force it
            committed += forced
            how = "hard" if forced else how
        self._trace(heard, committed, how)
        events = self._final(committed)
        self._split_long_utterance(committed)
        if window > self.config.max_buffer_s:
            cut = self.words.cut_point(self._audio.window_s)
            if cut is not None:
                self._audio.window_s = min(cut, self._received_s)
        events += self._partial()
        return events

    # ------------------------------------------------------------------ events

    def _final(self, words: list[Word]) -> list[TranscriptEvent]:
        if not words:
            return []
        self._last_partial = ""
        text = join_words(words)
        return [TranscriptEvent(text, words[0].start_s, words[-1].end_s, True, self.now_s())]

    def _partial(self) -> list[TranscriptEvent]:
        pending = self.words.pending
        text = join_words(pending)
        if self.lag.degraded or text == self._last_partial:
            return []
        self._last_partial = text
        edge = self.words.edge_s
        start = max(pending[0].start_s, edge) if pending else edge
        end = max(start, pending[-1].end_s) if pending else edge
        return [TranscriptEvent(text, start, end, False, self.now_s())]


def transcribe_stream(
    source: AudioSource,
    transcriber: StreamingTranscriber,
    clock: Callable[[], float] | None = None,
) -> Iterator[TranscriptEvent]:
    """Run a source through a transcriber until the source ends; the last events are finals.

    ``clock`` (default: the transcriber's) measures ``emitted_s``. A device error ends the
    stream like an end of file; ``source.error`` says what happened.
    """
    if clock is not None:
        transcriber.clock = clock
    realtime = getattr(source, "realtime", None)
    if transcriber.live is None and isinstance(realtime, bool):
        transcriber.live = realtime
    try:
        for frame in source.frames():
            yield from transcriber.insert(frame)
    finally:
        source.stop()
    yield from transcriber.finish()
