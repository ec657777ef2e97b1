"""Turn the text of a system-design prompt (usually OCR output) into its requirements.

Pure functions over strings: no I/O, no Tesseract, so every rule is unit-testable with a
hand-written fixture. Types here are the contract the tracker and the UI consume.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("functional", "non_functional", "scale", "out_of_scope")


@dataclass(frozen=True)
class Requirement:
    """One thing the candidate is expected to address; ``value``/``unit`` only for figures."""

    id: str
    text: str
    kind: str
    value: float | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "text": self.text, "kind": self.kind}
        if self.value is not None:
            out["value"] = self.value
        if self.unit is not None:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Prompt:
    title: str
    requirements: tuple[Requirement, ...]
    raw_text: str


def parse_prompt(text: str) -> Prompt:
    """Title and requirements of a prompt; never raises, an empty text gives an empty prompt."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0] if lines else ""
    return Prompt(title=title, requirements=(), raw_text=text)
