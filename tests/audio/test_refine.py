"""The refine pass and its queue with a scripted model; the revision contract; the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio.events import TranscriptEvent
from audio.metrics import error_counts
from audio.refine import (
    ClosedUtterance,
    RefineConfig,
    RefineQueue,
    Refiner,
    apply_revision,
    strip_prompt_echo,
)
from audio.sources import FileSource
from audio.streaming import StreamingTranscriber, transcribe_stream
from audio.words import Word
from tests.audio.fakes import (
    FakeVad,
    ScriptedModel,
    Spoken,
    StepClock,
    frames_of,
    recording,
    script,
)


def utterance(
    start_s: float = 0.0, end_s: float = 1.0, prompt: str | None = None
) -> ClosedUtterance:
    return ClosedUtterance(start_s, end_s, np.zeros(16000, np.float32), prompt, end_s)


def test_a_closed_utterance_is_decoded_again_with_context_and_beam_search() -> None:
    said = script("we shard by user | then we add a cash")
    model = ScriptedModel(said, recording(said))
    tr = StreamingTranscriber(model, vad=FakeVad(), clock=StepClock(), live=False)
    for frame in frames_of(model.audio):
        tr.insert(frame)
    tr.finish()
    first, second = tr.take_closed()

    def better(heard: list[Spoken], call: int) -> list[Spoken]:
        return [Spoken("cache." if w.text == "cash" else w.text, w.start_s, w.end_s) for w in heard]

    model.rewrite = better
    refiner = Refiner(model, glossary="Kafka, Redis.")
    revised = refiner.refine(second, emitted_s=9.0)
    assert revised is not None
    assert (revised.text, revised.kind, revised.final) == ("then we add a cache.", "revised", True)
    assert (revised.start_s, revised.end_s, revised.emitted_s) == (
        second.start_s,
        second.end_s,
        9.0,
    )
    options = model.calls[-1]
    assert options["beam_size"] == RefineConfig().beam_size > 1
    assert options["initial_prompt"] == "Kafka, Redis. we shard by user"
    assert first.prompt is None


def test_a_prompt_read_out_again_is_dropped() -> None:
    said = [
        Word(" " + w, 0.0, 0.0) for w in ["And", "so", "my", "fellow", "Americans.", "Ask", "not"]
    ]
    kept = strip_prompt_echo(said, "we begin. And so my fellow Americans,")
    assert " ".join(w.text.strip() for w in kept) == "Ask not"
    assert strip_prompt_echo(said, "nothing like it") == said
    assert strip_prompt_echo(said[-3:], "it is Americans.") == said[-3:], "one word is no echo"


def test_nothing_heard_keeps_the_live_text() -> None:
    said = [Spoken("hello", 0.5, 0.8)]
    model = ScriptedModel(said, recording(said))
    model.rewrite = lambda heard, call: []
    utt = ClosedUtterance(0.0, 1.0, model.audio[:16000], None, 1.0)
    assert Refiner(model).refine(utt, 2.0) is None


def test_a_revision_replaces_every_final_whose_middle_it_covers() -> None:
    finals = [
        TranscriptEvent("find back", 0.0, 1.0, True, 1.5),
        TranscriptEvent("the what would be requests per", 1.0, 3.0, True, 3.5),
        TranscriptEvent("second", 3.0, 3.4, True, 4.0),
        TranscriptEvent("next one", 5.0, 6.0, True, 6.5),
    ]
    revision = TranscriptEvent(
        "Fine, but what would be requests per second?", 0.0, 4.6, True, 8.0, revised=True
    )
    assert [revision.replaces(f) for f in finals] == [True, True, True, False]
    assert [e.text for e in apply_revision(finals, revision)] == [revision.text, "next one"]
    assert not finals[0].replaces(finals[1]), "only revisions replace"


def test_the_queue_defers_under_load_skips_the_oldest_and_catches_up() -> None:
    queue = RefineQueue(RefineConfig(max_pending=3, defer_above_lag_s=1.0))
    for k in range(5):
        queue.push(utterance(float(k), k + 1.0))
    assert queue.skipped == 2 and len(queue) == 3
    assert queue.next(live_lag_s=1.5) is None, "live path behind: wait"
    assert queue.next(live_degraded=True) is None
    nxt = queue.next(live_lag_s=0.2)
    assert nxt is not None and nxt.start_s == 2.0, "oldest first"
    assert [u.start_s for u in queue.drain()] == [3.0, 4.0]
    assert queue.next() is None


@pytest.mark.slow
def test_refined_spoken_mock_loses_no_more_words_than_live(whisper_model: Any) -> None:
    """Real tiny.en on 25 s of a spoken mock: the refined text has no more deletions and
    fewer errors than the live finals it replaces."""
    from tests.conftest import TEST_DATA

    path = Path(TEST_DATA / "spoken_pastebin_25s.flac")
    reference = (
        "Without an interviewer to address clarifying questions, we'll define some use cases and "
        "constraints. User enters a block of text and gets a randomly generated link. Default "
        "setting does not expire. Can optionally set a timed expiration. User enters a paste's "
        "url and views the contents. User is anonymous."
    )
    tr = StreamingTranscriber(whisper_model)
    events = list(transcribe_stream(FileSource(path), tr))
    finals = [e for e in events if e.final]
    refiner = Refiner(whisper_model)
    revisions = [r for u in tr.take_closed() if (r := refiner.refine(u, 0.0)) is not None]
    refined = finals
    for revision in revisions:
        refined = apply_revision(refined, revision)
    live = error_counts(reference, " ".join(e.text for e in finals))
    after = error_counts(reference, " ".join(e.text for e in refined))
    assert revisions and len(refined) < len(finals), "one line per utterance"
    assert after.deletions <= live.deletions
    assert after.errors <= live.errors, (live, after)
