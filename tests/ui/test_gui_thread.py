"""What keeps the GUI thread free: batched runner events, lower-priority workers, the preloaded
model, and incremental coverage updates."""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.runner_events import LevelUpdate, StatusChanged, TrackerUpdate, TranscriptLine
from app.ui.bridge import RunnerBridge
from app.ui.coverage_panel import CoverageItem, CoveragePanel
from app.ui.model_cache import ModelCache
from app.ui.priority import in_background, lower_thread_priority, thread_priority


def _line(text: str, start: float, final: bool) -> TranscriptLine:
    return TranscriptLine(text=text, start_s=start, end_s=start + 1, final=final,
                          emitted_s=start + 1)


def test_bridge_delivers_merged_batches_in_order(qtbot: QtBot) -> None:
    bridge = RunnerBridge(max_rate_hz=10)
    batches: list[list[object]] = []
    bridge.batch_received.connect(batches.append)
    state_a, state_b = object(), object()
    events: list[object] = [
        _line("who", 0.0, False), _line("who are", 0.0, False), _line("who are the", 0.0, False),
        _line("Who are the users?", 0.0, True),
        TrackerUpdate(events=("e1",), state=state_a),  # type: ignore[arg-type]
        TrackerUpdate(events=("e2",), state=state_b),  # type: ignore[arg-type]
        LevelUpdate(-30.0, 1.0), LevelUpdate(-20.0, 1.1),
        _line("next", 2.0, False),
        StatusChanged("paused", 2.0),
    ]
    worker = threading.Thread(target=lambda: [bridge.listener(e) for e in events])
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(batches), timeout=2000)
    (batch,) = batches  # everything sent before the GUI looked arrives as one batch
    finals = [e for e in batch if isinstance(e, TranscriptLine) and e.final]
    partials = [e for e in batch if isinstance(e, TranscriptLine) and not e.final]
    assert [e.text for e in finals] == ["Who are the users?"]
    assert [e.text for e in partials] == ["who are the", "next"]  # superseded ones dropped
    assert batch.index(partials[0]) < batch.index(finals[0]) < batch.index(partials[1])
    (tracker,) = [e for e in batch if isinstance(e, TrackerUpdate)]
    assert tracker.events == ("e1", "e2") and tracker.state is state_b
    assert [e.dbfs for e in batch if isinstance(e, LevelUpdate)] == [-20.0]
    assert isinstance(batch[-2], StatusChanged)


def test_bridge_caps_the_delivery_rate(qtbot: QtBot) -> None:
    bridge = RunnerBridge(max_rate_hz=10)
    times: list[float] = []
    count = [0]

    def got(batch: list[object]) -> None:
        times.append(time.monotonic())
        count[0] += len(batch)

    bridge.batch_received.connect(got)

    def produce() -> None:
        for i in range(60):
            bridge.listener(_line(f"word {i}", float(i), True))
            time.sleep(0.01)

    worker = threading.Thread(target=produce)
    worker.start()
    qtbot.waitUntil(lambda: count[0] == 60, timeout=5000)
    worker.join()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) < 30  # 60 events over ~0.6 s, at most ~10 deliveries a second
    assert all(gap >= 0.08 for gap in gaps), gaps


def test_bridge_close_stops_delivery(qtbot: QtBot) -> None:
    bridge = RunnerBridge()
    seen: list[object] = []
    bridge.received.connect(seen.append)
    bridge.close()
    bridge.listener(_line("late", 0.0, True))
    qtbot.wait(50)
    assert not seen and bridge.pending == 0


def test_ticking_an_item_moves_only_its_row(qtbot: QtBot) -> None:
    panel = CoveragePanel()
    qtbot.addWidget(panel)
    items = [CoverageItem(f"R{i}", f"Requirement {i}", "functional", "requirement")
             for i in range(6)]
    panel.set_items(items)
    untouched = panel._rows["R5"]
    for item_id, at_s in (("R3", 40.0), ("R1", 10.0), ("R4", 25.0)):
        panel.set_addressed(item_id, at_s, "evidence")
    assert panel.rows("requirement") == [
        "Requirement 0", "Requirement 2", "Requirement 5",  # still open, in their order
        "Requirement 1", "Requirement 4", "Requirement 3",  # ticked, in the order of time
    ]
    assert panel._rows["R5"] is untouched  # no full rebuild
    header = panel._groups["requirement"]
    assert header.text(1) == "3/6"
    # the same order as a full rebuild gives
    addressed = panel.addressed()
    panel.set_items(items)
    assert panel.rows("requirement")[-3:] == ["Requirement 1", "Requirement 4", "Requirement 3"]
    assert panel.addressed() == addressed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux only")
def test_background_work_runs_at_a_lower_priority_and_its_threads_inherit_it() -> None:
    seen: dict[str, int] = {}

    def work() -> None:
        seen["worker"] = thread_priority()

        def child() -> None:
            seen["child"] = thread_priority()

        grandchild = threading.Thread(target=child)
        grandchild.start()
        grandchild.join()

    gui = thread_priority()
    thread = threading.Thread(target=in_background(work))
    thread.start()
    thread.join()
    assert seen["worker"] > gui or seen["worker"] == 19
    assert seen["child"] == seen["worker"]  # e.g. CTranslate2's threads behind the model
    assert thread_priority() == gui  # the GUI thread itself is untouched
    assert lower_thread_priority(0) is False


def _thread_nices() -> list[int]:
    nices = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            nices.append(int(fields[16]))
    return nices


def test_model_cache_loads_once_and_shares_the_load() -> None:
    loads: list[str | None] = []
    gate = threading.Event()

    def loader(spec: str | None) -> Any:
        gate.wait(5)
        loads.append(spec)
        return {"model": spec}

    cache = ModelCache(loader)
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(None))) for _ in range(3)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert loads == [None] and all(g is got[0] for g in got)
    assert cache.cached(None) and not cache.cached("base.en")
    cache.get("base.en")
    assert loads == [None, "base.en"] and cache.loads == 2


@pytest.mark.slow
def test_preloaded_model_transcribes_a_real_clip(test_data: Path) -> None:
    """The real bundled model through the cache, as the app's sessions and mic test use it."""
    import soundfile

    from audio.events import AudioFrame

    cache = ModelCache()
    worker = threading.Thread(target=lambda: cache.warm(None))
    worker.start()
    worker.join(120)
    assert cache.cached(None) and cache.loads == 1
    if sys.platform.startswith("linux"):  # the model's compute threads sit behind the GUI
        assert max(_thread_nices()) > thread_priority(), _thread_nices()
    samples, rate = soundfile.read(test_data / "spoken_pastebin_25s.flac", dtype="float32")
    assert rate == 16_000
    words: list[str] = []

    def session() -> None:  # on a worker, as the runner's transcription thread
        transcriber = cache.transcriber_factory(None)()
        step = 1600
        for i in range(0, 16_000 * 8, step):
            for event in transcriber.insert(AudioFrame(samples[i:i + step], i / 16_000)):
                if event.final:
                    words.append(event.text)
        words.extend(e.text for e in transcriber.finish() if e.final)

    gui = thread_priority()
    worker = threading.Thread(target=session)
    worker.start()
    worker.join(120)
    assert len(" ".join(words).split()) >= 5, words
    assert cache.loads == 1  # the session reused the preloaded model
    assert thread_priority() == gui
