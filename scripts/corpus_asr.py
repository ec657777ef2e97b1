"""Make recogniser-text copies of corpus walkthroughs: speech synthesis, then the bundled model.

A walkthrough typed by a writer has none of the slips a live transcriber makes (a cache heard as
"cash", a number split over two lines, a dropped word). For each given walkthrough this script
speaks every utterance with espeak-ng (one voice per speaker, the accent chosen from the file's
``variety``), joins them with the file's own pauses (at most 3 s), transcribes the whole
recording with the bundled faster-whisper ``tiny.en`` and gives every recognised word to the
utterance whose audio it falls in. The recognised lines keep their utterance's phase and
speaker, and take the recognised words' times. The copy is written beside the source as
``<id>-asr.jsonl`` with its prompt ``<id>-asr.json`` (provenance updated), so it stays in the
source's split and domain.

Run: ``.venv/bin/python scripts/corpus_asr.py tests/framework/data/corpus/train/foo.jsonl ...``
(about a minute of CPU per ten minutes of speech; needs ``espeak-ng``).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.model import load_model, resolve_model  # noqa: E402

RATE = 16000
VOICES = {  # variety -> espeak-ng voices for the candidate (the interviewer takes another)
    "us": ["en-us", "en-us+f3", "en-us-nyc"],
    "uk": ["en-gb-x-rp", "en-gb+f2", "en-gb-x-gbclan", "en-gb-x-gbcwmd"],
    "scottish": ["en-gb-scotland"],
    "irish": ["en-gb-scotland+f2", "en-gb"],
    "caribbean": ["en-029"],
    "nigerian": ["en-029+m3", "en-gb+m4"],
}
OTHER = ["en-us+m3", "en-gb-x-rp+f4", "en-us+f2", "en-gb+m2", "en-029", "en-gb-scotland"]


def voices_for(variety: str, name: str) -> tuple[str, str]:
    key = variety.lower()
    pool = next((v for k, v in VOICES.items() if k in key), OTHER)
    seed = zlib.crc32(name.encode())
    candidate = pool[seed % len(pool)]
    interviewer = next(v for v in OTHER[seed % 3:] + OTHER if v != candidate)
    return candidate, interviewer


def speak(text: str, voice: str, wpm: int, tmp: Path) -> np.ndarray:
    out = tmp / "u.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(out), text],
                   check=True, capture_output=True)
    audio, rate = sf.read(out, dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if rate != RATE:
        idx = np.arange(0, len(audio), rate / RATE)
        audio = np.interp(idx, np.arange(len(audio)), audio).astype(np.float32)
    return audio


def synthesize(rows: list[dict[str, object]], variety: str, name: str
               ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    cand, inter = voices_for(variety, name)
    seed = zlib.crc32(name.encode())
    wpm = {"candidate": 150 + seed % 30, "interviewer": 160 + seed % 20}
    pieces: list[np.ndarray] = []
    spans = []
    t = 0.0
    prev_end: float | None = None
    with tempfile.TemporaryDirectory() as d:
        for r in rows:
            if prev_end is not None:
                gap = min(3.0, max(0.3, float(r["start"]) - prev_end))  # type: ignore[arg-type]
                pieces.append(np.zeros(int(gap * RATE), dtype=np.float32))
                t += gap
            speaker = str(r.get("speaker", "candidate"))
            voice = inter if speaker == "interviewer" else cand
            audio = speak(str(r["text"]), voice, wpm.get(speaker, 150), Path(d))
            pieces.append(audio)
            spans.append((t, t + len(audio) / RATE))
            t += len(audio) / RATE
            prev_end = float(r["end"])  # type: ignore[arg-type]
    return np.concatenate(pieces), spans


def recognise(audio: np.ndarray, model: object) -> list[tuple[float, float, str]]:
    segments, _ = model.transcribe(  # type: ignore[attr-defined]
        audio, language="en", beam_size=1, word_timestamps=True, vad_filter=True,
        condition_on_previous_text=True)
    return [(w.start, w.end, w.word.strip()) for s in segments for w in (s.words or [])
            if w.word.strip()]


def assign(words: list[tuple[float, float, str]], spans: list[tuple[float, float]]
           ) -> list[list[tuple[float, float, str]]]:
    """Each word goes to the utterance whose audio holds its midpoint, else the nearest."""
    out: list[list[tuple[float, float, str]]] = [[] for _ in spans]
    j = 0
    for w in words:
        mid = (w[0] + w[1]) / 2
        while j + 1 < len(spans) and spans[j + 1][0] <= mid:
            j += 1
        best = j
        if (j + 1 < len(spans) and mid > spans[j][1]
                and spans[j + 1][0] - mid < mid - spans[j][1]):
            best = j + 1
        out[best].append(w)
    return out


def convert(path: Path, model: object) -> Path:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    meta = json.loads(path.with_suffix(".json").read_text())
    audio, spans = synthesize(rows, str(meta.get("variety", "US")), path.stem)
    words = recognise(audio, model)
    out_rows = []
    for row, got in zip(rows, assign(words, spans), strict=True):
        if not got:
            continue
        new = {"start": round(got[0][0], 2), "end": round(got[-1][1], 2)}
        if "speaker" in row:
            new["speaker"] = row["speaker"]
        new.update({"text": " ".join(w for _, _, w in got), "phase": row["phase"]})
        if "items" in row:
            new["items"] = row["items"]
        out_rows.append(new)
    cand, inter = voices_for(str(meta.get("variety", "US")), path.stem)
    stem = f"{path.stem}-asr"
    meta["id"] = stem
    meta["notes"] = f"recogniser copy of {path.stem}: " + str(meta.get("notes", ""))
    meta["provenance"] = {
        **dict(meta.get("provenance", {})),
        "asr": (f"spoken by espeak-ng ({cand}; interviewer {inter}), transcribed by the bundled "
                f"faster-whisper tiny.en, words re-timed to the synthesized audio by "
                f"scripts/corpus_asr.py on {dt.date.today().isoformat()}"),
    }
    out = path.with_name(stem + ".jsonl")
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out_rows))
    path.with_name(stem + ".json").write_text(json.dumps(meta, indent=1, ensure_ascii=False)
                                              + "\n")
    return out


def main(argv: list[str]) -> int:
    model = load_model(resolve_model(None))
    for arg in argv:
        path = Path(arg)
        if path.stem.endswith("-asr"):
            continue
        out = convert(path, model)
        print(f"{out}: {sum(1 for _ in out.open())} lines", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
