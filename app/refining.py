"""The refine pass in a session: the live transcriber plus a low-priority refine worker.

``RefiningTranscriber`` has the live transcriber's surface (``insert``/``finish``/``resync``/
``lag_s``), so a line decodes through it unchanged. Closed utterances go to
``audio.refine.RefineQueue``, which gathers them into spans of about 15 s of speech; a worker
thread, started at niceness +10 with its own single-threaded model (CTranslate2's threads
inherit the niceness of the thread that loads it), decodes each span with beam search and hands
back ``revised`` events (one per utterance), which come out of the next ``insert``. Live first:
the queue defers while the live path lags and skips the oldest when too many wait; ``finish``
(Stop, end of file) catches up with everything still waiting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from audio.events import AudioFrame, TranscriptEvent
from audio.model import ResolvedModel
from audio.refine import RefineConfig, RefineQueue, Refiner
from audio.streaming import StreamingStats, StreamingTranscriber

log = logging.getLogger(__name__)

REFINE_NICE = 10
"""Niceness of the refine worker: under CFS it gets about a tenth of a core the live path wants."""


def _lower_priority() -> None:
    """``REFINE_NICE`` below the live path, whatever niceness the process started with (set
    absolutely, a process started with ``nice -n 10`` would give the live path no edge)."""
    with contextlib.suppress(AttributeError, OSError, PermissionError):
        tid = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, tid) + REFINE_NICE
        os.setpriority(os.PRIO_PROCESS, tid, min(19, niceness))


class RefiningTranscriber:
    """A live ``StreamingTranscriber`` whose closed utterances are refined in the background."""

    def __init__(
        self,
        live: StreamingTranscriber,
        refiner_factory: Callable[[], Refiner],
        config: RefineConfig | None = None,
    ) -> None:
        self.live = live
        self.queue = RefineQueue(config)
        self.revised = 0
        self._factory = refiner_factory
        self._cond = threading.Condition()
        self._ready: list[TranscriptEvent] = []
        self._finishing = False
        self._busy = False
        self._thread: threading.Thread | None = None

    # -- the live transcriber's surface ---------------------------------------------------------

    @property
    def stats(self) -> StreamingStats:
        return self.live.stats

    @property
    def lag_s(self) -> float:
        return self.live.lag_s

    @property
    def degraded(self) -> bool:
        return self.live.degraded

    def resync(self) -> None:
        self.live.resync()

    def insert(self, frame: AudioFrame) -> list[TranscriptEvent]:
        events = self.live.insert(frame)
        self._hand_over()
        return events + self._take_ready()

    def finish(self) -> list[TranscriptEvent]:
        """The live path's last finals, then every waiting utterance refined (catch up)."""
        events = self.live.finish()
        self._hand_over()
        with self._cond:
            self._finishing = True
            self._cond.notify_all()
            while self._thread is not None and (len(self.queue) or self._busy):
                self._cond.wait(0.5)
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return events + self._take_ready()

    # -- the worker -----------------------------------------------------------------------------

    def _hand_over(self) -> None:
        closed = self.live.take_closed()
        if not closed:
            return
        with self._cond:
            for utterance in closed:
                self.queue.push(utterance)
            self._cond.notify_all()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="refine", daemon=True)
            self._thread.start()

    def _take_ready(self) -> list[TranscriptEvent]:
        """Revised events done since the last call, stamped with when they leave (now)."""
        with self._cond:
            ready, self._ready = self._ready, []
        if not ready:
            return []
        now = self.live.now_s()
        return [dataclasses.replace(e, emitted_s=max(e.emitted_s, now)) for e in ready]

    def _work(self) -> None:
        _lower_priority()
        refiner: Refiner | None = None
        try:
            refiner = self._factory()
            while True:
                with self._cond:
                    span = None
                    while span is None:
                        if self._finishing:
                            span = self.queue.next()
                        else:
                            span = self.queue.next(
                                live_lag_s=self.live.lag_s, live_degraded=self.live.degraded
                            )
                        if span is None:
                            if self._finishing:
                                return
                            self._cond.wait(0.2)
                    self._busy = True
                events: list[TranscriptEvent] = []
                try:
                    events = refiner.refine(span, self.live.now_s())
                finally:
                    with self._cond:
                        self._busy = False
                        self._ready += events
                        self.revised += len(events)
                        self._cond.notify_all()
        except Exception:
            log.exception("refine pass failed; the live transcript stands")
            with self._cond:
                self.queue.drain()
                self._busy = False
                self._cond.notify_all()
        finally:
            del refiner


def refining_factory(
    model: ResolvedModel | str | None = None, *, glossary: str | None = None
) -> Callable[[], Refiner]:
    """Loads a single-threaded model for the refine worker (on that worker, after it lowered
    its priority, so the model's threads run at that priority too)."""

    def make() -> Refiner:
        from audio.model import load_model, resolve_model

        resolved = model if isinstance(model, ResolvedModel) else resolve_model(model)
        loaded: Any = load_model(resolved, threads=1)
        return Refiner(loaded, glossary=glossary)

    return make


def with_refine(
    live: StreamingTranscriber,
    model: ResolvedModel | str | None = None,
    *,
    glossary: str | None = None,
    refine: bool = True,
) -> StreamingTranscriber | RefiningTranscriber:
    """``live`` with the refine pass (``refine=False``: as it is, for ``--no-refine``)."""
    if not refine:
        return live
    return RefiningTranscriber(live, refining_factory(model, glossary=glossary))
