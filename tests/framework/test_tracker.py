"""The tracker's rules on small hand-written transcripts."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from framework.definition import get_framework
from framework.events import Addressed, Nudge, PhaseChanged
from framework.tracker import Tracker
from framework.types import PromptItem, Utterance
from tests.framework.helpers import WALKTHROUGH, WALKTHROUGH_PHASES, script

FW = get_framework("system-design")
ORDER = list(FW.phase_ids)


def run(lines: list[str], **kwargs: object) -> tuple[Tracker, list[Utterance], list[object]]:
    tracker = Tracker(FW, **kwargs)  # type: ignore[arg-type]
    utterances = script(lines)
    events: list[object] = []
    for u in utterances:
        events.extend(tracker.feed(u))
    return tracker, utterances, events


def test_walkthrough_goes_through_every_phase_in_order() -> None:
    tracker = Tracker(FW)
    live_right = 0
    for u, truth in zip(script(WALKTHROUGH), WALKTHROUGH_PHASES, strict=True):
        tracker.feed(u)
        live_right += tracker.phase == truth
    assert live_right >= 21, live_right
    report = tracker.report(script(WALKTHROUGH)[-1].end_s)
    assert [p["id"] for p in report["phases"]] == ORDER
    changes = report["phases"]
    assert changes[0]["start"] == 0.0
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(changes))


def test_phase_change_events_carry_time_and_evidence() -> None:
    _, utterances, events = run(WALKTHROUGH[:9])
    changes = [e for e in events if isinstance(e, PhaseChanged)]
    assert changes[0].phase == "requirements" and changes[0].previous is None
    est = changes[1]
    assert est.phase == "estimation" and est.previous == "requirements" and not est.manual
    assert est.at_s == utterances[6].start_s  # placed where the estimate began
    assert "back of the envelope" in est.evidence
    assert est.detected_s is not None and est.detected_s >= est.at_s


def test_asr_style_errors_still_track() -> None:
    lines = [
        "so um before i design let me confirm the scope",
        "users can upload photos, we need hi availability and low latensy",
        "ok lets do a quick back of the envelop estimat",
        "a hundred million users times ten views is a billion reeds per day",
        "so about twelve thousand requests per secund",
        "at a high level the clients go threw a load balancer to the app servers",
    ]
    tracker, utterances, _ = run(lines)
    report = tracker.report(utterances[-1].end_s)
    assert [p["id"] for p in report["phases"]] == ["requirements", "estimation", "high_level"]
    addressed = {c["id"] for c in report["checklist"] if c["addressed"]}
    assert {"functional", "non_functional", "qps"} <= addressed


def test_one_stray_word_never_flips_the_phase() -> None:
    lines = [
        "Let me clarify the requirements first.",
        "Users can create a short link and open it later.",
        "Whatever the schema ends up being, links should never expire by default.",
        "Links should open fast and the service must be highly available.",
    ]
    tracker, _, events = run(lines)
    assert tracker.phase == "requirements"
    assert [e.phase for e in events if isinstance(e, PhaseChanged)] == ["requirements"]


def test_going_back_to_requirements_mid_design_and_revisits_accumulate() -> None:
    lines = [
        "Let me clarify the requirements: users can post short videos.",
        "At a high level, clients go through a load balancer to the application servers.",
        "The main components are an upload service, a blob storage and a metadata database.",
        "Actually, let me go back to the requirements: what latency do we need for playback?",
        "And one more clarifying question: should users be able to edit a video after posting?",
        "Back to the high level design: the architecture adds a transcoding component.",
        "The main components talk through a gateway and the diagram stays the same.",
    ]
    tracker, utterances, _ = run(lines)
    report = tracker.report(utterances[-1].end_s)
    ids = [p["id"] for p in report["phases"]]
    assert ids == ["requirements", "high_level", "requirements", "high_level"]
    spans = {pid: 0.0 for pid in ORDER}
    for p in report["phases"]:
        spans[p["id"]] += p["end"] - p["start"]
    assert report["time_per_phase"]["requirements"] == pytest.approx(spans["requirements"], 0.01)
    assert report["time_per_phase"]["high_level"] == pytest.approx(spans["high_level"], 0.01)


def test_partials_move_early_without_double_counting() -> None:
    # the rules decide on partials too; the learned model reads only finals (see
    # test_live_fragments_are_read_as_sentences), and the app feeds it only finals
    tracker = Tracker(FW, phase_model=None)
    for u in script(WALKTHROUGH[:6]):
        tracker.feed(u)
    t0 = script(WALKTHROUGH[:7])[-1].start_s
    words_before = tracker.signals.words
    partial = Utterance("Let me do a quick back of the envelope", t0, t0 + 2.0, final=False)
    events = tracker.feed(partial)
    assert tracker.phase == "estimation"
    assert [e.phase for e in events if isinstance(e, PhaseChanged)] == ["estimation"]
    assert not [e for e in events if isinstance(e, Addressed)]  # coverage waits for finals
    final = Utterance("Let me do a quick back of the envelope estimate.", t0, t0 + 3.5)
    events = tracker.feed(final)
    assert not [e for e in events if isinstance(e, PhaseChanged)]
    assert tracker.signals.words == words_before + len(final.text.split())
    report = tracker.report(t0 + 3.5)
    assert [p["id"] for p in report["phases"]] == ["requirements", "estimation"]


def test_manual_override_is_respected_and_recorded() -> None:
    tracker, utterances, _ = run(WALKTHROUGH[:3])
    at = utterances[-1].end_s + 1
    event = tracker.override("deep_dive", at)
    assert event == PhaseChanged("deep_dive", at, (), True, "requirements", None)
    assert tracker.state(at).manual and tracker.phase == "deep_dive"
    # requirement talk right after the click does not undo the user's choice
    u = Utterance("Users can also delete their photos, the requirements say.", at + 1, at + 4)
    assert not [e for e in tracker.feed(u) if isinstance(e, PhaseChanged)]
    assert tracker.phase == "deep_dive"
    report = tracker.report(at + 4)
    last = {"id": "deep_dive", "start": round(at, 2), "end": round(at + 4, 2)}
    assert report["phases"][-1] == last
    with pytest.raises(ValueError, match="unknown phase"):
        tracker.override("lunch", at + 5)


def test_silent_candidate_gets_time_based_nudges() -> None:
    tracker = Tracker(FW, round_s=2700)
    assert [e.event for e in tracker.advance(0.0)] == ["phase_changed"]
    events = tracker.advance(301.0)
    assert [n.kind for n in events if isinstance(n, Nudge)] == ["over_budget"]
    assert tracker.state(301.0).current.status == "over"
    events = tracker.advance(2100.0)
    assert "deep_dive_not_reached" in [n.kind for n in events if isinstance(n, Nudge)]
    assert tracker.advance(2200.0) == []  # each nudge fires once
    report = tracker.report(2200.0)
    assert report["phases"] == [{"id": "requirements", "start": 0.0, "end": 2200.0}]
    assert report["signals"]["long_silences"][0]["duration_s"] == 2200.0
    assert report["signals"]["words"] == 0


def test_empty_transcript_report_has_the_full_shape() -> None:
    report = Tracker(FW, [PromptItem("f1", "Users share photos", "functional")]).report(0.0)
    assert list(report) == ["framework", "duration_s", "phases", "time_per_phase", "budget",
                            "checklist", "requirements", "nudges", "signals", "phase_model"]
    assert report["phases"] == [{"id": "requirements", "start": 0.0, "end": 0.0}]
    assert set(report["time_per_phase"]) == set(ORDER) == set(report["budget"])
    assert all(not c["addressed"] and c["at"] is None for c in report["checklist"])
    assert report["requirements"] == [{"id": "f1", "text": "Users share photos",
                                       "kind": "functional", "addressed": False, "at": None,
                                       "evidence": ""}]
    assert set(report["checklist"][0]) == {"id", "label", "phase", "addressed", "at", "evidence"}


def test_timer_status_under_near_over() -> None:
    tracker = Tracker(FW, round_s=2700)
    statuses = [tracker.state(t).current.status for t in (100.0, 250.0, 301.0)]
    assert statuses == ["under", "near", "over"]
    state = tracker.state(301.0)
    assert state.round_elapsed_s == 301.0 and state.round_remaining_s == 2399.0
    assert state.current.budget_s == 300.0 and state.template


def test_requirements_coverage_is_robust_to_paraphrase_and_number_forms() -> None:
    prompt = [
        PromptItem("f1", "Users share photos with their followers", "functional"),
        PromptItem("s1", "100M daily active users", "scale"),
        PromptItem("n1", "The feed loads in under 200 ms", "non_functional"),
        PromptItem("f2", "Users send direct messages to each other", "functional"),
    ]
    lines = [
        "First, users can share a photo with followers.",
        "We expect a hundred million daily active users.",
        "The feed should load in under 200 milliseconds.",
    ]
    tracker, utterances, events = run(lines, requirements=prompt)
    report = tracker.report(utterances[-1].end_s)
    got = {r["id"]: r for r in report["requirements"]}
    assert got["f1"]["addressed"] and got["f1"]["at"] == utterances[0].start_s
    assert "photo" in got["f1"]["evidence"]
    assert got["s1"]["addressed"] and "hundred million" in got["s1"]["evidence"]
    assert got["n1"]["addressed"]
    assert not got["f2"]["addressed"]
    addressed = [e for e in events if isinstance(e, Addressed) and e.kind == "requirement"]
    assert sorted(e.item_id for e in addressed) == ["f1", "n1", "s1"]


def test_moving_to_design_without_non_functional_or_numbers_is_nudged() -> None:
    lines = [
        "Users can post a message and read a timeline.",
        "The API would be a REST API with a POST request for messages.",
        "It returns the message id and the endpoint for the timeline takes a cursor.",
    ]
    _, _, events = run(lines)
    kinds = [e.kind for e in events if isinstance(e, Nudge)]
    assert "no_non_functional" in kinds and "no_numbers" in kinds
    lines = [
        "Users can post a message; we need low latency and high availability.",
        "About 10 million daily active users.",
        *lines[1:],
    ]
    _, _, events = run(lines)
    assert not [e for e in events if isinstance(e, Nudge)]


def test_untouched_prompt_requirement_is_nudged_after_high_level() -> None:
    prompt = [
        PromptItem("f1", "Users upload photos", "functional"),
        PromptItem("f2", "Users search photos by tag", "functional"),
        PromptItem("o1", "Payments", "out_of_scope"),
    ]
    _, _, events = run(WALKTHROUGH, requirements=prompt)
    untouched = [e for e in events if isinstance(e, Nudge) and e.kind == "requirement_untouched"]
    assert [n.key for n in untouched] == ["requirement_untouched:f2"]
    assert "search photos by tag" in untouched[0].text
    assert untouched[0].at_s >= script(WALKTHROUGH)[17].start_s  # once the deep dive began


def test_same_input_same_output() -> None:
    prompt = [PromptItem("f1", "Users upload photos", "functional")]
    outs = []
    for _ in range(2):
        tracker, utterances, _ = run(WALKTHROUGH, requirements=prompt)
        outs.append(json.dumps(tracker.report(utterances[-1].end_s), sort_keys=True))
    assert outs[0] == outs[1]


def test_sixty_minutes_replay_fast() -> None:
    utterances: list[Utterance] = []
    offset = 0.0
    while offset < 3600:
        for u in script(WALKTHROUGH, start_s=offset):
            utterances.append(u)
        offset = utterances[-1].end_s + 2.0
    tracker = Tracker(FW, [PromptItem("f1", "Users upload photos", "functional")], 3600)
    started = time.process_time()  # CPU time: other jobs on a busy CI box do not count
    for u in utterances:
        tracker.feed(u)
    tracker.report(utterances[-1].end_s)
    elapsed = time.process_time() - started
    assert elapsed < 1.0
    assert elapsed / len(utterances) < 0.001


def test_live_fragments_are_read_as_sentences() -> None:
    """The streaming transcriber commits a sentence a few words at a time."""
    prompt = [PromptItem("s1", "100 million daily active users", "scale"),
              PromptItem("f1", "Users share photos with their followers", "functional")]
    fragments = ["users can", "share a", "photo with", "followers.", "we expect a hundred",
                 "million daily", "active users.", "let me do a back of the", "envelope estimate"]
    tracker = Tracker(FW, prompt)
    t = 0.0
    events: list[object] = []
    for text in fragments:
        events.extend(tracker.feed(Utterance(text, t, t + 0.8)))
        t += 0.9
    # the learned model reads the fragments as phrases: the last one is decided once the
    # speaker pauses (the app ticks the tracker twice a second)
    events.extend(tracker.advance(t + 0.6))
    assert {e.item_id for e in events if isinstance(e, Addressed)} >= {"s1", "f1"}
    changes = [e for e in events if isinstance(e, PhaseChanged)]
    assert changes[-1].phase == "estimation" and "back of the envelope" in changes[-1].evidence
    # the phrase is counted once, not again when the next fragment arrives
    assert tracker.feed(Utterance("so", t, t + 0.3)) == []


def _coverage(req: str, lines: list[str]) -> bool:
    tracker, utterances, _ = run(lines, requirements=[PromptItem("r", req, "non_functional")])
    report = tracker.report(utterances[-1].end_s)
    return bool(report["requirements"][0]["addressed"])


def test_ratio_sides_must_be_said_in_their_order() -> None:
    req = "10:1 read to write ratio"
    assert _coverage(req, ["We expect a 10:1 read to write ratio."])
    assert _coverage(req, ["It's about ten to one, reads to writes, so the ratio favours reads"])
    assert not _coverage(req, ["We expect a 10:1 write to read ratio, reads are rare."])
    assert not _coverage(req, ["500 million read requests per month",
                               "10:1 write to read ratio", "Write heavy, few visits"])


def test_up_to_a_figure_is_not_a_ratio() -> None:
    # "up to 10" after "1 second" once read as the sides of a ratio ("up" before "10"), which
    # no wording could meet: the requirement was never addressed, by rules or model
    req = "Slot suggestions in under 1 second for up to 10 participants"
    said = "Latency for finding slots, I would say under one second for up to ten participants."
    assert _coverage(req, [said])
    assert not _coverage(req, ["Latency for finding slots, under one second for two people."])


def test_one_telling_word_does_not_address_a_longer_requirement() -> None:
    assert _coverage("Searching should be fast", ["and searching has to be fast for users"])
    assert not _coverage("Searching should be fast", ["then we search the index for the term"])
    assert not _coverage("Need for relational data", ["we store it in a relational database"])
    assert not _coverage("User can set the shortlink",
                         ["we set a timer for the expiry of each entry in the table",
                          "and the list is linked back to the head"])


def test_spoken_figures_and_paraphrase_address_requirements() -> None:
    assert _coverage("500 million daily active users",
                     ["um, let's say five hundred million daily users"])
    assert _coverage("p99 latency under 1 ms",
                     ["latency has to be under a millisecond at p ninety nine"])
    assert _coverage("A node failure must not overload the database",
                     ["if a node dies we can't overload the database with the misses"])
    # a number alone is not the requirement
    assert not _coverage("100 million active users", ["that's 100 million requests a day"])


def test_measures_irregular_verbs_and_a_unit_of_one() -> None:
    # the measure said with its unit carries a paraphrase of the words around it
    assert _coverage("Messages are delivered in under 200 ms",
                     ["a message should show up on the other side in two hundred milliseconds"])
    assert not _coverage("p99 latency under 1 ms",
                         ["latency well under a second, like two hundred milliseconds"])
    # "kept" is "keep", "for a year" is "for 1 year"
    assert _coverage("Full resolution kept for 2 weeks, downsampled data for 1 year",
                     ["I'd keep full resolution for two weeks, then downsampled data for a year"])
    assert not _coverage("Raw data kept for 1 year", ["we keep raw data for two years"])


def test_a_phase_named_in_passing_is_not_a_move() -> None:
    lines = [
        *WALKTHROUGH[:6],
        "we'll get to the API later, I just want to note it",
        "and we can deep dive into the feed later if there's time",
        "so that's more of a wrap up point, I'll park it",
    ]
    tracker, _, _ = run(lines)
    assert tracker.phase == "requirements"


def test_a_transition_that_opens_the_utterance_wins_over_the_recap() -> None:
    lines = [
        *WALKTHROUGH[:-2],
        "So, to sum it up, client side consistent hashing with replicas per shard, a cache "
        "with read replicas and a queue for the fan out workers.",
    ]
    tracker, _, _ = run(lines)
    assert tracker.phase == "wrap_up"


def test_numbers_in_arithmetic_are_estimation_evidence() -> None:
    lines = [
        *WALKTHROUGH[:6],
        "Five hundred million times forty is twenty billion messages a day.",
        "Divided by a hundred thousand that is two hundred thousand a second.",
    ]
    tracker, _, _ = run(lines)
    assert tracker.phase == "estimation"



def test_words_of_code_and_paths_are_not_api_vocabulary() -> None:
    """Walkthroughs read code and URLs aloud in every phase ("return the year and month",
    "slash api slash v1"). As API vocabulary these words held the spoken pastebin mock in the API
    phase through its map-reduce deep dive (8-phase agreement 92.8 % -> 82.7 % on the tiny.en
    transcript, benchmarks/tracker.py --spoken); the API phase is found by its cue phrases."""
    api = next(p for p in FW.phases if p.id == "api")
    assert not {"return", "slash"} & set(api.vocabulary)


def test_the_typed_report_is_the_json_report() -> None:
    from framework.report import CoveredItem, PhaseSpan, TrackerReport

    tracker, utterances, _ = run(WALKTHROUGH)
    end = utterances[-1].end_s
    summary = tracker.summary(end)
    assert isinstance(summary, TrackerReport)
    assert all(isinstance(p, PhaseSpan) for p in summary.phases)
    assert summary.phases[0].start_s == 0.0 and summary.phases[-1].end_s == end
    assert all(isinstance(c, CoveredItem) and c.phase for c in summary.checklist)
    assert summary.to_json() == tracker.report(end)
    assert json.loads(json.dumps(summary.to_json())) == tracker.report(end)
