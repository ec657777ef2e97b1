"""The refine worker in a session (scripted model): revisions come out of the live surface,
Stop catches up, and the worker runs below the live path whatever the process's niceness."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from app.refining import REFINE_NICE, RefiningTranscriber
from audio.refine import Refiner, apply_revision
from audio.streaming import StreamingTranscriber
from tests.audio.fakes import FakeVad, ScriptedModel, StepClock, frames_of, recording, script


def test_the_worker_refines_spans_and_stop_catches_up() -> None:
    said = script("we shard by user | then we add a cash | and a queue")
    model = ScriptedModel(said, recording(said))
    niceness: list[int] = []

    def factory() -> Refiner:
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return Refiner(model)

    live = StreamingTranscriber(model, vad=FakeVad(), clock=StepClock(), live=False)
    tr = RefiningTranscriber(live, factory)
    events = [e for frame in frames_of(model.audio) for e in tr.insert(frame)]
    events += tr.finish()
    lines = []
    for event in (e for e in events if e.final):
        lines = apply_revision(lines, event) if event.revised else [*lines, event]
    assert [e.text for e in lines] == ["we shard by user", "then we add a cash", "and a queue"]
    assert all(e.revised for e in lines), "every utterance revised by the end"
    assert tr.revised >= 3
    if sys.platform.startswith("linux"):
        process = os.getpriority(os.PRIO_PROCESS, 0)
        assert niceness == [min(19, process + REFINE_NICE)], "relative to the process"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux only")
def test_the_worker_stays_below_a_process_started_with_nice() -> None:
    """Under ``nice -n 10`` an absolute +10 would put the worker level with the live path."""
    from app.refining import _lower_priority

    seen: list[int] = []
    base = min(19 - REFINE_NICE, os.getpriority(os.PRIO_PROCESS, 0) + 2)

    def work() -> None:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, base)  # as if the process ran under nice (raising
        _lower_priority()  # niceness needs no privilege)
        seen.append(os.getpriority(os.PRIO_PROCESS, tid))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [base + REFINE_NICE]
