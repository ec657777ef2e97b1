"""A scripted mock with two synthetic voices, for benchmarks/partner.py and the partner tests.

The interviewer and the candidate take turns; each turn is spoken by espeak-ng in its own
voice and placed on one timeline, so there are two tracks (what the microphone would hear
without the partner, and what the call plays) and the truth of who spoke when. ``mic_mix``
adds the partner into the microphone at ``leak_db`` (speakers heard by the mic), a few
milliseconds late, as in a room.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
CANDIDATE_VOICE = "en-us+m3"
INTERVIEWER_VOICE = "en-us+f3"

SCRIPT: tuple[tuple[str, str], ...] = (
    ("interviewer", "Today I would like you to design a service that shortens links."),
    ("candidate", "Sure. First I want to clarify the requirements. Do users need accounts, "
                  "and should the short links expire?"),
    ("interviewer", "No accounts are needed. Links should expire after one year."),
    ("candidate", "Great. So we create a short link and redirect on every visit. Reads will "
                  "be far more common than writes."),
    ("interviewer", "How many new links do you expect each day?"),
    ("candidate", "Let me estimate. About one hundred million new links a day is roughly "
                  "twelve hundred writes per second."),
    ("interviewer", "And how would you store them?"),
    ("candidate", "A key value store keyed by the short code works well. We can shard it "
                  "by the code and keep a cache in front for popular links."),
    ("interviewer", "What happens when the cache node fails?"),
    ("candidate", "The requests fall through to the database, so we add replicas and warm "
                  "the new cache slowly to protect the primary."),
    ("interviewer", "Good. Let us wrap up there."),
    ("candidate", "To sum up, we use a sharded store, a cache, and replicas for reads."),
)


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Dialogue:
    candidate: np.ndarray
    interviewer: np.ndarray
    turns: tuple[Turn, ...]

    @property
    def duration_s(self) -> float:
        return len(self.candidate) / SAMPLE_RATE

    def mic_mix(self, leak_db: float = -12.0, delay_s: float = 0.02) -> np.ndarray:
        """The microphone with the partner's voice leaking in from the speakers."""
        delay = round(delay_s * SAMPLE_RATE)
        leak = np.zeros_like(self.interviewer)
        leak[delay:] = self.interviewer[: len(leak) - delay] * 10 ** (leak_db / 20)
        return np.clip(self.candidate + leak, -1.0, 1.0).astype(np.float32)

    def speaker_at(self, at_s: float) -> str | None:
        """Who speaks at ``at_s`` (the nearest turn within 1.5 s; None: nobody near)."""
        best: tuple[float, str] | None = None
        for turn in self.turns:
            gap = max(turn.start_s - at_s, at_s - turn.end_s, 0.0)
            if gap <= 1.5 and (best is None or gap < best[0]):
                best = (gap, turn.speaker)
        return best[1] if best else None

    def text_of(self, speaker: str) -> str:
        return " ".join(t.text for t in self.turns if t.speaker == speaker)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str, path: Path, speed_wpm: int = 155) -> np.ndarray:
    """``text`` in ``voice`` as 16 kHz mono float32 (espeak-ng writes 22.05 kHz WAV)."""
    import soundfile as sf

    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed_wpm), "-w", str(path), text],
                   check=True, capture_output=True, timeout=60)
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    return _resample(mono, rate, SAMPLE_RATE)


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return samples.astype(np.float32)
    n = round(len(samples) * target / rate)
    positions = np.linspace(0, len(samples) - 1, n)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def build_dialogue(work: Path, script: tuple[tuple[str, str], ...] = SCRIPT,
                   gap_s: float = 0.9, lead_s: float = 0.5) -> Dialogue:
    """Speak ``script`` turn by turn into two aligned tracks (silence where the other talks)."""
    work.mkdir(parents=True, exist_ok=True)
    parts: list[tuple[str, np.ndarray]] = []
    for n, (speaker, text) in enumerate(script):
        voice = INTERVIEWER_VOICE if speaker == "interviewer" else CANDIDATE_VOICE
        parts.append((speaker, speak(text, voice, work / f"turn{n:02d}.wav")))
    total = round((lead_s + sum(len(a) / SAMPLE_RATE + gap_s for _, a in parts) + 1.0)
                  * SAMPLE_RATE)
    tracks = {"candidate": np.zeros(total, np.float32), "interviewer": np.zeros(total, np.float32)}
    turns = []
    at = round(lead_s * SAMPLE_RATE)
    for (speaker, audio), (_, text) in zip(parts, script, strict=True):
        peak = float(np.max(np.abs(audio))) or 1.0
        tracks[speaker][at: at + len(audio)] = audio * (0.5 / peak)
        turns.append(Turn(speaker, text, at / SAMPLE_RATE, (at + len(audio)) / SAMPLE_RATE))
        at += len(audio) + round(gap_s * SAMPLE_RATE)
    return Dialogue(tracks["candidate"], tracks["interviewer"], tuple(turns))


def write_wav(path: Path, samples: np.ndarray) -> Path:
    import soundfile as sf

    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    return path
