"""How long does the GUI event loop stall while a mock runs in the live window?

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.ui_stall [--audio-seconds 90]

Two workloads through the real composition root, SessionRunner, tracker and store:
1. transcript: ../shared/data/transcripts/sdp_pastebin.jsonl (11 min) replayed at 30× speed, so
   the window receives ~30× the events per second of a live mock;
2. audio: ../shared/data/spoken/sdp_pastebin.flac through FileSource in real time and the
   bundled Whisper tiny.en (the transcriber competes with the GUI for the CPU and the GIL).
A 5 ms QTimer probe records each tick's lateness; targets: p99 ≤ 50 ms, max ≤ 150 ms. An "idle"
run (same window, no session, the model preloading as the app does after it opens) first
measures what the machine itself adds: on a loaded machine the OS, not the app, causes most of
the lateness. On Linux each figure line is followed by the same lateness minus the time the GUI
thread sat runnable in the kernel's run queue waiting for a core (``/proc/.../schedstat``): what
is left is the app's own doing (work on the GUI thread, waiting for the GIL).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO.parent / "shared" / "data"))


def _utterances(path: Path) -> list[Any]:
    from framework.types import Utterance

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Utterance(r["text"], float(r["start"]), float(r["end"])) for r in rows]


def _spin(limit_ms: int, done: Any) -> None:
    """Run a real, blocking Qt event loop (as ``app.exec()`` does) until ``done()`` or the limit.

    A Python ``while`` around ``processEvents`` would not do: ``processEvents`` with a timeout
    returns at once when nothing is pending, so the loop would spin on a core holding the GIL
    and starve the very workers whose effect on the GUI is being measured."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(limit_ms)
    if not done():
        loop.exec()
    poll.stop()
    deadline.stop()


def run(workload: str, audio_seconds: float) -> str:
    from PySide6.QtWidgets import QApplication

    from app.runner import SessionRunner
    from app.settings import Settings
    from app.store import SessionStore
    from app.ui.application import Application
    from app.ui.stall_probe import StallProbe
    from capture.prompt import parse_prompt

    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    home = Path(tempfile.mkdtemp(prefix="mockcoach-stall-"))
    store = SessionStore(home / "s.db", home / "sessions")

    def factory(request: Any, listener: Any) -> Any:
        common = dict(listener=listener, prompt=request.prompt, round_s=request.round_s)
        if workload == "transcript":
            return SessionRunner(store, request.framework, utterances=_utterances(
                SHARED / "transcripts" / "sdp_pastebin.jsonl"), transcript_speed=30.0, **common)
        from audio.sources import FileSource

        return SessionRunner(store, request.framework,
                             source=FileSource(SHARED / "spoken" / "sdp_pastebin.flac",
                                               realtime=True),
                             transcriber_factory=app.models.transcriber_factory(None), **common)

    app = Application(qapp, settings=Settings(home / "settings.ini"), store=store,
                      runner_factory=factory, device_lister=lambda: ([], None),
                      offer_recovery=False)
    live = app.live
    live.prompt_panel.set_prompt(
        parse_prompt((SHARED / "prompts" / "sdp_pastebin.txt").read_text()), "benchmark")
    live.resize(1400, 880)
    live.show()
    finished: list[int] = []
    live.session_finished.connect(finished.append)
    # Let the window map and paint once before measuring: the first expose of a new window is
    # start-up cost, not the session.
    _spin(500, lambda: False)
    probe = StallProbe(run_queue=True)
    if workload == "idle":  # the set-up screen while the app preloads the model, as it does
        probe.start()       # after opening; then nothing: what the machine itself adds
        app.warm_model()
        _spin(10_000, lambda: False)
        figures = probe.stop()
        loaded = "model preloaded" if app.models.cached(None) else "model NOT preloaded"
        live.close()
        app.shutdown()
        return (f"{workload:10s} 10.0 s wall, no session, {loaded}: {figures}"
                + _app_part(probe))
    if workload == "audio":  # as in the app: the model loads while the set-up is on screen
        app.warm_model()
        _spin(60_000, lambda: not app.tasks.busy)
    probe.start()
    started = time.perf_counter()
    gui_cpu = time.thread_time()
    live.start_or_resume()
    limit_ms = int((60.0 if workload == "transcript" else audio_seconds + 60) * 1000)

    def done() -> bool:
        if workload == "audio" and live.status == "running" and (
                live._state is not None and live._state.round_elapsed_s >= audio_seconds):
            live.stop()
        return bool(finished)

    _spin(limit_ms, done)
    if not finished:
        live.stop()
        _spin(120_000, lambda: bool(finished))
    figures = probe.stop()
    gui_cpu = time.thread_time() - gui_cpu
    lines = live.transcript.line_count
    elapsed = time.perf_counter() - started
    if live.banner.text():
        print(f"  the window said: {live.banner.text()}", file=sys.stderr)
    live.close()
    app.shutdown()
    return (f"{workload:10s} {elapsed:5.1f} s wall, {lines} transcript lines: {figures}"
            + _app_part(probe)
            + f"\n{'':10s} GUI thread CPU {gui_cpu:.2f} s ({100 * gui_cpu / elapsed:.1f} % of wall;"
            " the probe's own ticks included)")


def _app_part(probe: Any) -> str:
    app_figures = probe.app_figures()
    if app_figures is None:
        return ""
    return (f"\n{'':10s} less run-queue wait (the app's own part): p50 {app_figures.p50_ms:.1f} ms,"
            f" p99 {app_figures.p99_ms:.1f} ms, max {app_figures.max_ms:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio-seconds", type=float, default=90.0,
                        help="seconds of the spoken mock to play in real time (default 90)")
    parser.add_argument("--only", choices=("idle", "transcript", "audio"))
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"shared data not found at {SHARED}; set MOCKCOACH_SHARED_DATA", file=sys.stderr)
        return 2
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for workload in ("idle", "transcript", "audio"):
        if args.only in (None, workload):
            print(run(workload, args.audio_seconds), flush=True)
            print(f"{'':10s} load average after: {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
