"""The thread-free step of a session: transcript event → tracker → rows to save, events to show.

Every way of running a mock (the live window, ``transcribe``, ``replay`` saved or not, the mic
test, the self-test) hands its transcript events to one ``SessionStep``. It owns the tracker and
nothing else: no thread, no queue, no store, no clock read. Time arrives on the events (and on
``take(now_s=...)``, the audio consumed so far), so the same events give the same phases,
coverage and report whether the session is saved, shown or neither. The runner
(``app.runner``) wraps it in threads; a test can drive it alone.

Three kinds of transcript event reach ``take``:

* a partial (``final=False``) is shown, never fed to the tracker;
* a final is fed to the tracker, saved as a ``Segment`` and shown;
* a *revised* event (the refine pass decoding a closed stretch again) replaces the earlier
  finals whose midpoint lies in ``[start_s, end_s)``: ``revision`` works out the tracker's new
  inputs, ``replay_with`` feeds them to a fresh tracker (the long part, which the runner runs
  outside its lock) and ``adopt_revision`` swaps it in and says what changed. The tracker is
  pure, so the rebuilt past is what it would have been had the better text come first.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.runner_events import RunnerEvent, TrackerUpdate, TranscriptLine
from app.store import CoverageEvent, Nudge, PhaseChange, RequirementRow, Segment
from audio.events import TranscriptEvent
from framework.events import Addressed, PhaseChanged, TrackerEvent, TrackerState
from framework.events import Nudge as TrackerNudge
from framework.tracker import Tracker
from framework.types import Drawn, PromptItem, Utterance

if TYPE_CHECKING:
    from capture.prompt import Prompt
    from framework.definition import Framework

TICK_S = 1.0
"""Session seconds between two clock ticks (time-based nudges, timers, the saved duration)."""

Heard = tuple[TranscriptEvent, str]
"""A transcript event and who said it ("candidate" | "interviewer"): what a line hands the step."""


@dataclass(frozen=True)
class Progress:
    """How long the session is so far, and how much of the checklist it covers."""

    duration_s: float
    coverage_pct: float | None


@dataclass(frozen=True)
class PhaseRow:
    """A phase change to save, with the budget of the phase entered."""

    change: PhaseChange
    budget_s: float | None


@dataclass(frozen=True)
class SegmentRevision:
    """Saved lines whose midpoint lies in ``[start_s, end_s)`` give way to ``segment`` (None:
    the stretch held no words after all)."""

    start_s: float
    end_s: float
    segment: Segment | None
    speaker: str = "candidate"
    """Only this speaker's lines give way (a revision of one voice leaves the other's)."""


StoreRow = Segment | PhaseRow | CoverageEvent | Nudge | Progress | SegmentRevision
"""What the step asks the store writer to save."""


@dataclass(frozen=True)
class _Override:
    phase_id: str
    at_s: float


TrackerInput = Utterance | _Override | Drawn


@dataclass
class StepOutput:
    """What one step produced: rows for the store writer, events for the listener (UI, CLI)."""

    rows: list[StoreRow] = field(default_factory=list)
    events: list[RunnerEvent] = field(default_factory=list)

    def extend(self, other: StepOutput) -> None:
        self.rows.extend(other.rows)
        self.events.extend(other.events)


@dataclass(frozen=True)
class Past:
    """What the tracker was fed, in order, as of ``generation`` (see ``SessionStep.past``)."""

    inputs: tuple[TrackerInput, ...]
    generation: int


@dataclass
class Replay:
    """A tracker brought up to date from recorded inputs (see ``SessionStep.replay_with``)."""

    tracker: Tracker
    fed: int
    addressed: list[Addressed]
    generation: int


@dataclass(frozen=True)
class Revision:
    """What a revised event changes: the tracker's inputs with the replaced finals swapped for
    the new one (``inputs``), built when the step had taken ``base`` inputs; ``replay`` is False
    when the words did not change (only the timing), so no tracker needs rebuilding."""

    event: TranscriptEvent
    speaker: str
    inputs: tuple[TrackerInput, ...]
    base: int
    replay: bool
    generation: int

    def past(self) -> Past:
        return Past(self.inputs, self.generation)


def prompt_items(prompt: Prompt | None) -> list[PromptItem]:
    """``capture.prompt.Prompt`` → the tracker's ``PromptItem``s (the libraries never meet)."""
    if prompt is None:
        return []
    return [PromptItem(id=r.id, text=r.text, kind=r.kind) for r in prompt.requirements]


def requirement_rows(prompt: Prompt | None) -> tuple[RequirementRow, ...]:
    """``capture.prompt.Prompt`` → the store's rows for a saved capture."""
    if prompt is None:
        return ()
    return tuple(
        RequirementRow(id=r.id, text=r.text, kind=r.kind, value=r.value, unit=r.unit)
        for r in prompt.requirements
    )


def utterance_from(event: TranscriptEvent, speaker: str = "candidate") -> Utterance:
    """``audio.events.TranscriptEvent`` → ``framework.types.Utterance``."""
    return Utterance(
        text=event.text,
        start_s=float(event.start_s),
        end_s=float(event.end_s),
        final=bool(event.final),
        speaker=speaker,
    )


def event_from(utterance: Utterance) -> TranscriptEvent:
    """A transcript file's utterance as the event a transcriber would have emitted for it."""
    return TranscriptEvent(
        text=utterance.text,
        start_s=float(utterance.start_s),
        end_s=float(utterance.end_s),
        final=bool(utterance.final),
        emitted_s=float(utterance.end_s),
    )


def coverage_pct(state: TrackerState | None) -> float | None:
    """Share of checklist items and requirements addressed, in percent (None: nothing to cover)."""
    if state is None or not state.items:
        return None
    addressed = sum(1 for i in state.items if i.addressed)
    return round(100.0 * addressed / len(state.items), 1)


class SessionStep:
    """The tracker and what it has been fed, turned into store rows and listener events.

    Not thread-safe, on purpose: the runner calls it under one lock (its worker feeds events,
    the GUI thread overrides the phase), so there is one place where the tracker changes.
    ``framework=None`` is a transcript-only pipeline (``transcribe``, the mic test).
    """

    def __init__(
        self,
        framework: Framework | None,
        *,
        requirements: Sequence[PromptItem] = (),
        round_s: float = 2700.0,
    ) -> None:
        self.framework = framework
        self.round_s = round_s
        self.tracker = (
            Tracker(framework, requirements=requirements, round_s=round_s)
            if framework is not None else None
        )
        self.now_s = 0.0
        """Session time the step has seen: the audio consumed, or the last utterance's end."""
        self.report: dict[str, Any] | None = None
        self._inputs: list[TrackerInput] = []
        self._covered: set[tuple[str, str]] = set()
        self._last_phase: str | None = None
        self._next_tick_s = TICK_S
        self._generation = 0  # bumped when the past is rewritten (a revision, new requirements)

    # ------------------------------------------------------------------ inputs

    def start(self) -> StepOutput:
        """The tracker's opening phase at 0 s, so the timeline starts there."""
        out = StepOutput()
        if self.tracker is not None:
            events = self.tracker.advance(0.0)
            state = self.tracker.state(0.0)
            out.rows += self._rows(events, state)
            out.events.append(TrackerUpdate(events=(), state=state))
        return out

    def take(self, heard: Iterable[Heard], now_s: float) -> StepOutput:
        """Transcript events produced once the session clock reached ``now_s``; then a clock
        tick if one is due (whole session seconds, so a replay ticks where a live mock did)."""
        self.now_s = max(self.now_s, now_s)
        out = StepOutput()
        for event, speaker in heard:
            if event.final:
                out.extend(self._final(event, speaker))
            else:
                out.extend(self._partial(event, speaker))
        if self.now_s >= self._next_tick_s:
            out.extend(self.tick())
        return out

    def tick(self) -> StepOutput:
        """Let session time pass without speech: timers move, time-based nudges fire."""
        self._next_tick_s = (math.floor(self.now_s / TICK_S) + 1) * TICK_S
        out = StepOutput()
        self._advance(out, show=True)
        return out

    def override(self, phase_id: str, at_s: float) -> StepOutput:
        """The user says which phase they are in (clicked the phase bar)."""
        if self.tracker is None:
            return StepOutput()
        event = self.tracker.override(phase_id, at_s)
        self._inputs.append(_Override(phase_id, at_s))
        state = self.tracker.state(max(at_s, self.now_s))
        return StepOutput(self._rows([event], state), [TrackerUpdate(events=(event,), state=state)])

    def drawn(self, evidence: Sequence[Drawn]) -> StepOutput:
        """Components read on a diagram capture: the checklist items they address count as
        addressed "by diagram" (kept among the inputs, so a rebuilt tracker has them too)."""
        if self.tracker is None or not evidence:
            return StepOutput()
        events: list[TrackerEvent] = []
        for item in evidence:
            self._inputs.append(item)
            events += self.tracker.feed_drawn(item)
        state = self.tracker.state(self.now_s)
        return StepOutput(self._rows(events, state),
                          [TrackerUpdate(events=tuple(events), state=state)])

    def finish(self, end_s: float) -> StepOutput:
        """The last step: time runs to ``end_s`` and the tracker writes its report."""
        self.now_s = max(self.now_s, end_s)
        out = StepOutput()
        self._advance(out, show=False)
        if self.tracker is not None:
            self.report = self.tracker.report(self.now_s)
        return out

    def _advance(self, out: StepOutput, *, show: bool) -> None:
        """Time moves to ``now_s``: the tracker's time-based events become rows (and, when
        ``show``, an update for the windows), then the progress row."""
        state = None
        if self.tracker is not None:
            events = self.tracker.advance(self.now_s)
            state = self.tracker.state(self.now_s)
            out.rows += self._rows(events, state)
            if show:
                out.events.append(TrackerUpdate(events=tuple(events), state=state))
        out.rows.append(Progress(self.now_s, coverage_pct(state)))

    def state(self) -> TrackerState | None:
        return self.tracker.state(self.now_s) if self.tracker is not None else None

    # ------------------------------------------------------------------ new requirements

    def past(self) -> Past:
        """What the tracker was fed so far (for ``replay_with``; quick, under the lock)."""
        return Past(tuple(self._inputs), self._generation)

    @property
    def requirements(self) -> tuple[PromptItem, ...]:
        return tuple(self.tracker.requirements) if self.tracker is not None else ()

    def replay_with(self, requirements: Sequence[PromptItem], past: Past) -> Replay:
        """A new tracker that watches ``requirements``, fed ``past`` (the tracker is pure, so
        the past comes out the same). Reads nothing that ``take`` changes: the runner runs this
        long part outside its lock, then ``adopt`` catches up under it."""
        assert self.framework is not None
        replay = Replay(Tracker(self.framework, requirements=requirements, round_s=self.round_s),
                        0, [], past.generation)
        self._feed(replay, past.inputs)
        return replay

    def _current(self, replay: Replay, requirements: Sequence[PromptItem]) -> Replay:
        """``replay`` if the past it was fed still stands, else one fed the past as it is now
        (a revision or new requirements came in between: rare, so done here, under the lock)."""
        if replay.generation == self._generation:
            return replay
        return self.replay_with(requirements, self.past())

    def adopt(self, replay: Replay) -> StepOutput:
        """Catch ``replay`` up with what arrived meanwhile and make it the tracker. The output
        has only what is new: requirements the replay found addressed, nudges due now."""
        replay = self._current(replay, replay.tracker.requirements)
        self._generation += 1
        self._feed(replay, self._inputs[replay.fed:])
        new: list[TrackerEvent] = [e for e in replay.addressed
                                   if isinstance(e, Addressed) and e.kind == "requirement"]
        new += [
            e for e in replay.tracker.advance(self.now_s)
            if not (isinstance(e, Addressed) and e.kind != "requirement")
        ]
        self.tracker = replay.tracker
        state = self.tracker.state(self.now_s)
        return StepOutput(self._rows(new, state), [TrackerUpdate(events=tuple(new), state=state)])

    # ------------------------------------------------------------------ revised stretches

    def revision(self, event: TranscriptEvent, speaker: str) -> Revision:
        """The tracker inputs once ``event`` replaces the finals whose midpoint lies in its
        ``[start_s, end_s)`` (quick; the runner calls it under its lock)."""
        text = event.text.strip()
        new = utterance_from(dataclasses.replace(event, text=text, final=True), speaker)
        gone = [i for i in self._inputs if isinstance(i, Utterance) and i.speaker == speaker
                and _replaced(event, i)]
        kept = [i for i in self._inputs if not any(i is g for g in gone)]
        at = next((n for n, i in enumerate(kept) if _start_s(i) >= new.start_s), len(kept))
        inputs = kept[:at] + ([new] if text else []) + kept[at:]
        same_words = _words(" ".join(g.text for g in gone)) == _words(text)
        return Revision(event, speaker, tuple(inputs), len(self._inputs),
                        replay=self.tracker is not None and not same_words,
                        generation=self._generation)

    def adopt_revision(self, revision: Revision, replay: Replay | None) -> StepOutput:
        """Make the revision the step's truth: the store and the view replace the stretch, and a
        rebuilt tracker (``replay``, fed ``revision.inputs``) takes over, caught up with what
        arrived meanwhile. Only what is new comes out of it: items it now finds addressed and
        nudges due; the phase timeline already saved stays as it was."""
        event = revision.event
        if revision.generation != self._generation:  # new requirements meanwhile: plan again
            revision = self.revision(event, revision.speaker)
            replay = self.replay_with(self.requirements, revision.past()) if replay else None
        later = self._inputs[revision.base:]
        self._inputs = list(revision.inputs) + later
        self._generation += 1
        out = StepOutput()
        if replay is not None and self.tracker is not None:
            self._feed(replay, later)
            found: list[TrackerEvent] = [e for e in replay.tracker.advance(self.now_s)
                                         if not isinstance(e, PhaseChanged)]
            self.tracker = replay.tracker
            state = self.tracker.state(self.now_s)
            out.rows += self._rows([*replay.addressed, *found], state)
            out.events.append(TrackerUpdate(events=tuple(found), state=state))
        text = event.text.strip()
        phase = self._phase_in_force(event.start_s)
        segment = Segment(start_s=event.start_s, end_s=event.end_s, text=text,
                          phase=phase, speaker=revision.speaker) if text else None
        out.rows.insert(0, SegmentRevision(event.start_s, event.end_s, segment,
                                           revision.speaker))
        out.events.insert(0, TranscriptLine(
            text=text, start_s=event.start_s, end_s=event.end_s, final=True,
            emitted_s=event.emitted_s, phase=phase, speaker=revision.speaker, revised=True))
        return out

    def _phase_in_force(self, at_s: float) -> str | None:
        if self.tracker is None:
            return None
        phases = self.tracker.report(self.now_s)["phases"]
        return next((str(p["id"]) for p in reversed(phases) if p["start"] <= at_s),
                    self._last_phase)

    @staticmethod
    def _feed(replay: Replay, inputs: Sequence[TrackerInput]) -> None:
        for value in inputs:
            if isinstance(value, _Override):
                events: list[TrackerEvent] = [replay.tracker.override(value.phase_id,
                                                                      value.at_s)]
            elif isinstance(value, Drawn):
                events = replay.tracker.feed_drawn(value)
            else:
                events = replay.tracker.feed(value)
            replay.addressed += [e for e in events if isinstance(e, Addressed)]
            replay.fed += 1

    # ------------------------------------------------------------------ internals

    def _partial(self, event: TranscriptEvent, speaker: str) -> StepOutput:
        line = TranscriptLine(text=event.text.strip(), start_s=event.start_s, end_s=event.end_s,
                              final=False, emitted_s=event.emitted_s, phase=self._last_phase,
                              speaker=speaker)
        return StepOutput([], [line])

    def _final(self, event: TranscriptEvent, speaker: str) -> StepOutput:
        text = event.text.strip()
        if not text:
            return StepOutput()
        out = StepOutput()
        phase: str | None = None
        if self.tracker is not None:
            utterance = utterance_from(event, speaker)
            self._inputs.append(utterance)
            at_s = max(self.now_s, utterance.end_s)
            events = self.tracker.feed(utterance) + self.tracker.advance(at_s)
            state = self.tracker.state(at_s)
            out.rows += self._rows(events, state)
            phase = _phase_at(utterance.start_s, events, state)
            self._next_tick_s = (math.floor(at_s / TICK_S) + 1) * TICK_S
        out.rows.append(Segment(start_s=event.start_s, end_s=event.end_s, text=text, phase=phase,
                                speaker=speaker))
        out.events.append(TranscriptLine(text=text, start_s=event.start_s, end_s=event.end_s,
                                         final=True, emitted_s=event.emitted_s, phase=phase,
                                         speaker=speaker))
        if self.tracker is not None:
            out.events.append(TrackerUpdate(events=tuple(events), state=state))
        return out

    def _rows(self, events: Iterable[TrackerEvent], state: TrackerState) -> list[StoreRow]:
        rows: list[StoreRow] = []
        for ev in events:
            if isinstance(ev, PhaseChanged):
                previous = ev.previous if ev.previous is not None else self._last_phase
                self._last_phase = ev.phase
                change = PhaseChange(at_s=ev.at_s, phase=ev.phase, previous_phase=previous,
                                     evidence=" · ".join(ev.evidence), manual=ev.manual)
                rows.append(PhaseRow(change, _budget(state, ev.phase)))
            elif isinstance(ev, Addressed):
                if (ev.kind, ev.item_id) in self._covered:
                    continue
                self._covered.add((ev.kind, ev.item_id))
                rows.append(CoverageEvent(at_s=ev.at_s, item_id=ev.item_id, kind=ev.kind,
                                          label=ev.label, evidence=" · ".join(ev.evidence),
                                          source=ev.source))
            elif isinstance(ev, TrackerNudge):
                rows.append(Nudge(at_s=ev.at_s, kind=ev.kind, text=ev.text))
        return rows


def _replaced(revision: TranscriptEvent, final: Utterance) -> bool:
    """A revision replaces every earlier final whose midpoint lies in its [start_s, end_s)."""
    return revision.start_s <= (final.start_s + final.end_s) / 2 < revision.end_s


def _start_s(value: TrackerInput) -> float:
    return value.at_s if isinstance(value, (_Override, Drawn)) else value.start_s


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?\"'").lower() for w in text.split()]


def _phase_at(start_s: float, events: Sequence[TrackerEvent], state: TrackerState) -> str:
    """The phase a line belongs to: the one in force when it started (a change the line itself
    triggered starts at the line, so the line belongs to the new phase)."""
    phase = state.phase
    for ev in events:
        if isinstance(ev, PhaseChanged) and ev.at_s > start_s + 1e-6:
            phase = ev.previous or phase
    return phase


def _budget(state: TrackerState, phase: str) -> float | None:
    for timing in state.phases:
        if timing.phase == phase:
            return float(timing.budget_s)
    return None
