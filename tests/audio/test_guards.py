"""Logic of the hallucination guards and the WER normaliser (no model needed)."""

from __future__ import annotations

from dataclasses import replace

from audio.metrics import normalize_words, word_error_rate
from audio.streaming import (
    StreamingConfig,
    StreamingTranscriber,
    Word,
    collapse_loops,
    drop_echoes,
    drop_unaligned,
)


def words(text: str, step_s: float = 0.3) -> list[Word]:
    return [Word(" " + w, i * step_s, (i + 1) * step_s) for i, w in enumerate(text.split())]


def test_repetition_loops_are_cut() -> None:
    looped = words("ask what you can do ask what you can do ask what you can do for")
    assert " ".join(w.text.strip() for w in collapse_loops(looped)) == (
        "ask what you can do ask what you can do"
    )
    assert len(collapse_loops(words("no no no"))) == 3
    assert len(collapse_loops(words("n n n n n n"))) == 3
    natural = words("we shard by user id and we shard by time")
    assert collapse_loops(natural) == natural


def test_words_the_aligner_cannot_place_are_dropped() -> None:
    placed = words("and so my fellow americans")
    echo = [Word(" thanks", 1.5, 1.5), Word(" for", 1.5, 1.5), Word(" watching", 1.5, 1.51)]
    assert drop_unaligned(placed + echo) == placed
    lone_short = [*placed[:2], Word(" a", 0.6, 0.6), *placed[2:]]
    assert drop_unaligned(lone_short) == lone_short


def test_a_word_echoed_in_a_blink_is_dropped() -> None:
    said = words("and so my fellow americans.")
    echo = Word(" Americans.", said[-1].end_s, said[-1].end_s + 0.1)
    assert drop_echoes([*said, echo]) == said
    spoken_twice = words("no no we shard by user")  # each copy lasts 0.3 s: both were said
    assert drop_echoes(spoken_twice) == spoken_twice


def test_wer_ignores_case_punctuation_and_number_format() -> None:
    assert normalize_words("The 15th-century, 42-line Bible!") == [
        "the", "fifteenth", "century", "forty", "two", "line", "bible",
    ]  # fmt: skip
    assert word_error_rate("Ask not what your country", "ask not, what YOUR country.") == 0.0
    assert word_error_rate("a b c d", "a x c d e") == 0.5
    assert word_error_rate("", "") == 0.0


class _NoVad:
    """The commit-policy helpers below never touch the VAD."""


def _transcriber(**overrides: float) -> StreamingTranscriber:
    config = replace(StreamingConfig(), **overrides)
    return StreamingTranscriber(None, config=config, vad=_NoVad())  # type: ignore[arg-type]


def test_words_with_enough_audio_after_them_commit_without_agreement() -> None:
    tr = _transcriber(stable_after_s=1.0, min_commit_prob=0.3)
    hypothesis = words("we shard the users by id")  # word ends 0.3, 0.6, … 1.8 s
    tr._received_s = 2.0
    assert tr._committable(hypothesis) == 3  # ends at or before 1.0 s: "we shard the"
    tr._received_s = 10.0
    assert tr._committable(hypothesis) == 6
    doubtful = [*hypothesis[:2], replace(hypothesis[2], probability=0.1), *hypothesis[3:]]
    assert tr._committable(doubtful) == 2, "a doubtful word waits for two decodes to agree"
    assert _transcriber(stable_after_s=0.0)._committable(hypothesis) == 0


def test_agreement_commits_only_words_the_decoder_is_sure_of() -> None:
    tr = _transcriber(min_agree_prob=0.2)
    tr._hypothesis = words("what you are cult")
    new = words("what you are country can")
    assert tr._agreed(new) == 3
    unsure = [replace(new[0], probability=0.12), *new[1:]]
    assert tr._agreed(unsure) == 0, "an unsure first word holds the rest back"
    assert tr._agreed(words("so you are")) == 0
