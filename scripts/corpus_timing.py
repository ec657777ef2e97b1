"""Give the corpus walkthroughs their timings: ``start``/``end`` on every utterance.

The writers of ``tests/framework/data/corpus`` wrote text and labels only; speech rate and
pauses come from here, so every file is paced the same way and the pacing can be changed in one
place. Each file gets its own speaking rate per speaker and its own pauses, drawn from a
generator seeded by the file's name, so a rerun gives the same timings. Files that already have
timings are left as they are.

Run: ``.venv/bin/python scripts/corpus_timing.py tests/framework/data/corpus``
"""

from __future__ import annotations

import json
import random
import sys
import zlib
from pathlib import Path

KEY_ORDER = ("start", "end", "speaker", "text", "phase", "items")


def _words(text: str) -> int:
    return max(1, len(text.split()))


def timed(rows: list[dict[str, object]], name: str, style: str = "") -> list[dict[str, object]]:
    """Rows with ``start``/``end``: speech at a per-speaker rate (125-175 words per minute,
    each line +-12 %), 0.3-1.4 s between lines, longer when the speaker changes, a think or
    drawing pause of 2-12 s at a third of the phase changes and a rare 15-30 s silence.
    Caption lines (``style`` "captions") are cut wherever the caption box filled, not at
    pauses, so they follow each other within 0.15 s."""
    rng = random.Random(zlib.crc32(name.encode()))
    wpm = {"candidate": rng.uniform(125, 170), "interviewer": rng.uniform(140, 175)}
    t = 0.0
    out = []
    prev: dict[str, object] | None = None
    for row in rows:
        speaker = str(row.get("speaker", "candidate"))
        if prev is not None:
            gap = rng.uniform(0.0, 0.15) if style == "captions" else rng.uniform(0.3, 1.4)
            if prev.get("speaker", "candidate") != speaker:
                gap += rng.uniform(0.2, 1.0)
            if prev["phase"] != row["phase"] and rng.random() < 0.35:
                gap += rng.uniform(2.0, 12.0)
            elif rng.random() < 0.01:
                gap += rng.uniform(15.0, 30.0)
            t += gap
        rate = wpm.get(speaker, wpm["candidate"]) * rng.uniform(0.88, 1.12)
        duration = max(0.6, _words(str(row["text"])) * 60.0 / rate)
        new = {"start": round(t, 2), "end": round(t + duration, 2), **row}
        out.append({k: new[k] for k in KEY_ORDER if k in new})
        t += duration
        prev = row
    return out


def style_of(path: Path) -> str:
    """The ``style`` in the prompt file beside a walkthrough ("" without one): ``timed`` paces
    captions apart from the rest, so whoever paces a file reads it here."""
    meta = path.with_suffix(".json")
    return str(json.loads(meta.read_text()).get("style", "")) if meta.is_file() else ""


def main(argv: list[str]) -> int:
    for root in argv or ["tests/framework/data/corpus"]:
        for path in sorted(Path(root).rglob("*.jsonl")):
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            if not rows or all("start" in r and "end" in r for r in rows):
                continue
            rows = [{k: v for k, v in r.items() if k not in ("start", "end")} for r in rows]
            lines = [json.dumps(r, ensure_ascii=False)
                     for r in timed(rows, path.stem, style_of(path))]
            path.write_text("\n".join(lines) + "\n")
            print(f"{path}: {len(lines)} lines, {float(json.loads(lines[-1])['end']) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
