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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

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
