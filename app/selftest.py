"""``mockcoach --self-test``: prove, end to end, that this install (or bundle) really works.

``doctor`` checks that the parts are present; the self-test uses them on shipped samples: load
the speech model, transcribe ``assets/selftest/speech.flac`` through the live streaming path,
OCR ``assets/selftest/prompt.png``, and open and close a window offscreen. One line per step
with its time; exit 0 only when every step passed. It is what the PyInstaller bundle's smoke
test runs, so it must keep working from a frozen app (assets via ``assets.asset_path``).
"""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from app import __version__
from assets import asset_path
from audio.metrics import word_error_rate  # the library's one edit distance

SPEECH_CLIP = ("selftest", "speech.flac")
SPEECH_TEXT = ("selftest", "speech.txt")
OCR_IMAGE = ("selftest", "prompt.png")
OCR_TEXT = ("selftest", "prompt.txt")
MAX_WORD_ERROR_RATE = 0.25  # tiny.en gets this clip word-perfect; a broken decoder gets ~1.0
MIN_OCR_SIMILARITY = 0.90  # the image is clean rendered text; Tesseract reads it ~exactly


class StepFailed(Exception):
    """A step ran but its result is wrong; the message says how."""


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


def text_similarity(expected: str, got: str) -> float:
    """Character similarity of the two texts with whitespace runs collapsed."""
    a, b = " ".join(expected.split()), " ".join(got.split())
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


class SelfTest:
    """The steps, in order; later steps reuse what earlier ones built (the loaded model)."""

    def __init__(self) -> None:
        self.model: Any = None

    def steps(self) -> list[tuple[str, Callable[[], str]]]:
        return [
            ("model", self.load_model),
            ("transcribe", self.transcribe),
            ("ocr", self.ocr),
            ("window", self.window),
        ]

    def load_model(self) -> str:
        from audio.model import load_model, resolve_model

        resolved = resolve_model(None)
        self.model = load_model(resolved)
        return f"{resolved.name} ({resolved.source}) loaded from {resolved.path}"

    def transcribe(self) -> str:
        """The clip through the same session pipeline as a live mock (nothing saved)."""
        if self.model is None:
            raise StepFailed("skipped: the model did not load")
        from app.lines import AudioLine
        from app.runner import SessionRunner, run_to_end
        from app.runner_events import RunnerEvent, TranscriptLine
        from audio.sources import FileSource
        from audio.streaming import StreamingTranscriber

        finals: list[str] = []

        def keep(event: RunnerEvent) -> None:
            if isinstance(event, TranscriptLine) and event.final:
                finals.append(event.text)

        source = FileSource(asset_path(*SPEECH_CLIP))
        line = AudioLine(source, transcriber=StreamingTranscriber(self.model, live=False))
        result = run_to_end(SessionRunner(None, None, line, listener=keep))
        if source.error is not None or result.error is not None:
            raise StepFailed(f"reading the clip failed: {source.error or result.error}")
        text = " ".join(finals).strip()
        reference = asset_path(*SPEECH_TEXT).read_text(encoding="utf-8")
        wer = word_error_rate(reference, text)
        if wer > MAX_WORD_ERROR_RATE:
            raise StepFailed(f"word error rate {wer:.0%} (heard: {text!r})")
        shown = text if len(text) <= 48 else text[:45] + "..."
        return f'"{shown}" (WER {wer:.0%}, {len(finals)} final segments)'

    def ocr(self) -> str:
        from capture.ocr import read_text

        result = read_text(asset_path(*OCR_IMAGE))
        expected = asset_path(*OCR_TEXT).read_text(encoding="utf-8")
        similarity = text_similarity(expected, result.text)
        if similarity < MIN_OCR_SIMILARITY:
            raise StepFailed(f"text matches only {similarity:.0%} (read: {result.text[:80]!r})")
        lines = [ln for ln in result.text.splitlines() if ln.strip()]
        return f"{len(lines)} lines read, {similarity:.0%} match"

    def window(self) -> str:
        """The real main window (frameworks, prompt library, theme and icons from ``assets``),
        built over a throw-away settings file and session store so the user's data is untouched.
        """
        # Offscreen unless the caller chose a platform: the self-test must pass over SSH and in CI.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QDeadlineTimer, QEventLoop
        from PySide6.QtWidgets import QApplication

        from app.settings import Settings
        from app.store import SessionStore
        from app.ui.application import Application

        qapp = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "mockcoach"])
        assert isinstance(qapp, QApplication)
        with tempfile.TemporaryDirectory(prefix="mockcoach-selftest-") as tmp:
            folder = Path(tmp)
            store = SessionStore(folder / "mockcoach.db", folder / "sessions")
            app = Application(
                qapp, settings=Settings(folder / "settings.ini"), store=store, offer_recovery=False
            )
            try:
                app.show()
                deadline = QDeadlineTimer(5000)
                while not app.live.isVisible() and not deadline.hasExpired():
                    qapp.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
                if not app.live.isVisible():
                    raise StepFailed("the main window did not become visible")
                title = app.live.windowTitle()
                for window in app.windows():
                    window.close()
                qapp.processEvents()
            finally:
                app.shutdown()
        return f"main window {title!r} opened and closed on Qt {QApplication.platformName()}"


def run_self_test(out: TextIO | None = None, selftest: SelfTest | None = None) -> int:
    stream = out or sys.stdout
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the self-test must never reach the network
    frozen = " (bundle)" if getattr(sys, "frozen", False) else ""
    print(f"mockcoach {__version__} self-test{frozen}", file=stream, flush=True)
    selftest = selftest or SelfTest()
    results: list[StepResult] = []
    started = time.perf_counter()
    for name, step in selftest.steps():
        result = run_steps_one(name, step)
        results.append(result)
        mark = "ok  " if result.ok else "FAIL"
        line = f"  {mark}  {name:<10}  {result.seconds:6.2f} s  {result.detail}"
        print(line, file=stream, flush=True)
    total = time.perf_counter() - started
    passed = sum(r.ok for r in results)
    if passed == len(results):
        print(f"self-test passed ({passed}/{len(results)} steps, {total:.1f} s)", file=stream)
        return 0
    print(
        f"self-test FAILED ({passed}/{len(results)} steps passed, {total:.1f} s). "
        "Run `mockcoach doctor` to see which part is missing; the log has the tracebacks.",
        file=stream,
    )
    return 1


def run_steps_one(name: str, step: Callable[[], str]) -> StepResult:
    """Run one step, turning any exception into a failed result (the traceback goes to the log)."""
    started = time.perf_counter()
    try:
        detail, ok = step(), True
    except StepFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:
        import logging

        logging.getLogger(__name__).exception("self-test step %s crashed", name)
        detail, ok = f"{type(exc).__name__}: {exc}", False
        if os.environ.get("MOCKCOACH_DEBUG"):
            traceback.print_exc()
    return StepResult(name, ok, detail, time.perf_counter() - started)
