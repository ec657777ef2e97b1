"""Normalisation: number forms, light stemming, fuzzy matching, phrase search."""

from __future__ import annotations

import pytest

from framework.text import (
    FuzzyVocabulary,
    find_phrase,
    in_milliseconds,
    keys,
    merge_split_words,
    stem,
    tokens,
)


@pytest.mark.parametrize(
    "spoken",
    ["100 million", "100M", "a hundred million", "one hundred million", "100,000,000",
     "100 Million"],
)
def test_number_forms_meet(spoken: str) -> None:
    assert keys(f"{spoken} users") == ["#1e+08", "user"]


def test_numbers_with_units_and_compounds() -> None:
    assert keys("twenty five thousand QPS") == ["#2.5e+04", "qps"]
    assert keys("1.5 billion") == ["#1.5e+09"]
    assert keys("2kb") == ["#2", "kb"]
    assert keys("ten gigabytes") == ["#10", "gb"]
    assert keys("10x growth")[0] == "#10x"


@pytest.mark.parametrize(
    ("spoken", "written"),
    [("availability ninety-nine point nine five", "availability 99.95%"),
     ("four nines of availability", "99.99% of availability"),
     ("two point five million users", "2.5 million users"),
     ("zoom levels nought to nineteen", "zoom levels 0 to 19"),
     ("one and a half million members", "1.5 million members"),
     ("two and a half hours", "2.5 hours")],
)
def test_decimals_and_nines_said_aloud_meet_the_figure(spoken: str, written: str) -> None:
    """A requirement written "99.95%" is said "ninety-nine point nine five" or "four nines"."""
    assert keys(spoken) == keys(written)


def test_point_is_a_word_when_no_digit_follows() -> None:
    assert keys("one point of view") == ["#1", "point", "of", "view"]


@pytest.mark.parametrize(
    ("a", "b"),
    [("caching", "cache"), ("databases", "database"), ("stored", "store"),
     ("replicas", "replica"), ("queries", "query"), ("mapping", "map")],
)
def test_light_stemming(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("configuration", "configure"), ("placement", "placed"), ("selection", "select"),
     ("replication", "replicated"), ("estimation", "estimate"), ("recognises", "recognize"),
     ("partitioning", "partition")],
)
def test_nouns_meet_their_verbs(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_short_words_keep_their_endings() -> None:
    assert len({stem("station"), stem("stat")}) == 2
    assert len({stem("comment"), stem("come")}) == 2
    assert len({stem("update"), stem("up")}) == 2


def test_fuzzy_forgives_one_edit_in_longer_words() -> None:
    vocab = FuzzyVocabulary(["balancer", "envelope", "cache"])
    assert vocab.canon("balancr") == "balancer"
    assert vocab.canon("envelop") == "envelope"
    assert vocab.canon("cash") == "cash"  # short words must match exactly
    assert vocab.canon("banana") == "banana"
    # a five-letter word one letter from another is another word, not a slip
    five = FuzzyVocabulary(["login", "shard"])
    assert five.canon("logic") == "logic"
    assert five.canon("share") == "share"


def test_phrase_search_tolerates_one_inserted_word() -> None:
    hay = keys("so back of uh the envelope")
    assert find_phrase(hay, tuple(keys("back of the envelope"))) == 1
    assert find_phrase(keys("envelope of the back"), tuple(keys("back of the envelope"))) == -1


def test_paraphrase_groups_and_derived_forms() -> None:
    from framework.text import concept

    assert concept(stem("tweets")) == concept(stem("posts"))
    assert concept(stem("timeline")) == concept(stem("feed"))
    assert stem("availability") == stem("available")
    assert concept(stem("database")) == stem("database")
    assert concept(stem("kept")) == concept(stem("keep"))
    assert concept(stem("bursts")) == concept(stem("peak"))
    assert concept(stem("submission")) == concept(stem("submit"))


def test_spoken_multipliers_units_and_terms() -> None:
    assert keys("ten x")[0] == "#10x" == keys("10x")[0]
    assert keys("under a millisecond") == keys("under 1 ms")
    assert keys("a time to live") == ["a", "ttl"]
    assert keys("p ninety nine latency") == keys("p99 latency")


def test_halves_couples_and_durations() -> None:
    assert keys("half a million bookings") == keys("500,000 bookings")
    assert keys("a couple of seconds") == keys("2 seconds")
    assert keys("150 millis") == keys("150 ms")

    def in_ms(text: str) -> list[str]:
        return [t.key for t in in_milliseconds(tokens(text))]

    assert in_ms("under half a second") == in_ms("under 500 ms")
    assert in_ms("within 10 seconds") == in_ms("within 10,000 ms") == in_ms("within 10 s")
    assert "#2000" in in_ms("load in a second or two")
    # "a second" after a count is a rate, not a duration
    assert in_ms("a thousand writes a second") == keys("a thousand writes a second")


def test_split_words_are_joined_when_the_whole_is_known() -> None:
    known = FuzzyVocabulary(keys("database api qps"))
    assert [t.word for t in merge_split_words(tokens("a data base and an a p i"), known)] == [
        "a", "data base", "and", "an", "a p i"]
    assert [t.key for t in merge_split_words(tokens("the data model"), known)] == [
        "the", "data", "model"]
