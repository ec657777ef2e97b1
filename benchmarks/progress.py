"""How fast progress reads 200 saved 45-minute mocks: ``mockcoach progress`` and the review
window's progress view.

    .venv/bin/python benchmarks/progress.py [--sessions 200] [--repeat 5] [--keep DIR]

Builds a temporary store (real SQLite, the app's schema) with ``--sessions`` realistic mocks:
the shared walkthroughs (``../shared/data/transcripts``) stretched to 40-50 minutes (45 on
average) and run through the real tracker with the bundled framework, saved as the runner
saves them (segments in few-word commits, phase changes and spans, coverage events, the final
report and coverage), each mock's delivery figures nudged so the trends move. Then it prints:

- ``cli``: wall time of ``mockcoach progress --json`` in a fresh process (what a user waits
  for), and of ``load_progress`` alone in this process (median of ``--repeat``), plus the one
  first read of a store whose sessions have no saved summary yet (an upgraded store: every
  session is scored once and its summary kept);
- ``view``: from creating the progress view (offscreen Qt) to its plots shown, median.

``build_store`` is also what the progress screenshots and tests use for a store of many mocks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO.parent / "shared" / "data"))
WALKS = ("sdp_pastebin", "sdp_twitter", "sdp_mint", "sdp_query_cache", "sdp_scaling_aws")
TITLES = ("Design a paste sharing service", "Design Twitter's timeline", "Design Mint.com",
          "Design a key-value cache for a search engine", "Design a system that scales to "
          "millions of users on AWS")


def _utterances(name: str) -> list[Any]:
    from framework.types import Utterance

    rows = [json.loads(line) for line in
            (SHARED / "transcripts" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [Utterance(r["text"], float(r["start"]), float(r["end"])) for r in rows]


def _tracked(name: str, minutes: float) -> tuple[list[Any], dict[str, Any], list[Any]]:
    """A walkthrough stretched to ``minutes``, through the real tracker: its utterances, the
    report, and the tracker's events (phase changes, coverage)."""
    from framework.definition import available_frameworks
    from framework.tracker import Tracker

    framework = available_frameworks()["system-design"]
    said = _utterances(name)
    k = minutes * 60.0 / max(u.end_s for u in said)
    said = [replace(u, start_s=u.start_s * k, end_s=u.end_s * k) for u in said]
    tracker = Tracker(framework, round_s=2700.0)
    events: list[Any] = []
    for u in said:
        events += tracker.advance(u.start_s)
        events += tracker.feed(u)
    end = said[-1].end_s + 5.0
    events += tracker.advance(end)
    return said, tracker.report(end), events


def _coverage_pct(report: dict[str, Any]) -> float | None:
    items = report["checklist"] + report["requirements"]
    if not items:
        return None
    return round(100.0 * sum(1 for i in items if i["addressed"]) / len(items), 1)


def _nudged(report: dict[str, Any], i: int, n: int, rng: random.Random) -> dict[str, Any]:
    """The same mock, said a little differently: later mocks get better on average (the trend a
    user hopes to see), with noise; one mock in four runs out of time before the deep dive."""
    out = json.loads(json.dumps(report))
    better = i / max(n - 1, 1)
    sig = out["signals"]
    minutes = out["duration_s"] / 60.0
    # stretching a walkthrough to 45 minutes slows its pace; say it at a speaker's pace instead
    sig["wpm"] = round(118 + 14 * better + rng.uniform(-22, 22), 1)
    fillers = max(0, round(minutes * (4.0 - 3.0 * better + rng.uniform(-1, 1))))
    sig["fillers"] = {"count": fillers, "per_minute": round(fillers / minutes, 2),
                      "by_word": {"um": fillers}}
    sig["hedges"] = max(0, round(14 - 10 * better + rng.uniform(-4, 4)))
    sig["tradeoffs"] = max(0, round(sig["tradeoffs"] * (0.6 + better) + rng.uniform(-2, 2)))
    checks = sig["estimation"]["checks"]
    sig["estimation"]["flagged"] = min(len(checks), int(rng.random() < 0.5 - 0.4 * better)
                                       + int(rng.random() < 0.2))
    spent = out["time_per_phase"]
    if rng.random() < 0.3 - 0.2 * better:  # ran out of time: no deep dive
        spent["high_level"] = spent.get("high_level", 0.0) + spent.get("deep_dive", 0.0)
        spent["deep_dive"] = 0.0
    else:
        spent["deep_dive"] = spent.get("deep_dive", 0.0) * (0.6 + better * 0.8)
    spent["requirements"] = spent.get("requirements", 0.0) * (1.6 - better)
    for item in out["checklist"]:
        if rng.random() < 0.25 - 0.2 * better:
            item["addressed"] = not item["addressed"]
    return out


def _segments(said: list[Any]) -> list[Any]:
    """Utterances cut into the live transcriber's few-word commits (it commits 2.4 words at a
    time; two here)."""
    from app.store import Segment

    out = []
    for u in said:
        words = u.text.split()
        parts = max(1, len(words) // 2)
        span = (u.end_s - u.start_s) / parts
        for j in range(parts):
            chunk = words[j * 2:] if j == parts - 1 else words[j * 2:(j + 1) * 2]
            out.append(Segment(u.start_s + j * span, u.start_s + (j + 1) * span,
                               " ".join(chunk)))
    return out


def build_store(folder: Path, sessions: int = 200, seed: int = 7) -> Path:
    """A session database in ``folder`` with ``sessions`` saved mocks, one a day, oldest first.
    Returns the database path."""
    from app.store import CoverageEvent, PhaseChange, SessionStore
    from framework.events import Addressed, PhaseChanged

    rng = random.Random(seed)
    bases = {}
    for w, name in enumerate(WALKS):
        for minutes in (40.0, 45.0, 50.0):
            said, report, events = _tracked(name, minutes)
            bases[(w, minutes)] = (said, report, events, _segments(said))
    path = folder / "sessions.db"
    start = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
    with SessionStore(path, folder / "sessions") as store:
        for i in range(sessions):
            w = i % len(WALKS)
            minutes = (40.0, 45.0, 50.0)[(i // len(WALKS)) % 3]
            said, report, events, segments = bases[(w, minutes)]
            report = _nudged(report, i, sessions, rng)
            budgets = dict(report["budget"])
            session = store.create_session(
                title=TITLES[w], framework="system-design", round_s=2700.0,
                started_at=(start + timedelta(days=i * 0.75)).isoformat(timespec="seconds"))
            changes = [(PhaseChange(e.at_s, e.phase, e.previous, " ".join(e.evidence)),
                        budgets.get(e.phase)) for e in events if isinstance(e, PhaseChanged)]
            coverage = [CoverageEvent(e.at_s, e.item_id, e.kind, e.label, " ".join(e.evidence))
                        for e in events if isinstance(e, Addressed)]
            store.write_batch(session.id, segments=segments, phase_changes=changes,
                              coverage=coverage)
            store.finish_session(session.id, duration_s=report["duration_s"], report=report,
                                 coverage_pct=_coverage_pct(report))
    return path


def time_cli(home: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (user + system) of ``mockcoach progress --json`` in a new process;
    on a loaded machine the CPU time is what a quiet one would wait."""
    import resource

    env = {**os.environ, "MOCKCOACH_HOME": str(home)}
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "app", "progress", "--json"], env=env,
                              capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        json.loads(done.stdout)
    return walls, cpus


def time_view(db: Path, repeat: int) -> tuple[list[float], list[float]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    from app.store import SessionStore
    from app.ui.progress_view import ProgressView

    qapp = QApplication.instance() or QApplication([])
    times, cpus = [], []
    with SessionStore(db, db.parent / "sessions") as store:
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            view = ProgressView(store)
            view.show()
            view.reload()
            deadline = time.monotonic() + 60
            while view.progress is None and time.monotonic() < deadline:
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            QCoreApplication.processEvents()
            view.repaint()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)  # this process's threads, GUI and worker
            view.shutdown()
            view.close()
            view.deleteLater()
            QCoreApplication.processEvents()
    del qapp
    return times, cpus


def time_view_unscored(db: Path) -> tuple[float, float]:
    """The view on a store whose mocks have no saved summary (an upgraded store): seconds to the
    first plots, and to the scorecard's plots after the second pass."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    from app.store import SessionStore
    from app.ui.progress_view import ProgressView

    qapp = QApplication.instance() or QApplication([])
    with SessionStore(db, db.parent / "sessions") as store:
        with store.transaction() as conn:
            conn.execute("DELETE FROM session_summaries")
        done: list[float] = []
        t0 = time.perf_counter()
        view = ProgressView(store)
        view.loaded.connect(lambda _p: done.append(time.perf_counter() - t0))
        view.show()
        view.reload()
        deadline = time.monotonic() + 120
        while view.progress is None and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        first = time.perf_counter() - t0
        while not done and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        view.shutdown()
        view.close()
        view.deleteLater()
        QCoreApplication.processEvents()
    del qapp
    return first, done[0] if done else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the store in DIR and keep it")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="mockcoach-progress-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    db = build_store(home, args.sessions)
    build_s = time.perf_counter() - t0
    from app.progress import load_progress
    from app.store import SessionStore

    with SessionStore(db, home / "sessions") as store:
        segs = store._conn.execute("SELECT count(*) FROM segments").fetchone()[0]
        t1 = time.perf_counter()
        progress = load_progress(store)  # no summaries yet: every session is scored once
        first_s = time.perf_counter() - t1
        loads = []
        for _ in range(args.repeat):
            t1 = time.perf_counter()
            progress = load_progress(store)
            loads.append(time.perf_counter() - t1)
    unscored_first, unscored_all = time_view_unscored(db)
    cli, cli_cpu = time_cli(home, args.repeat)
    view, view_cpu = time_view(db, args.repeat)
    load1 = os.getloadavg()[0]
    print(f"store: {args.sessions} sessions, {segs} segments, "
          f"{db.stat().st_size / 1e6:.1f} MB (built in {build_s:.1f} s) at {home}")
    print(f"progress: {len(progress.sessions)} sessions, {len(progress.weaknesses)} "
          f"weaknesses, {sum(t.points for t in progress.trends)} points")
    print(f"cli  mockcoach progress --json (new process): median {statistics.median(cli):.3f} s"
          f"  max {max(cli):.3f} s  (target <= 1 s); CPU median "
          f"{statistics.median(cli_cpu):.3f} s")
    print(f"     load_progress (in process):             median "
          f"{statistics.median(loads):.3f} s  max {max(loads):.3f} s")
    print(f"     first load_progress of a store without summaries (all {args.sessions} scored "
          f"and saved once): {first_s:.3f} s")
    print(f"view progress view open -> plots shown:      median {statistics.median(view):.3f} s"
          f"  max {max(view):.3f} s  (target <= 1 s); CPU median "
          f"{statistics.median(view_cpu):.3f} s")
    print(f"     the same, no summaries saved: first plots {unscored_first:.3f} s, the "
          f"scorecard's plots after {unscored_all:.3f} s")
    print(f"load average (1 min): {load1:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
