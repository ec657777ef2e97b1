"""The framework library's own input types.

`framework/` knows nothing about `audio` or `capture`: the application converts their results
(transcript events, parsed prompt requirements) into these two small types before feeding them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Utterance:
    """A stretch of speech with its words. ``final=False`` is a partial hypothesis that the next
    partial or final for the same stretch replaces; the tracker never counts it twice.
    ``speaker`` is "candidate" or "interviewer": an interviewer's question is evidence for the
    phase, but never addresses a requirement and never counts in delivery signals."""

    text: str
    start_s: float
    end_s: float
    final: bool = True
    speaker: str = "candidate"


@dataclass(frozen=True)
class Drawn:
    """A component seen on the candidate's diagram at ``at_s`` and the checklist items it
    addresses (the application maps the capture library's component ids to them)."""

    label: str
    at_s: float
    items: tuple[str, ...]


@dataclass(frozen=True)
class PromptItem:
    """One requirement of the interview prompt. ``kind`` is one of "functional",
    "non_functional", "scale", "out_of_scope" (the capture library's vocabulary)."""

    id: str
    text: str
    kind: str
