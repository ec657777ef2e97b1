"""Practice with a partner in the tracker: interviewer lines are phase evidence only, and two
signals read both voices (talk-time share, time to answer a question)."""

from __future__ import annotations

from framework.definition import get_framework
from framework.signals import answer_times, talk_time
from framework.tracker import Tracker
from framework.types import PromptItem, Utterance


def u(text: str, start: float, end: float, speaker: str = "candidate") -> Utterance:
    return Utterance(text, start, end, speaker=speaker)


def test_talk_time_counts_overlaps_once_and_gives_the_candidates_share() -> None:
    shares = talk_time([(0.0, 10.0), (5.0, 12.0)], [(20.0, 24.0)])
    assert shares == {"candidate_s": 12.0, "interviewer_s": 4.0, "candidate_share": 0.75}
    assert talk_time([], [])["candidate_share"] is None


def test_a_question_in_fragments_is_one_question_and_its_answer_time_is_measured() -> None:
    interviewer = [(10.0, 11.0, "How many"), (11.1, 12.0, "new links do you"),
                   (12.0, 13.0, "expect each day?"), (30.0, 31.0, "Okay, good."),
                   (40.0, 42.0, "What happens when the cache fails?")]
    candidate = [(14.5, 16.0), (16.0, 20.0), (44.0, 46.0)]
    result = answer_times(candidate, interviewer)
    assert result["questions"] == 2  # "Okay, good." asks nothing
    assert [i["after_s"] for i in result["items"]] == [1.5, 2.0]
    assert result["items"][0]["question"] == "How many new links do you expect each day?"
    assert result["median_s"] == 1.75 and result["max_s"] == 2.0


def test_an_unanswered_question_and_a_cut_in() -> None:
    interviewer = [(0.0, 2.0, "Why not a queue?"), (5.0, 7.0, "Would you shard it?")]
    candidate = [(6.5, 9.0)]  # no answer to the first; cuts into the second
    result = answer_times(candidate, interviewer)
    assert [i["after_s"] for i in result["items"]] == [None, 0.0]
    assert result["answered"] == 1


def test_interviewer_lines_address_nothing_and_count_only_in_the_partner_signals() -> None:
    framework = get_framework("system-design")
    reqs = [PromptItem(id="f1", text="Users can shorten a long URL", kind="functional")]
    tracker = Tracker(framework, requirements=reqs)
    tracker.feed(u("So can users shorten a long URL, and what about fillers um uh?", 0.0, 4.0,
                   "interviewer"))
    report = tracker.report(10.0)
    assert not any(r["addressed"] for r in report["requirements"])
    assert report["signals"]["words"] == 0
    assert report["signals"]["fillers"]["count"] == 0
    assert report["signals"]["talk_time"]["interviewer_s"] == 4.0
    assert report["signals"]["answers"]["questions"] == 1

    tracker.feed(u("Users can shorten a long URL and get a short link back.", 5.0, 9.0))
    report = tracker.report(12.0)
    assert report["signals"]["words"] == 12
    # the same words from the candidate do address it: the interviewer's did not only by speaker
    assert [r["addressed"] for r in report["requirements"]] == [True]
    assert report["signals"]["talk_time"]["candidate_share"] == 0.5
    assert report["signals"]["answers"]["items"][0]["after_s"] == 1.0


def test_listening_to_a_long_question_is_not_a_long_silence() -> None:
    framework = get_framework("system-design")
    tracker = Tracker(framework)
    tracker.feed(u("We need a cache.", 0.0, 2.0))
    tracker.feed(u("Tell me how you would keep the cache warm after a failover, and what "
                   "happens to the database meanwhile?", 2.5, 9.5, "interviewer"))
    tracker.feed(u("We warm it slowly.", 10.0, 12.0))
    tracker.feed(u("Then we add replicas.", 20.0, 22.0))  # a real pause of 8 s
    silences = tracker.report(22.0)["signals"]["long_silences"]
    assert [(s["start"], s["end"]) for s in silences] == [(12.0, 20.0)]
