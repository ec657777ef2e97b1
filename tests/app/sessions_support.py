"""Helpers shared by the sessions tests (store, runner, recovery, export, CLI).

Not a test module: a small framework built in code (so these tests do not depend on which
framework files are bundled), and readers for the shared transcripts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from framework.definition import ChecklistItem, Framework, Phase
from framework.types import Utterance


def small_framework() -> Framework:
    """Four phases with plain cue words: enough for the tracker to move on real speech."""
    return Framework(
        id="test-sdi",
        name="Test system design",
        round_s=2700.0,
        phases=(
            Phase("requirements", "Requirements", 600.0,
                  cues=("use cases", "requirements", "clarifying", "constraints"),
                  vocabulary=("user", "users", "should", "expire", "link", "text"),
                  checklist=(ChecklistItem("functional", "Functional requirements",
                                           "requirements", ("use cases", "user enters")),),
                  template="Let me clarify the use cases."),
            Phase("estimation", "Estimation", 300.0,
                  cues=("back of the envelope", "estimate", "per second", "per month"),
                  vocabulary=("million", "billion", "requests", "bytes", "gigabytes", "writes",
                              "reads", "storage")),
            Phase("high_level", "High-level design", 900.0,
                  cues=("high level design", "components", "outline"),
                  vocabulary=("server", "database", "service", "web", "api", "store")),
            Phase("scaling", "Scale the design", 900.0,
                  cues=("scale the design", "bottlenecks", "load balancer"),
                  vocabulary=("cache", "replicas", "shard", "cdn", "horizontal")),
        ),
    )


def read_utterances(path: Path, limit: int | None = None) -> list[Utterance]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                out.append(Utterance(row["text"], float(row["start"]), float(row["end"])))
                if limit is not None and len(out) >= limit:
                    break
    return out


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll a condition (never a fixed sleep) and fail with a sentence when it does not hold."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.02)


def bundled_framework() -> Framework:
    """The framework the app ships by default (a real one, as users get it)."""
    from framework.definition import available_frameworks

    frameworks = available_frameworks()
    return frameworks.get("system-design") or next(iter(frameworks.values()))


PROMPT_TEXT = """Design a paste sharing service
- A user enters a block of text and gets a random link
- Anyone with the link can view the text
- Pastes expire after a set time
- 10 million users
"""
