"""Guards against text Whisper invents: phantom phrases on silence, loops, echoes, unplaced words.

Each guard is a pure function over words or one decoded segment, so it can be tested alone and
reused by the live path, the refine pass and the batch decoder alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audio.words import Word, norm, norm_words

__all__ = [
    "SegmentScores",
    "collapse_loops",
    "drop_echoes",
    "drop_repeated_phrase",
    "drop_unaligned",
    "is_non_speech",
    "is_phantom",
]

# Whole outputs Whisper is known to invent on silence/noise (normalised, see ``norm``).
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


@dataclass(frozen=True)
class SegmentScores:
    """What the decoder says about one segment: enough to tell a phantom from speech."""

    text: str
    no_speech_prob: float
    avg_logprob: float


def is_non_speech(text: str) -> bool:
    """Empty, or a sound tag such as "[music]" or "♪"."""
    return not norm(text) or bool(_NON_SPEECH.match(text))


def is_phantom(
    seg: SegmentScores,
    *,
    short_speech: bool,
    no_speech_threshold: float = 0.6,
    log_prob_threshold: float = -1.0,
) -> bool:
    """A segment Whisper most likely made up: silence by its own scores, a known phantom
    phrase, or a doubtful short word ("you", "thanks") on very little speech."""
    text = norm(seg.text)
    if not text:
        return True
    if seg.no_speech_prob > no_speech_threshold and seg.avg_logprob < log_prob_threshold:
        return True
    if text in _PHANTOMS:
        return True
    return text in _SUSPECT and (short_speech or seg.no_speech_prob > 0.2)


def collapse_loops(words: list[Word], phrase_repeats: int = 2) -> list[Word]:
    """Cut a hypothesis at the first n-gram repeated too often in a row (a Whisper loop).

    One word may repeat 3 times ("no, no, no"), two words twice, a phrase of three or more
    ``phrase_repeats`` times; the repetition past that and everything after it is dropped.
    """
    keys = norm_words(words)
    for n in range(1, 7):
        allowed = 3 if n == 1 else 2 if n == 2 else phrase_repeats
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


def drop_repeated_phrase(words: list[Word], min_words: int = 3) -> list[Word]:
    """Cut at a phrase of ``min_words`` or more said twice in a row, however long (a decode
    that reads a whole sentence out again); the second copy and what follows go."""
    keys = norm_words(words)
    for i in range(len(keys)):
        for n in range(min_words, (len(keys) - i) // 2 + 1):
            if keys[i : i + n] == keys[i + n : i + 2 * n]:
                return words[: i + n]
    return words


def drop_echoes(words: list[Word], max_duration_s: float = 0.15) -> list[Word]:
    """Remove a word that repeats the word before it in a blink ("Americans. Americans." with
    the second copy 0.1 s long): Whisper's echo of the last word at a sentence end. A repeat
    actually spoken lasts as long as a word does; a stutter dropped costs nothing."""
    keys = norm_words(words)
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
        in_run = short[i] and ((i > 0 and short[i - 1]) or (i + 1 < len(words) and short[i + 1]))
        if not in_run:
            keep.append(word)
    while keep and keep[-1].end_s - keep[-1].start_s < min_duration_s:
        keep.pop()
    return keep
