"""The thread-free step alone: no thread, no store, no clock — the real tracker on real speech.

Everything a session saves and shows comes out of ``SessionStep``; the runner only moves its
output between threads. So what these tests pin down holds for the live window, ``replay``
(saved or not), ``transcribe``, the mic test and the self-test alike.
"""

from __future__ import annotations

from dataclasses import replace

from app.pipeline import (
    Heard,
    PhaseRow,
    Progress,
    SegmentRevision,
    SessionStep,
    StepOutput,
    event_from,
    prompt_items,
)
from app.runner_events import TrackerUpdate, TranscriptLine
from app.store import CoverageEvent, Segment
from audio.events import TranscriptEvent
from framework.types import Utterance
from tests.app.sessions_support import PROMPT_TEXT, small_framework
from tests.app.test_runner import read_utterances_local


def _run(step: SessionStep, heard_batches: list[list[Heard]]) -> StepOutput:
    out = step.start()
    for batch in heard_batches:
        end = max((event.end_s for event, _ in batch), default=step.now_s)
        out.extend(step.take(batch, end))
    out.extend(step.finish(step.now_s))
    return out


def _finals(utterances: list[Utterance]) -> list[list[Heard]]:
    return [[(event_from(u), u.speaker)] for u in utterances]


def _with_partials(utterances: list[Utterance]) -> list[list[Heard]]:
    """Each final preceded by a partial of its first half (what a live transcriber does)."""
    batches: list[list[Heard]] = []
    for u in utterances:
        words = u.text.split()
        half = " ".join(words[: max(1, len(words) // 2)])
        middle = (u.start_s + u.end_s) / 2
        partial = TranscriptEvent(half, u.start_s, middle, False, middle + 0.3)
        batches.append([(partial, u.speaker)])
        batches.append([(event_from(u), u.speaker)])
    return batches


def test_finals_become_segments_phases_coverage_and_a_report() -> None:
    from capture.prompt import parse_prompt

    utterances = read_utterances_local()
    step = SessionStep(small_framework(), requirements=prompt_items(parse_prompt(PROMPT_TEXT)))
    out = _run(step, _finals(utterances))
    segments = [r for r in out.rows if isinstance(r, Segment)]
    assert [s.text for s in segments] == [u.text.strip() for u in utterances if u.text.strip()]
    assert all(s.phase for s in segments)
    phases = [r.change.phase for r in out.rows if isinstance(r, PhaseRow)]
    assert phases[0] == "requirements" and len(phases) >= 2
    assert any(isinstance(r, CoverageEvent) for r in out.rows)
    assert isinstance(out.rows[-1], Progress) and out.rows[-1].duration_s == utterances[-1].end_s
    assert step.report is not None
    assert [p["id"] for p in step.report["phases"]] == phases  # type: ignore[index]
    lines = [e for e in out.events if isinstance(e, TranscriptLine)]
    assert len(lines) == len(segments) and all(line.final for line in lines)


def test_partials_are_shown_but_never_change_what_is_saved() -> None:
    utterances = read_utterances_local()
    finals_only = _run(SessionStep(small_framework()), _finals(utterances))
    with_partials = _run(SessionStep(small_framework()), _with_partials(utterances))
    def saved(out: StepOutput) -> list[object]:  # ticks differ: the partials moved the clock
        return [r for r in out.rows if not isinstance(r, Progress)]

    assert saved(with_partials) == saved(finals_only)
    partials = [e for e in with_partials.events
                if isinstance(e, TranscriptLine) and not e.final]
    assert len(partials) == len(utterances)


def test_the_speaker_travels_to_the_tracker_and_the_view() -> None:
    """An interviewer's question is shown as theirs and never addresses a requirement."""
    from capture.prompt import parse_prompt

    asked = Utterance("A user enters a block of text and gets a random link, anyone with the "
                      "link can view the text", 0.0, 6.0, speaker="interviewer")
    said = replace(asked, speaker="candidate", start_s=7.0, end_s=13.0)
    prompt = prompt_items(parse_prompt(PROMPT_TEXT))
    by_interviewer = _run(SessionStep(small_framework(), requirements=prompt), _finals([asked]))
    by_candidate = _run(SessionStep(small_framework(), requirements=prompt), _finals([said]))
    [line] = [e for e in by_interviewer.events if isinstance(e, TranscriptLine)]
    assert line.speaker == "interviewer"
    assert not [r for r in by_interviewer.rows
                if isinstance(r, CoverageEvent) and r.kind == "requirement"]
    assert [r for r in by_candidate.rows
            if isinstance(r, CoverageEvent) and r.kind == "requirement"]


def test_a_prompt_captured_late_is_caught_up_as_if_known_from_the_start() -> None:
    from capture.prompt import parse_prompt

    utterances = read_utterances_local()
    requirements = prompt_items(parse_prompt(PROMPT_TEXT))
    known = SessionStep(small_framework(), requirements=requirements)
    _run(known, _finals(utterances))
    late = SessionStep(small_framework())
    late.start()
    half = len(utterances) // 2
    for batch in _finals(utterances[:half]):
        late.take(batch, batch[0][0].end_s)
    caught_up = late.adopt(late.replay_with(requirements, late.past()))
    assert any(isinstance(r, CoverageEvent) and r.kind == "requirement" for r in caught_up.rows)
    assert isinstance(caught_up.events[-1], TrackerUpdate)
    for batch in _finals(utterances[half:]):
        late.take(batch, batch[0][0].end_s)
    late.finish(late.now_s)
    assert late.report is not None and known.report is not None
    assert late.report["requirements"] == known.report["requirements"]


def test_without_a_framework_the_step_is_a_transcript() -> None:
    """``transcribe`` and the mic test: segments and lines, no tracker."""
    utterances = read_utterances_local()[:5]
    out = _run(SessionStep(None), _finals(utterances))
    assert [r.phase for r in out.rows if isinstance(r, Segment)] == [None] * 5
    assert not [e for e in out.events if isinstance(e, TrackerUpdate)]
    assert [e.text for e in out.events if isinstance(e, TranscriptLine)] == [
        u.text.strip() for u in utterances]


def _revise(step: SessionStep, event: TranscriptEvent, speaker: str = "candidate") -> StepOutput:
    """What the runner does: plan under its lock, rebuild outside it, adopt under it."""
    revision = step.revision(event, speaker)
    replay = step.replay_with(step.requirements, revision.past()) if revision.replay else None
    return step.adopt_revision(revision, replay)


def test_a_revised_stretch_replaces_its_finals_as_if_heard_right_the_first_time() -> None:
    """The refine pass re-decodes a stretch: the finals whose midpoint lies in it give way, and
    the tracker ends where a tracker fed the better text from the start ends."""
    misheard = [Utterance("let me start with the use cases", 0.0, 2.0),
                Utterance("users paced a block of text", 2.0, 4.0),
                Utterance("and get a link", 4.0, 5.0)]
    heard_right = [misheard[0], Utterance("users paste a block of text and get a link", 2.0, 5.0)]
    rest = [Utterance("now a back of the envelope estimate of requests per second", 6.0, 9.0)]
    step = SessionStep(small_framework())
    step.start()
    for batch in _finals(misheard):
        step.take(batch, batch[0][0].end_s)
    revised = TranscriptEvent(heard_right[1].text, 2.0, 5.0, True, 6.5)
    out = _revise(step, revised)
    [row] = [r for r in out.rows if isinstance(r, SegmentRevision)]
    assert (row.start_s, row.end_s) == (2.0, 5.0) and row.segment is not None
    assert row.segment.text == heard_right[1].text and row.segment.phase == "requirements"
    [line] = [e for e in out.events if isinstance(e, TranscriptLine)]
    assert line.revised and line.final and line.text == heard_right[1].text
    for batch in _finals(rest):
        step.take(batch, batch[0][0].end_s)
    step.finish(step.now_s)
    straight = SessionStep(small_framework())
    _run(straight, _finals(heard_right + rest))
    assert step.report is not None and straight.report is not None
    for key in ("phases", "checklist", "signals"):
        assert step.report[key] == straight.report[key], key


def test_a_revision_with_the_same_words_rebuilds_nothing() -> None:
    step = SessionStep(small_framework())
    step.start()
    for batch in _finals([Utterance("let me start with the use cases.", 0.0, 2.0)]):
        step.take(batch, 2.0)
    tracker = step.tracker
    revision = step.revision(TranscriptEvent("Let me start with the use cases", 0.1, 2.1, True,
                                             3.0), "candidate")
    assert not revision.replay
    out = step.adopt_revision(revision, None)
    assert step.tracker is tracker
    assert [type(r) for r in out.rows] == [SegmentRevision]


def test_a_revision_and_a_late_prompt_in_flight_together_lose_neither() -> None:
    """The runner rebuilds trackers outside its lock, so a captured prompt and a revision can
    overlap, in either order: the step ends as if both had been there from the start."""
    from capture.prompt import parse_prompt

    requirements = prompt_items(parse_prompt(PROMPT_TEXT))
    misheard = [Utterance("let me start with the use cases", 0.0, 2.0),
                Utterance("users paced a block of texts", 2.0, 4.0),
                Utterance("and get a link", 4.0, 5.0)]
    better = TranscriptEvent("a user enters a block of text and gets a random link", 2.0, 5.0,
                             True, 6.0)
    straight = SessionStep(small_framework(), requirements=requirements)
    _run(straight, _finals([misheard[0], Utterance(better.text, 2.0, 5.0)]))
    for revision_first in (True, False):
        step = SessionStep(small_framework())
        step.start()
        for batch in _finals(misheard):
            step.take(batch, batch[0][0].end_s)
        prompt_replay = step.replay_with(requirements, step.past())
        revision = step.revision(better, "candidate")
        revision_replay = step.replay_with(step.requirements, revision.past())
        if revision_first:
            step.adopt_revision(revision, revision_replay)
            step.adopt(prompt_replay)
        else:
            step.adopt(prompt_replay)
            step.adopt_revision(revision, revision_replay)
        step.finish(straight.now_s)
        assert step.report is not None and straight.report is not None
        for key in ("phases", "requirements", "checklist", "signals"):
            assert step.report[key] == straight.report[key], (revision_first, key)
