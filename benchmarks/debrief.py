"""How fast the scorecard and study list are over many saved mocks (``app/debrief.py``).

    .venv/bin/python benchmarks/debrief.py [--sessions 200] [--repeat 3]

Builds a temporary store with ``--sessions`` realistic 35-50 minute mocks (the same builder as
``benchmarks/progress.py``: the shared walkthroughs through the real tracker, saved as the runner
saves them), then debriefs every one the way ``mockcoach progress`` would (rubric, topics and
library read once; the practised prompts read once) and prints, each the median of ``--repeat``:

- ``load``: ``store.load`` of every session (what any reader pays);
- ``score``: the scorecard and study list from the loaded sessions (the pure part);
- ``debrief``: ``session_debrief`` end to end, and per session;
- ``data``: reading the rubric, topics, frameworks and prompt library once (cold);
- the machine's load average beside them (the figures are from a shared machine).

    .venv/bin/python benchmarks/debrief.py --corpus tests/framework/data/corpus/dev

replays every labelled walkthrough in DIR (``*.jsonl`` with its prompt ``*.json``; the
recognised ``*-asr`` copies are left out) through the real runner and tracker, each in a round as
long as it is, and prints how the scores and the study topics spread: a sanity check that the
rules tell mocks apart (the corpus has no grades, so this is not an accuracy figure).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _build_store(folder: Path, sessions: int) -> Path:
    spec = importlib.util.spec_from_file_location("progress_bench",
                                                  REPO / "benchmarks" / "progress.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.build_store(folder, sessions=sessions))


def corpus(folder: Path) -> int:
    """Scores and study topics over a corpus of walkthroughs (see the module's docstring)."""
    import contextlib
    import io
    import json
    from collections import Counter

    from app.cli import main as cli
    from app.debrief import session_debrief
    from app.settings import Settings

    files = sorted(p for p in folder.glob("*.jsonl")
                   if "asr" not in p.stem and p.with_suffix(".json").is_file())
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MOCKCOACH_HOME"] = tmp
        for f in files:
            last = json.loads(f.read_text(encoding="utf-8").strip().splitlines()[-1])["end"]
            minutes = str(max(10, round(float(last) / 60 + 0.5)))
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                code = cli(["replay", str(f), "--prompt", str(f.with_suffix(".json")),
                            "--minutes", minutes, "--json"])
            if code != 0:
                print(f"{f.name}: replay failed ({code})")
                return 1
        scores: dict[str, Counter[str]] = {}
        topics: Counter[str] = Counter()
        with Settings().open_store() as store:
            sessions = sorted(store.list_sessions(), key=lambda s: s.id)
            for f, s in zip(files, sessions, strict=True):
                d = session_debrief(store, s.id, practised=set())
                row = " ".join(f"{dim.id[:4]}={dim.score if dim.score is not None else '-'}"
                               for dim in d.scorecard.dimensions)
                print(f"{f.stem[:36]:<36} {s.duration_s / 60:5.1f} min  {row}  "
                      f"study: {', '.join(x.topic for x in d.study) or '-'}")
                for dim in d.scorecard.dimensions:
                    scores.setdefault(dim.label, Counter())[str(dim.score or "-")] += 1
                topics.update(x.topic for x in d.study)
    print(f"\n{len(files)} mocks from {folder}")
    for label, counts in scores.items():
        spread = "  ".join(f"{k}: {counts.get(k, 0)}" for k in ("1", "2", "3", "4", "-"))
        print(f"  {label:<20} {spread}")
    print(f"  study topics ({len(topics)} different): "
          + ", ".join(f"{t} {n}" for t, n in topics.most_common()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="score a folder of labelled walkthroughs instead")
    args = parser.parse_args()
    if args.corpus is not None:
        return corpus(args.corpus)

    from app.debrief import debrief_data, debrief_record, practised_prompts, session_debrief
    from app.store import SessionStore

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["MOCKCOACH_HOME"] = str(folder / "home")
        t0 = time.perf_counter()
        db = _build_store(folder, args.sessions)
        built_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        data = debrief_data()
        data_s = time.perf_counter() - t0
        with SessionStore(db, folder / "sessions") as store:
            ids = [s.id for s in store.list_sessions()]
            segments = sum(len(store.load(i).segments) for i in ids[:5]) / min(5, len(ids))
            loads, scores, totals = [], [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                records = [store.load(i) for i in ids]
                loads.append(time.perf_counter() - t0)
                practised = practised_prompts(store, data)
                t0 = time.perf_counter()
                for record in records:
                    debrief_record(record, data, practised)
                scores.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                practised = practised_prompts(store, data)
                for i in ids:
                    session_debrief(store, i, practised=practised, data=data)
                totals.append(time.perf_counter() - t0)
    n = len(ids)
    total = statistics.median(totals)
    print(f"sessions: {n} (about {segments:.0f} segments each; store built in {built_s:.1f} s)")
    print(f"load:     {statistics.median(loads):.3f} s  (store.load of every session)")
    print(f"score:    {statistics.median(scores):.3f} s  (scorecard + study from loaded "
          "sessions)")
    print(f"debrief:  {total:.3f} s  ({1000 * total / max(n, 1):.2f} ms a session, "
          "session_debrief end to end)")
    print(f"data:     {data_s:.3f} s  (rubric, topics, frameworks, prompt library, once)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
