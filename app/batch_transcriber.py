"""Recordings through the batch decoder instead of the live path (replay, crash recovery).

``DecodedTranscriber`` has the live transcriber's surface, so ``replay AUDIO`` keeps the one
session pipeline (the recorder saves the audio, the tracker gets each line when its audio
passes, exactly as a live run would): the whole file is decoded once up front by
``audio.batch.BatchDecoder`` (offline-grade, ~0.05x real time on 2 cores), then its lines are
released as the frames go by. ``terminal_progress`` draws the bar on a terminal.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from audio.batch import BatchDecoder, Progress
from audio.events import AudioFrame, TranscriptEvent


class DecodedTranscriber:
    """Lines decoded in advance, handed out once the audio reaches their end."""

    lag_s = 0.0

    def __init__(self, events: list[TranscriptEvent]) -> None:
        self._waiting = deque(sorted(events, key=lambda e: e.start_s))

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        out: list[TranscriptEvent] = []
        while self._waiting and self._waiting[0].end_s <= frame.end_s:
            out.append(self._waiting.popleft())
        return out

    def finish(self) -> list[TranscriptEvent]:
        out = list(self._waiting)
        self._waiting.clear()
        return out

    def resync(self) -> None:
        """Nothing is live."""


def batch_transcriber_factory(
    path: Path,
    model_spec: str | None = None,
    *,
    glossary: str | None = None,
    progress: Progress | None = None,
) -> Callable[[], DecodedTranscriber]:
    """Loads the model and decodes ``path`` on the runner's worker (it is the "model load")."""

    def make() -> DecodedTranscriber:
        from audio.model import load_model, resolve_model

        model = load_model(resolve_model(model_spec), short_window=False)
        events = BatchDecoder(model, glossary=glossary).transcribe_file(path, progress=progress)
        return DecodedTranscriber(events)

    return make


def terminal_progress(label: str, out: TextIO | None = None) -> Progress:
    """A one-line progress bar on ``out`` (default: stderr as it is when drawing), redrawn in
    place on a terminal, a line per 10 % otherwise."""
    stream = out or sys.stderr
    tty = stream.isatty()
    started = time.monotonic()
    shown = [-1]

    def show(done_s: float, total_s: float) -> None:
        share = done_s / total_s if total_s > 0 else 1.0
        step = int(share * (100 if tty else 10))
        if step == shown[0]:
            return
        shown[0] = step
        bar = "#" * int(share * 30)
        text = (
            f"{label} [{bar:<30}] {100 * share:3.0f}% {done_s / 60:5.1f}/{total_s / 60:.1f} min "
            f"({time.monotonic() - started:.0f} s)"
        )
        stream.write(("\r" + text) if tty else text + "\n")
        if tty and share >= 1.0:
            stream.write("\n")
        stream.flush()

    return show
