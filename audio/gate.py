"""The speech gate: Silero VAD probabilities, one 32 ms window at a time → utterance start/end.

No speech, no decoding: the gate is what keeps the model idle (and silent) on silence and noise.
Hysteresis (``threshold`` to open, ``neg_threshold`` to count as silence) and a minimum pause
(``min_silence_s``) keep one breath from splitting an utterance. ``pad_s`` of audio is kept on
both sides of the speech so soft onsets and word tails are decoded too.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio.vad import WINDOW_S, VadSettings

__all__ = ["GateChange", "SpeechGate"]


@dataclass(frozen=True)
class GateChange:
    """The gate opened (an utterance starts at ``at_s``, padding included) or closed (the speech
    ended at ``at_s``, padding not included)."""

    opened: bool
    at_s: float


class SpeechGate:
    """Speech state over consecutive VAD windows in audio time."""

    def __init__(self, settings: VadSettings | None = None, start_s: float = 0.0) -> None:
        self.settings = settings or VadSettings()
        self.reset(start_s)

    def reset(self, at_s: float) -> None:
        """Start over at audio time ``at_s`` (a gap in the audio), closed."""
        self.pos_s = at_s
        self.is_open = False
        self.speech_s = 0.0
        """Speech heard in the current utterance (clicks and coughs stay under ``min_speech_s``)."""
        self.last_speech_end_s = at_s
        self._floor_s = at_s

    @property
    def enough_speech(self) -> bool:
        return self.speech_s >= self.settings.min_speech_s

    def step(self, prob: float) -> GateChange | None:
        """Advance one window with its speech probability; a change if the gate opened or closed."""
        s = self.settings
        start = self.pos_s
        self.pos_s += WINDOW_S
        if prob >= s.threshold:
            change = None
            if not self.is_open:
                self.is_open = True
                self.speech_s = 0.0
                change = GateChange(True, max(self._floor_s, start - s.pad_s))
            self.speech_s += WINDOW_S
            self.last_speech_end_s = self.pos_s
            return change
        if (
            self.is_open
            and prob < s.neg_threshold
            and self.pos_s - self.last_speech_end_s >= s.min_silence_s
        ):
            self.is_open = False
            self._floor_s = self.last_speech_end_s
            return GateChange(False, self.last_speech_end_s)
        return None

    def close(self) -> GateChange | None:
        """Close at the end of the stream (or a gap), if open."""
        if not self.is_open:
            return None
        self.is_open = False
        return GateChange(False, self.pos_s)
