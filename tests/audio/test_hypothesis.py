"""The hypothesis buffer alone: agreement, stability, dropping committed words, where to cut."""

from __future__ import annotations

from dataclasses import replace

from audio.hypothesis import CommitPolicy, HypothesisBuffer
from audio.words import Word


def words(text: str, start_s: float = 0.0, step_s: float = 0.3) -> list[Word]:
    return [
        Word(" " + w, start_s + i * step_s, start_s + (i + 1) * step_s)
        for i, w in enumerate(text.split())
    ]


def texts(ws: list[Word] | tuple[Word, ...]) -> str:
    return " ".join(w.text.strip() for w in ws)


def no_stability(**overrides: float) -> HypothesisBuffer:
    return HypothesisBuffer(replace(CommitPolicy(stable_after_s=0.0), **overrides))


def test_two_hypotheses_agreeing_commit_their_common_prefix() -> None:
    buf = no_stability()
    assert buf.insert(words("we shard the"), 1.0) == []
    assert texts(buf.pending) == "we shard the"
    committed = buf.insert(words("we shard by user"), 1.3)
    assert texts(committed) == "we shard"
    assert texts(buf.pending) == "by user"
    assert buf.edge_s == committed[-1].end_s


def test_agreement_stops_at_an_unsure_word() -> None:
    buf = no_stability(min_agree_prob=0.2)
    buf.insert(words("what you are cult"), 1.5)
    unsure = [
        replace(w, probability=0.1) if i == 1 else w
        for i, w in enumerate(words("what you are country"))
    ]
    assert texts(buf.insert(unsure, 1.8)) == "what"


def doubtful(text: str, unsure: str, start_s: float = 0.0) -> list[Word]:
    return [
        replace(w, probability=0.05) if w.text.strip() == unsure else w
        for w in words(text, start_s)
    ]


def test_a_doubtful_word_agreed_three_times_with_audio_after_it_commits() -> None:
    """A synthetic "database," at 0.02-0.08 in every decode held "so we add replicas" for 4 s:
    agreement stopped at it, and the sure words behind it could not commit before it."""
    buf = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, doubtful_streak=3, doubt_cap_s=0))
    said = "to the database so we add replicas and warm the cache"  # word ends 0.3 ... 3.3 s
    assert texts(buf.insert(doubtful(said, "database")[:6], 1.8)) == "to the"
    assert buf.insert(doubtful(said, "database")[:8], 2.3) == [], "agreed twice: not yet"
    third = buf.insert(doubtful(said, "database")[:10], 2.8)
    assert texts(third) == "database so we add replicas and", "the sure words behind it too"
    assert texts(buf.pending) == "warm the", "not agreed yet"


def test_a_doubtful_word_waits_without_the_streak_or_the_audio_after_it() -> None:
    said = "to the database so we add replicas and warm the cache"
    old = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, doubtful_streak=0, doubt_cap_s=0))
    for n, end_s in ((6, 1.8), (8, 2.3), (10, 2.8), (11, 3.3)):
        old.insert(doubtful(said, "database")[:n], end_s)
    assert texts(old.committed) == "to the", "0: the old rule, held until the pause"
    fresh = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, doubtful_streak=3, doubt_cap_s=0))
    for n in range(3):  # three agreeing decodes, but the word ends at the edge of the audio
        fresh.insert(doubtful(said, "database")[:3], 0.9 + 0.01 * n)
    assert texts(fresh.committed) == "to the" and texts(fresh.pending) == "database"
    broken = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, doubtful_streak=3, doubt_cap_s=0))
    broken.insert(doubtful(said, "database")[:6], 1.8)
    broken.insert(doubtful(said.replace("database", "daybase"), "daybase")[:8], 2.3)
    assert broken.insert(doubtful(said, "database")[:10], 2.8) == [], "the streak restarted"


def test_no_word_waits_longer_than_the_cap_however_unsure() -> None:
    """A word heard a different way in every decode never agrees; the cap commits it as the
    newest decode has it, with the sure words behind it."""
    said = "keyed by the short code works well"  # word ends 0.3 ... 2.1 s

    def hyp(spelling: str) -> list[Word]:
        return doubtful(said.replace("keyed", spelling), spelling)

    capped = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, doubt_cap_s=1.5))
    uncapped = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, doubt_cap_s=0))
    assert capped.insert(hyp("keend"), 1.7) == [], "0.3 + 1.5 > 1.7: under the cap it waits"
    assert texts(capped.insert(hyp("key"), 1.8)) == "key by", "at the cap, and the stable word"
    assert texts(capped.insert(hyp("keem"), 2.3)) == "the short code works well", "agreed"
    for n, spelling in enumerate(("keend", "key", "keem", "keys", "keyed")):
        assert uncapped.insert(hyp(spelling), 1.7 + 0.5 * n) == []


def test_words_with_enough_audio_after_them_commit_without_agreement() -> None:
    buf = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, min_commit_prob=0.3))
    hyp = words("we shard the users by id")  # word ends 0.3, 0.6, ... 1.8 s
    assert texts(buf.insert(hyp, 2.0)) == "we shard the"
    doubtful = HypothesisBuffer(CommitPolicy(stable_after_s=1.0, min_commit_prob=0.3))
    hyp2 = [replace(w, probability=0.1) if i == 2 else w for i, w in enumerate(hyp)]
    assert texts(doubtful.insert(hyp2, 2.0)) == "we shard", "a doubtful word waits"


def test_a_fresh_word_whose_start_jittered_over_the_edge_is_kept() -> None:
    """Issue 11: "making | books" lost "books" because its start moved 0.13 s before the edge."""
    buf = no_stability()
    buf.commit_all(words("the art of making", 39.5, 0.25))  # edge 40.5
    again = [
        *words("the art of", 39.5, 0.25),
        Word(" making", 40.25, 40.4),
        Word(" books", 40.37, 40.9),
    ]
    assert texts(buf.drop_committed(again)) == "books"


def test_a_committed_word_decoded_again_is_dropped() -> None:
    buf = no_stability()
    buf.commit_all(words("total equals fourteen", 10.0, 0.5))  # "fourteen" 11.0-11.5
    longer = [Word(" fourteen-fifty-five", 11.0, 12.2), Word(" printing", 12.2, 12.7)]
    assert texts(buf.drop_committed(longer)) == "printing"
    drifted = [Word(" fourteen", 11.3, 11.8), Word(" printing", 11.8, 12.2)]
    assert texts(buf.drop_committed(drifted)) == "printing", "repeats the committed tail"
    at_window_start = [Word(" brothels", 11.0, 12.2)]  # "fourteen" not re-read, new word snapped
    assert texts(buf.drop_committed(at_window_start)) == "brothels"


def test_commits_never_overlap_and_keep_order() -> None:
    buf = no_stability()
    first = buf.commit_all(words("a b c"))
    second = buf.commit_all([Word(" d", first[-1].end_s - 0.05, 1.2)])  # middle after the edge
    assert second[0].start_s >= first[-1].end_s
    assert texts(buf.committed) == "a b c d"


def test_cut_in_a_pause_after_a_sentence_else_at_the_last_committed_word_start() -> None:
    buf = no_stability()
    said = [
        *words("we shard by user.", 0.5),
        *words("then we add a cache", 2.1),  # 0.4 s pause after "user."
    ]
    buf.commit_all(said)
    cut = buf.cut_point(0.0)
    assert cut is not None and 1.7 < cut < 2.1, "the middle of the pause after the sentence"
    flat = no_stability()
    flat.commit_all(words("we shard by user then we add a cache"))  # no pause at all
    last = flat.committed[-1]
    assert flat.cut_point(0.0) == last.start_s, "re-read the last word: the next onset stays whole"
    assert no_stability().cut_point(0.0) is None
    assert flat.cut_point(10.0) is None, "nothing committed far enough into the buffer"


def test_prompt_words_are_only_those_before_the_buffer() -> None:
    buf = no_stability()
    buf.commit_all(words("one two three four five"))
    assert texts(buf.prompt_words(0.9, 20)) == "one two three"
    assert texts(buf.prompt_words(0.9, 2)) == "two three"
