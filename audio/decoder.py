"""One Whisper pass over a buffer of audio → guarded words in absolute audio time.

The live path, the refine pass and the batch decoder all speak to faster-whisper through here,
so the decoding options and the guards (phantoms, loops, echoes, unplaced words) live in one
place. ``model`` is anything with faster-whisper's ``transcribe(audio, **options)``: the tests
pass a scripted fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from audio.events import SAMPLE_RATE
from audio.guards import (
    SegmentScores,
    collapse_loops,
    drop_echoes,
    drop_unaligned,
    is_non_speech,
    is_phantom,
)
from audio.words import Word

__all__ = ["DecodeOptions", "Decoded", "WhisperDecoder"]


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode: greedy and short for the live path, beam search for refine and batch."""

    language: str = "en"
    beam_size: int = 1
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    without_timestamps: bool = False
    max_tokens_per_s: float = 8.0
    """Cap on generated tokens per second of audio (stops runaway repetition loops early)."""


@dataclass(frozen=True)
class Decoded:
    """The words of one pass, whether it looped, and how many phantom segments were dropped."""

    words: list[Word]
    looped: bool
    phantoms: int


class WhisperDecoder:
    """Decodes a buffer with a prompt; retries once without the prompt when it made Whisper loop
    ("service delete. service delete. …"), which is what usually breaks such a loop."""

    def __init__(self, model: Any, options: DecodeOptions | None = None) -> None:
        self.model = model
        self.options = options or DecodeOptions()
        self.decodes = 0
        self.prompt_retries = 0

    def decode(
        self, audio: np.ndarray, offset_s: float, prompt: str | None, *, short_speech: bool
    ) -> Decoded:
        first = self._run(audio, offset_s, prompt, short_speech)
        if not (first.looped and prompt):
            return first
        self.prompt_retries += 1
        second = self._run(audio, offset_s, None, short_speech)
        return Decoded(second.words, second.looped, first.phantoms + second.phantoms)

    def _run(
        self, audio: np.ndarray, offset_s: float, prompt: str | None, short_speech: bool
    ) -> Decoded:
        opt = self.options
        self.decodes += 1
        duration = len(audio) / SAMPLE_RATE
        segments, _info = self.model.transcribe(
            audio,
            language=opt.language,
            beam_size=opt.beam_size,
            best_of=1,
            temperature=0.0,
            word_timestamps=True,
            without_timestamps=opt.without_timestamps,
            condition_on_previous_text=False,
            initial_prompt=prompt,
            vad_filter=False,
            no_speech_threshold=opt.no_speech_threshold,
            log_prob_threshold=opt.log_prob_threshold,
            compression_ratio_threshold=opt.compression_ratio_threshold,
            max_new_tokens=int(10 + opt.max_tokens_per_s * duration),
        )
        words: list[Word] = []
        looped = False
        phantoms = 0
        for seg in segments:
            scores = SegmentScores(str(seg.text), float(seg.no_speech_prob), float(seg.avg_logprob))
            if float(seg.compression_ratio) > opt.compression_ratio_threshold:
                looped = True  # kept: collapse_loops/drop_unaligned salvage the real words
            elif is_phantom(
                scores,
                short_speech=short_speech,
                no_speech_threshold=opt.no_speech_threshold,
                log_prob_threshold=opt.log_prob_threshold,
            ):
                phantoms += 1
                continue
            for w in seg.words or ():
                text = str(w.word)
                if is_non_speech(text):
                    continue
                start = offset_s + float(w.start)
                end = max(start, offset_s + float(w.end))
                words.append(Word(text, start, end, float(w.probability)))
        collapsed = collapse_loops(drop_echoes(drop_unaligned(words)))
        return Decoded(collapsed, looped or len(collapsed) < len(words) - 2, phantoms)
