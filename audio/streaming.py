"""Streaming transcription: committed words about a second after they are spoken.

The algorithm, small enough to read in one sitting (in the spirit of ufal/whisper_streaming's
LocalAgreement-2, with our own VAD gating and guards):

1. Audio accumulates in a buffer; Silero VAD scores every 32 ms. No speech → no decoding, and the
   buffer keeps only a short pre-roll.
2. While someone speaks, every ``hop_s`` of new audio the whole buffer is decoded (faster-whisper,
   greedy, word timestamps, the committed tail as prompt). Words before the committed point are
   dropped; of the rest, the prefix on which this hypothesis and the previous one agree becomes
   *final*, and so do leading words already followed by ``stable_after_s`` of audio (Whisper
   rarely revises those; waiting for a second decode to agree made long sentences slow). The
   remainder is shown as *partial*.
3. A pause of ``min_silence_s`` ends the utterance: one last decode, everything is committed, the
   buffer restarts empty. So words are never held back longer than a pause.
4. The buffer is cut at committed sentence/word ends once it exceeds ``max_buffer_s`` (6 s), so
   each decode re-reads only a few committed words: a long sentence or a long session costs the
   same per step as a short one.
5. Guards: no text from silence or noise (VAD gate, Whisper's no-speech probability, known
   phantom phrases), repeated n-gram loops are cut, no context carried across long pauses.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from audio.events import SAMPLE_RATE, AudioFrame, TranscriptEvent
from audio.sources import AudioSource
from audio.vad import WINDOW_S, StreamingVad, VadSettings

__all__ = [
    "SYSTEM_DESIGN_GLOSSARY",
    "StreamingConfig",
    "StreamingStats",
    "StreamingTranscriber",
    "Word",
    "transcribe_stream",
]

log = logging.getLogger(__name__)

SYSTEM_DESIGN_GLOSSARY = (
    "Kafka, Redis, Cassandra, DynamoDB, Postgres, sharding, replication, idempotency, "
    "p99 latency, QPS, CDN, load balancer, rate limiter, consistent hashing, CAP theorem."
)
"""A prompt prefix that nudges Whisper towards system-design spellings."""

# Whole outputs Whisper is known to invent on silence/noise (normalised, see ``_norm``).
_PHANTOMS = {
    "thanks for watching", "thank you for watching", "thank you so much for watching",
    "thanks for watching and see you next time", "please subscribe", "subscribe",
    "like and subscribe", "please like and subscribe", "subtitles by the amara org community",
    "transcription by castingwords", "see you next time", "see you in the next video",
    "thank you for listening",
}  # fmt: skip
# Short outputs that are real speech sometimes and phantoms often: dropped when doubtful.
_SUSPECT = {"you", "thank you", "thanks", "bye", "bye bye", "oh", "hmm", "the end"}
_NON_SPEECH = re.compile(r"^\s*[\[\(♪*].*[\]\)♪*]\s*$|^\s*[♪]+\s*$")
_SENTENCE_END = (".", "?", "!")


@dataclass(frozen=True)
class Word:
    """A recognised word in audio time. ``text`` keeps Whisper's leading space and punctuation."""

    text: str
    start_s: float
    end_s: float
    probability: float = 1.0


@dataclass(frozen=True)
class StreamingConfig:
    """Tuning knobs; defaults measured on 2 CPU cores with tiny.en int8 (benchmarks/stream.py)."""

    hop_s: float = 0.5
    """New speech between two decodes while someone speaks."""
    beam_size: int = 1
    max_buffer_s: float = 6.0
    """The buffer is cut at a committed boundary once it is longer than this. Short buffers
    keep every decode cheap (decoder time grows with the words re-decoded); the committed words
    before the cut go in as the prompt. Measured: 6 s beats 15 s on latency and CPU with no
    loss of accuracy; 4 s loses accuracy."""
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
    """Cap on generated tokens per second of audio (stops runaway repetition loops early)."""
    stable_after_s: float = 1.0
    """Commit, without waiting for a second decode to agree, the leading hypothesis words that
    end at least this long before the newest audio: Whisper heard enough after them that they
    rarely change, and waiting for agreement is what made long sentences slow (0 = off)."""
    min_commit_prob: float = 0.3
    """…but only words at least this probable (a doubtful word waits for agreement)."""
    min_agree_prob: float = 0.2
    """Agreement commits only words at least this probable: two early decodes of a short buffer
    can agree on the same mishearing ("What you are" for "What your"); an unsure word waits for
    a surer decode or the end of the utterance."""


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


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).strip()


def _norm_words(words: Sequence[Word]) -> list[str]:
    return [_norm(w.text) for w in words]


def _join(words: Sequence[Word]) -> str:
    return "".join(w.text for w in words).strip()


def collapse_loops(words: list[Word]) -> list[Word]:
    """Cut a hypothesis at the first n-gram repeated too often in a row (a Whisper loop).

    One word may repeat 3 times ("no, no, no"), a longer n-gram twice; the third repetition and
    everything after it is dropped.
    """
    keys = _norm_words(words)
    for n in range(1, 7):
        allowed = 3 if n == 1 else 2
        i = 0
        while i + n * (allowed + 1) <= len(keys):
            gram = keys[i : i + n]
            repeats = 1
            while keys[i + repeats * n : i + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats > allowed and any(gram):
                return words[: i + allowed * n]
            i += 1
    return words


def drop_echoes(words: list[Word], max_duration_s: float = 0.15) -> list[Word]:
    """Remove a word that repeats the word before it in a blink ("Americans. Americans." with
    the second copy 0.1 s long): Whisper's echo of the last word at a sentence end. A repeat
    actually spoken lasts as long as a word does; a stutter dropped costs nothing."""
    keys = _norm_words(words)
    return [
        w
        for i, w in enumerate(words)
        if i == 0 or keys[i] != keys[i - 1] or w.end_s - w.start_s >= max_duration_s
    ]


def drop_unaligned(words: list[Word], min_duration_s: float = 0.04) -> list[Word]:
    """Remove words the aligner could not place in the audio: runs of two or more words of
    (near) zero duration, and such words at the very end. That is how text Whisper invents
    (prompt echoes, loops after the speech) shows up in word timestamps."""
    short = [w.end_s - w.start_s < min_duration_s for w in words]
    keep = []
    for i, word in enumerate(words):
        in_run = short[i] and (
            (i > 0 and short[i - 1]) or (i + 1 < len(words) and short[i + 1])
        )
        if not in_run:
            keep.append(word)
    while keep and keep[-1].end_s - keep[-1].start_s < min_duration_s:
        keep.pop()
    return keep


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
        vad: StreamingVad | None = None,
        live: bool | None = None,
    ) -> None:
        self.model = model
        self.live = live
        """Frames arrive in real time (microphone, paced file): lateness counts as lag and the
        transcriber degrades when behind. False: a file read as fast as possible (no lag, no
        degradation). None: decided from the arrival rate."""
        self.glossary = glossary.strip() if glossary else None
        self.config = config or StreamingConfig()
        self.clock = clock
        self.stats = StreamingStats()
        self._vad = vad or StreamingVad()
        # Audio buffer: samples from ``_buf_start_s`` to ``_received_s``.
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start_s = 0.0
        self._received_s = 0.0
        self._decoded_s = 0.0
        self._last_decode_at_s = 0.0
        # Speech state from the VAD.
        self._vad_pos_s = 0.0
        self._in_speech = False
        self._utt_start_s = 0.0
        self._speech_s = 0.0
        self._last_speech_end_s = 0.0
        # Words.
        self._committed: list[Word] = []
        self._context: list[Word] = []
        self._hypothesis: list[Word] = []
        self._last_final_end_s = 0.0
        self._last_partial = ""
        # Clocks for ``emitted_s`` and lag.
        self._t0: float | None = None
        self._anchor: float | None = None
        self._late_s = 0.0
        self._degraded = False
        self._prev_frame_end_s: float | None = None
        self._first_arrival = (0.0, 0.0)
        self._started = False

    # ------------------------------------------------------------------ public surface

    @property
    def lag_s(self) -> float:
        """Audio received but not yet decoded, plus how late frames arrive (a queue upstream)."""
        return max(0.0, self._late_s + self._received_s - self._decoded_s)

    @property
    def degraded(self) -> bool:
        """True while the transcriber is behind and decoding less often on purpose."""
        return self._degraded

    @property
    def committed(self) -> tuple[Word, ...]:
        return tuple(self._committed)

    def resync(self) -> None:
        """Forget how late frames arrived (call after a pause, when frames resume)."""
        self._anchor = None
        self._late_s = 0.0

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        self._note_arrival(frame)
        samples = np.asarray(frame.samples, dtype=np.float32).reshape(-1)
        events: list[TranscriptEvent] = []
        if self._started and abs(frame.start_s - self._received_s) > 0.5 / SAMPLE_RATE:
            events += self._restart_at(frame.start_s)  # a gap (pause) or a jump in audio time
        elif not self._started:
            self._started = True
            self._buf_start_s = self._vad_pos_s = self._received_s = frame.start_s
        if not self._buf.size:
            self._buf_start_s = frame.start_s
        self._buf = np.concatenate((self._buf, samples))
        self._received_s = frame.start_s + len(samples) / SAMPLE_RATE
        self.stats.audio_s = self._received_s

        # Window by window, so that an utterance ending and the next one starting inside the
        # same frame are handled in order (the first is finalised before the buffer moves on).
        for prob in self._vad.feed(samples):
            ended_at = self._vad_step(float(prob))
            if ended_at is not None:
                events += self._end_utterance(ended_at)
        if self._in_speech:
            hop = self.config.degraded_hop_s if self._degraded else self.config.hop_s
            enough = self._speech_s >= self.config.vad.min_speech_s
            if enough and self._received_s - self._last_decode_at_s >= hop:
                events += self._step()
        else:
            self._decoded_s = self._received_s
            self._keep_preroll()
        self._update_lag()
        return events

    def finish(self) -> list[TranscriptEvent]:
        """Commit everything still pending (end of file, stop button)."""
        events: list[TranscriptEvent] = []
        if self._in_speech:
            events += self._end_utterance(self._received_s)
        self._decoded_s = self._received_s
        self._late_s = 0.0
        return events

    # ------------------------------------------------------------------ clocks and lag

    def _now_s(self) -> float:
        assert self._t0 is not None
        return self.clock() - self._t0

    def _note_arrival(self, frame: AudioFrame) -> None:
        now = self.clock()
        if self._t0 is None:
            self._t0 = now - frame.end_s
            self._first_arrival = (now, frame.start_s)
        if self._prev_frame_end_s is not None and frame.start_s > self._prev_frame_end_s + 0.5:
            self._anchor = None  # a gap in audio time: the source was paused
        self._prev_frame_end_s = frame.end_s
        offset = now - frame.end_s
        if self._anchor is None or offset < self._anchor:
            self._anchor = offset
        self._late_s = offset - self._anchor if self._is_live(now, frame) else 0.0

    def _is_live(self, now: float, frame: AudioFrame) -> bool:
        if self.live is not None:
            return self.live
        first_wall, first_audio = self._first_arrival
        # A live source never delivers audio much faster than the wall clock advances.
        return frame.end_s - first_audio <= (now - first_wall) * 1.2 + 1.0

    def _update_lag(self) -> None:
        lag = self.lag_s
        self.stats.lag_max_s = max(self.stats.lag_max_s, lag)
        if not self._degraded and lag > self.config.degrade_above_s:
            self._degraded = True
            log.warning("transcription %.1f s behind: decoding less often, no partials", lag)
        elif self._degraded and lag < self.config.degrade_above_s / 2:
            self._degraded = False
            log.info("transcription caught up (lag %.1f s)", lag)

    # ------------------------------------------------------------------ VAD and buffer

    def _vad_step(self, prob: float) -> float | None:
        """Advance the speech state by one window; the utterance end time if a pause ended one."""
        vad = self.config.vad
        start = self._vad_pos_s
        self._vad_pos_s += WINDOW_S
        if prob >= vad.threshold:
            if not self._in_speech:
                self._in_speech = True
                self._utt_start_s = max(self._buf_start_s, start - vad.pad_s)
                self._speech_s = 0.0
                self._start_utterance()
            self._speech_s += WINDOW_S
            self._last_speech_end_s = self._vad_pos_s
        elif (
            self._in_speech
            and prob < vad.neg_threshold
            and self._vad_pos_s - self._last_speech_end_s >= vad.min_silence_s
        ):
            self._in_speech = False
            return self._last_speech_end_s
        return None

    def _restart_at(self, start_s: float) -> list[TranscriptEvent]:
        """Audio time jumped (the source was paused or skipped): close what was being said and
        start over at ``start_s`` with a fresh VAD state."""
        events = self._end_utterance(self._received_s) if self._in_speech else []
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start_s = self._vad_pos_s = self._received_s = start_s
        self._decoded_s = self._last_decode_at_s = start_s
        self._vad.reset()
        return events

    def _start_utterance(self) -> None:
        self._cut_buffer(self._utt_start_s)
        self._last_decode_at_s = self._utt_start_s
        self.stats.utterances += 1
        last_end = self._context[-1].end_s if self._context else None
        if last_end is not None and self._utt_start_s - last_end > self.config.context_reset_s:
            self._context = []

    def _keep_preroll(self) -> None:
        self._cut_buffer(self._received_s - self.config.vad.pad_s)

    def _cut_buffer(self, at_s: float) -> None:
        drop = round((at_s - self._buf_start_s) * SAMPLE_RATE)
        if drop <= 0:
            return
        drop = min(drop, len(self._buf))
        self._buf = self._buf[drop:].copy()
        self._buf_start_s += drop / SAMPLE_RATE

    # ------------------------------------------------------------------ decoding

    def _prompt(self) -> str | None:
        parts = []
        if self.glossary:
            parts.append(self.glossary)
        # Only words before the buffer: words inside it would be "heard" twice and make Whisper
        # repeat the prompt instead of transcribing.
        before = [w for w in self._context if w.end_s <= self._buf_start_s + 0.05]
        if before:
            parts.append(_join(before[-self.config.prompt_words :]))
        return " ".join(parts) or None

    def _decode(self, upto_s: float) -> list[Word]:
        """Decode the buffer up to ``upto_s``; the new words after the committed point."""
        audio = self._buf[: round((upto_s - self._buf_start_s) * SAMPLE_RATE)]
        if len(audio) < int(0.1 * SAMPLE_RATE):
            return []
        started = time.perf_counter()
        prompt = self._prompt()
        words, looped = self._run_model(audio, prompt)
        if looped and prompt:
            # The prompt made Whisper repeat itself ("service delete. service delete. …"):
            # once more without it, which is what usually breaks such a loop.
            self.stats.prompt_retries += 1
            words, looped = self._run_model(audio, None)
        self.stats.decodes += 1
        self.stats.decode_wall_s += time.perf_counter() - started
        self._decoded_s = upto_s
        self._last_decode_at_s = upto_s
        # Nothing may start in the silence after the last speech (a classic phantom).
        words = [w for w in words if w.start_s < self._last_speech_end_s + 0.2]
        return self._after_committed(words)

    def _run_model(self, audio: np.ndarray, prompt: str | None) -> tuple[list[Word], bool]:
        """One Whisper pass; the words (absolute times) and whether the output looped."""
        cfg = self.config
        duration = len(audio) / SAMPLE_RATE
        segments, _info = self.model.transcribe(
            audio,
            language=cfg.language,
            beam_size=cfg.beam_size,
            best_of=1,
            temperature=0.0,
            word_timestamps=True,
            without_timestamps=cfg.without_timestamps,
            condition_on_previous_text=False,
            initial_prompt=prompt,
            vad_filter=False,
            no_speech_threshold=cfg.no_speech_threshold,
            log_prob_threshold=cfg.log_prob_threshold,
            compression_ratio_threshold=cfg.compression_ratio_threshold,
            max_new_tokens=int(10 + cfg.max_tokens_per_s * duration),
        )
        short_speech = self._speech_s < 0.6
        words: list[Word] = []
        looped = False
        for seg in segments:
            if float(seg.compression_ratio) > cfg.compression_ratio_threshold:
                looped = True  # kept: collapse_loops/drop_unaligned salvage the real words
            elif self._is_phantom(seg, short_speech=short_speech):
                self.stats.dropped_phantoms += 1
                continue
            for w in seg.words or ():
                text = str(w.word)
                if not _norm(text) or _NON_SPEECH.match(text):
                    continue
                start = self._buf_start_s + float(w.start)
                end = max(start, self._buf_start_s + float(w.end))
                words.append(Word(text, start, end, float(w.probability)))
        collapsed = collapse_loops(drop_echoes(drop_unaligned(words)))
        return collapsed, looped or len(collapsed) < len(words) - 2

    def _is_phantom(self, seg: Any, *, short_speech: bool) -> bool:
        text = _norm(str(seg.text))
        if not text:
            return True
        if float(seg.no_speech_prob) > self.config.no_speech_threshold and (
            float(seg.avg_logprob) < self.config.log_prob_threshold
        ):
            return True
        if text in _PHANTOMS:
            return True
        return text in _SUSPECT and (short_speech or float(seg.no_speech_prob) > 0.2)

    def _after_committed(self, words: list[Word]) -> list[Word]:
        """Drop the words already committed: by time, then by matching the committed tail."""
        if not self._committed:
            return words
        edge = self._last_final_end_s
        fresh = [w for w in words if w.start_s >= edge - 0.1 and w.end_s > edge]
        tail = _norm_words(self._committed[-5:])
        head = _norm_words(fresh[:5])
        for n in range(min(len(tail), len(head)), 0, -1):
            if tail[-n:] == head[:n]:
                return fresh[n:]
        return fresh

    def _step(self) -> list[TranscriptEvent]:
        """One decode while speech goes on: commit what two hypotheses agree on."""
        new = self._decode(self._received_s)
        agreed = max(self._agreed(new), self._committable(new))
        events = self._commit(new[:agreed])
        self._hypothesis = new[agreed:]
        if self._received_s - self._buf_start_s > self.config.hard_buffer_s:
            events += self._commit(self._hypothesis)
            self._hypothesis = []
            self._cut_buffer(self._last_final_end_s)
        elif self._received_s - self._buf_start_s > self.config.max_buffer_s:
            self._trim()
        events += self._partial()
        return events

    def _agreed(self, new: list[Word]) -> int:
        """How many leading words of ``new`` the previous hypothesis agrees on (LocalAgreement-2),
        up to the first unsure one: two guesses can agree on a mishearing ("What you are")."""
        agreed = 0
        for old_word, new_word in zip(self._hypothesis, new, strict=False):
            if _norm(old_word.text) != _norm(new_word.text):
                break
            if new_word.probability < self.config.min_agree_prob:
                break
            agreed += 1
        return agreed

    def _committable(self, new: list[Word]) -> int:
        """How many leading words of ``new`` may be committed without a second decode: those
        followed by at least ``stable_after_s`` of audio, up to the first doubtful one."""
        cfg = self.config
        if cfg.stable_after_s <= 0:
            return 0
        edge = self._received_s - cfg.stable_after_s
        count = 0
        for w in new:
            if w.end_s > edge or w.probability < cfg.min_commit_prob:
                break
            count += 1
        return count

    def _end_utterance(self, speech_end_s: float) -> list[TranscriptEvent]:
        """A pause (or the end): decode once more and commit everything that was said."""
        upto = min(self._received_s, speech_end_s + self.config.vad.pad_s)
        events: list[TranscriptEvent] = []
        if self._speech_s >= self.config.vad.min_speech_s:
            events += self._commit(self._decode(upto))
        self._hypothesis = []
        if self._last_partial:
            self._last_partial = ""
        self._in_speech = False
        self._cut_buffer(upto)
        self._decoded_s = max(self._decoded_s, upto)
        return events

    def _trim(self) -> None:
        """Cut the buffer at the last committed sentence end (else the last committed word)."""
        inside = [w for w in self._committed if w.end_s > self._buf_start_s + 1.0]
        if not inside:
            return
        cut = inside[-1].end_s
        for w in reversed(inside):
            if w.text.rstrip().endswith(_SENTENCE_END):
                cut = w.end_s
                break
        self._cut_buffer(min(cut, self._last_final_end_s))

    # ------------------------------------------------------------------ events

    def _commit(self, words: list[Word]) -> list[TranscriptEvent]:
        if not words:
            return []
        start = max(words[0].start_s, self._last_final_end_s)
        end = max(start, words[-1].end_s)
        fixed = [replace(w, start_s=max(w.start_s, start)) for w in words]
        self._committed.extend(fixed)
        self._context.extend(fixed)
        del self._committed[: max(0, len(self._committed) - 200)]
        del self._context[: max(0, len(self._context) - 200)]
        self._last_final_end_s = end
        self._last_partial = ""
        return [TranscriptEvent(_join(words), start, end, True, self._now_s())]

    def _partial(self) -> list[TranscriptEvent]:
        text = _join(self._hypothesis)
        if self._degraded or text == self._last_partial:
            return []
        self._last_partial = text
        if not self._hypothesis:
            start = end = self._last_final_end_s
        else:
            start = max(self._hypothesis[0].start_s, self._last_final_end_s)
            end = max(start, self._hypothesis[-1].end_s)
        return [TranscriptEvent(text, start, end, False, self._now_s())]


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
