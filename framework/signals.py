"""Delivery signals for review (being built)."""

from __future__ import annotations

from typing import Any

from framework.text import Token
from framework.types import Utterance


class DeliverySignals:
    def add(self, u: Utterance, phase: str, toks: list[Token]) -> None:
        pass

    def report(self, now_s: float) -> dict[str, Any]:
        return {}
