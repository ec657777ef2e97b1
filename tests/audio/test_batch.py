"""The batch decoder: offsets, progress, guards (scripted model) and real speech (tiny.en)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from audio.batch import BatchDecoder, read_audio
from audio.events import SAMPLE_RATE
from audio.metrics import word_error_rate


class SegmentsModel:
    """Answers every call with fixed segments; records the options."""

    def __init__(self, segments: list[tuple[str, float, float, float]]) -> None:
        self.segments = segments
        self.options: dict[str, Any] = {}

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Any, Any]:
        self.options = options
        return (
            iter(
                SimpleNamespace(
                    text=text, start=start, end=end, no_speech_prob=nsp, avg_logprob=-0.3
                )
                for text, start, end, nsp in self.segments
            ),
            SimpleNamespace(),
        )


def test_segments_become_finals_at_their_place_in_the_recording() -> None:
    model = SegmentsModel(
        [(" We shard by user.", 0.5, 2.0, 0.01), (" Thanks for watching!", 3.0, 4.0, 0.01),
         (" Then a cache.", 5.0, 6.5, 0.02)]
    )  # fmt: skip
    progress: list[tuple[float, float]] = []
    decoder = BatchDecoder(model, glossary="Kafka.")
    events = decoder.transcribe(
        np.zeros(8 * SAMPLE_RATE, np.float32),
        offset_s=60.0,
        prompt="we said this before",
        progress=lambda done, total: progress.append((done, total)),
    )
    assert [(e.text, e.start_s, e.end_s, e.final) for e in events] == [
        ("We shard by user.", 60.5, 62.0, True),
        ("Then a cache.", 65.0, 66.5, True),
    ]
    assert decoder.phantoms == 1
    done = [d for d, _ in progress]
    assert done == sorted(done) and done[0] == 0.0 and progress[-1] == (8.0, 8.0)
    assert model.options["vad_filter"] and model.options["beam_size"] == 5
    assert model.options["condition_on_previous_text"]
    assert model.options["initial_prompt"] == "Kafka. we said this before"


@pytest.mark.slow
def test_a_recording_from_a_given_second(
    whisper_model: Any, jfk_path: Path, jfk_reference: str
) -> None:
    decoder = BatchDecoder(whisper_model)
    progress: list[float] = []
    events = decoder.transcribe_file(jfk_path, progress=lambda done, total: progress.append(done))
    assert word_error_rate(jfk_reference, " ".join(e.text for e in events)) <= 0.05
    assert progress[-1] == pytest.approx(11.0, abs=0.1)
    tail = decoder.transcribe_file(jfk_path, start_s=6.0)
    assert tail and all(e.start_s >= 6.0 for e in tail)
    assert "country" in " ".join(e.text for e in tail).lower()
    assert "fellow" not in " ".join(e.text for e in tail).lower()
    assert len(read_audio(jfk_path, 6.0)) == pytest.approx(5.0 * SAMPLE_RATE, abs=SAMPLE_RATE // 10)
