"""UI fixtures: the real composition root, fed by a shared transcript instead of a microphone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def read_utterances(path: Path, limit_s: float | None = None) -> list[Any]:
    from framework.types import Utterance

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if limit_s is not None and float(row["start"]) > limit_s:
            break
        out.append(Utterance(row["text"], float(row["start"]), float(row["end"])))
    return out


def transcript_runner_factory(
    store: Any, utterances: list[Any], speed: float | None
) -> Callable[..., Any]:
    """A ``RunnerFactory`` giving the REAL SessionRunner an already-transcribed mock."""
    from app.runner import SessionRunner

    def make(request: Any, listener: Callable[[object], None]) -> Any:
        return SessionRunner(
            store, request.framework, listener=listener, utterances=utterances,
            transcript_speed=speed, prompt=request.prompt, prompt_image=request.prompt_image,
            round_s=request.round_s, title=None,
        )

    return make


def no_devices() -> tuple[list[Any], str | None]:
    return [], "no input devices in the test machine"
