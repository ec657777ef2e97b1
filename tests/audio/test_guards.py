"""Logic of the hallucination guards and the WER normaliser (no model needed)."""

from __future__ import annotations

from audio.guards import (
    SegmentScores,
    collapse_loops,
    drop_echoes,
    drop_repeated_phrase,
    drop_unaligned,
    is_non_speech,
    is_phantom,
)
from audio.metrics import error_counts, normalize_words, word_error_rate
from audio.words import Word


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


def test_phantom_segments_are_recognised() -> None:
    said = SegmentScores(" We shard by user.", no_speech_prob=0.01, avg_logprob=-0.3)
    assert not is_phantom(said, short_speech=False)
    assert is_phantom(SegmentScores(" Thanks for watching!", 0.01, -0.3), short_speech=False)
    assert is_phantom(SegmentScores(" words", 0.9, -1.5), short_speech=False), "silence by score"
    assert is_phantom(SegmentScores(" you", 0.01, -0.3), short_speech=True)
    assert not is_phantom(SegmentScores(" you", 0.01, -0.3), short_speech=False)
    assert is_non_speech(" [Music]") and is_non_speech(" ♪♪") and not is_non_speech(" hi")


def test_error_counts_tell_deletions_from_substitutions() -> None:
    counts = error_counts("we shard the users by id", "we shard users by it")
    assert (counts.substitutions, counts.deletions, counts.insertions) == (1, 1, 0)
    assert counts.words == 6 and counts.errors == 2
    assert error_counts("a b", "a b b c").insertions == 2


def test_a_sentence_read_out_twice_is_cut() -> None:
    twice = words("and so my fellow americans and so my fellow americans ask not")
    assert " ".join(w.text.strip() for w in drop_repeated_phrase(twice)) == (
        "and so my fellow americans"
    )
    said = words("we shard by user and by time")
    assert drop_repeated_phrase(said) == said
    assert drop_repeated_phrase(words("no no no")) == words("no no no"), "short repeats stay"
