"""The composition root: the ONE place that builds settings, store, runner factory and windows.

Nothing else constructs these. Tests and the screenshot script build an ``Application`` with
their own store path, device lister or runner factory (e.g. a recording instead of the
microphone) and get exactly the windows a user gets.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app import paths
from app.settings import Key, Settings
from app.ui.live_window import (
    CaptureResult,
    LibraryEntry,
    LiveWindow,
    RunnerFactory,
    SessionControl,
    SessionRequest,
)
from app.ui.mic_panel import Device, list_devices
from app.ui.model_cache import ModelCache
from app.ui.tasks import TaskRunner
from app.ui.theme import apply_theme, icon
from framework.definition import Framework, FrameworkError, available_frameworks

if TYPE_CHECKING:
    from PIL.Image import Image

    from app.recovery import Unfinished
    from app.store import SessionStore
    from app.ui.region_picker import RegionPicker
    from app.ui.review_window import ReviewWindow
    from capture.grab import Region

log = logging.getLogger(__name__)



def load_frameworks() -> tuple[dict[str, Framework], list[str]]:
    """Bundled + user frameworks; a broken user file is reported, not fatal."""
    errors: list[FrameworkError] = []
    try:
        found = available_frameworks(paths.user_frameworks_dir(), errors=errors)
    except (FrameworkError, paths.DataDirError) as exc:
        return {}, [str(exc)]
    return found, [str(e) for e in errors]


def load_library() -> tuple[list[LibraryEntry], list[str]]:
    """The practice prompts (bundled + the user's own); a broken user file is reported and the
    bundled prompts still load."""
    from capture.library import default_dirs
    from capture.library import load_library as load

    errors: list[str] = []
    try:
        entries = load(*default_dirs(), paths.user_prompts_dir())
    except Exception as exc:  # LibraryError names the file; the set-up still works
        errors.append(str(exc))
        try:
            entries = load(*default_dirs())
        except Exception as inner:
            return [], [*errors, str(inner)]
    entries = sorted(entries, key=lambda e: str(e.title).casefold())
    return [LibraryEntry(str(e.id), str(e.title), e.prompt) for e in entries], errors


class Application(QObject):
    """Owns the windows and the store for the lifetime of the app."""

    def __init__(
        self,
        qapp: QApplication,
        *,
        settings: Settings | None = None,
        store: SessionStore | None = None,
        runner_factory: RunnerFactory | None = None,
        device_lister: Callable[[], tuple[list[Device], str | None]] = list_devices,
        offer_recovery: bool = True,
    ) -> None:
        super().__init__()
        self.qapp = qapp
        self.settings = settings or Settings()
        apply_theme(qapp, self.settings.theme)
        qapp.setWindowIcon(icon("app"))
        qapp.styleHints().colorSchemeChanged.connect(self._on_system_scheme)
        self._owns_store = store is None
        self._store_problem = ""
        self.store = store if store is not None else self._open_store()
        self.frameworks, framework_errors = load_frameworks()
        self.library, library_errors = load_library()
        self.tasks = TaskRunner(self)
        self.models = ModelCache()
        self.live = LiveWindow(
            self.settings,
            self.frameworks,
            self.library,
            runner_factory or self.make_live_runner,
            device_lister=device_lister,
            models=self.models,
        )
        self.live.review_requested.connect(self.show_review)
        self.live.settings_requested.connect(self.show_settings)
        self.live.capture_requested.connect(self.capture)
        from app.ui.diagram_capture import DiagramCapturer

        self.diagrams = DiagramCapturer(
            self.live, self.tasks, lambda: self.settings.get_int(Key.CAPTURE_MONITOR) or None)
        self.live.session_finished.connect(self._on_session_finished)
        self.review: ReviewWindow | None = None
        self._picker: RegionPicker | None = None
        problems = [self._store_problem] if self._store_problem else []
        problems += [f"Framework: {e}" for e in framework_errors] + [
            f"Prompt library: {e}" for e in library_errors
        ]
        if problems:
            self.live.banner.show_message(
                " ".join(problems), "warning"
            )
        self._offer_recovery = offer_recovery

    # ------------------------------------------------------------------ building parts

    def _open_store(self) -> SessionStore:
        """The same database the ``mockcoach sessions`` commands use (unless Settings chose
        another data folder). A damaged or newer database has been moved aside by the store:
        the banner says where, and the app carries on with a new one. A database that another
        program holds, or that cannot be read, is left alone and the ``StoreError`` goes up
        (``run_app`` shows it): starting an empty library over it would hide the user's history.
        """
        from app.store import DatabaseCorrupt, DatabaseTooNew

        try:
            return self.settings.open_store()
        except (DatabaseCorrupt, DatabaseTooNew) as exc:
            log.error("session database: %s", exc)
            self._store_problem = str(exc)
            return self.settings.open_store()

    def session_settings(self) -> dict[str, str]:
        return {
            "model": self.settings.get_str(Key.MODEL),
            "microphone": self.settings.get_str(Key.MICROPHONE),
            "interviewer_source": self.settings.get_str(Key.INTERVIEWER_SOURCE),
        }

    def make_live_runner(
        self, request: SessionRequest, listener: Callable[[object], None]
    ) -> SessionControl:
        """The real thing: the chosen microphone through the chosen model into the store."""
        from app.lines import AudioLine
        from app.partner import live_line
        from app.runner import SessionRunner
        from audio.sources import MicrophoneSource

        spec = self.model_spec()
        mic = AudioLine(MicrophoneSource(request.device),
                        transcriber_factory=self.models.transcriber_factory(spec),
                        source_factory=lambda device: MicrophoneSource(device))
        return SessionRunner(
            self.store,
            request.framework,
            live_line(mic, self.settings.get_str(Key.INTERVIEWER_SOURCE),
                      lambda: self.models.get(spec)),
            listener=listener,
            prompt=request.prompt,
            prompt_image=request.prompt_image,
            round_s=request.round_s,
            settings=self.session_settings(),
        )

    def model_spec(self) -> str | None:
        return self.settings.get_str(Key.MODEL) or None

    def warm_model(self) -> None:
        """Load the chosen speech model in the background (low priority) so Start is instant
        and the first seconds of a mock do not stutter. A failure is only logged here: Start
        reports it in words."""
        spec = self.model_spec()
        if self.models.cached(spec) or self.live.status != "idle":
            return  # (never load a second model during a mock)
        self.tasks.submit(lambda: self.models.warm(spec),
                          on_error=lambda e: log.info("model not preloaded: %s", e),
                          name="mockcoach-warm-model")

    # ------------------------------------------------------------------ windows

    def show(self) -> None:
        self.live.show()
        if self._offer_recovery:
            self.offer_recovery()
        # after the window's first paint: the warm-up competes for the CPU for about a second
        QTimer.singleShot(300, self.warm_model)
        self.suggest_next_prompt()

    def show_review(self, session_id: int | None = None) -> None:
        from app.ui.review_window import ReviewWindow

        if self.review is None:
            self.review = ReviewWindow(self.store, self.settings, self.frameworks)
            self.review.practise_requested.connect(self.practise)
        self.review.show()
        self.review.raise_()
        self.review.activateWindow()
        self.review.reload()
        if isinstance(session_id, int):
            self.review.open_session(session_id)

    def show_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self.frameworks, self.live)
        if dialog.exec():
            apply_theme(self.qapp, self.settings.theme)
            self.live.act_capture.setShortcut(self.settings.get_str(Key.CAPTURE_SHORTCUT))
            self.warm_model()

    def _on_system_scheme(self, _scheme: Qt.ColorScheme) -> None:
        if self.settings.theme == "system":
            apply_theme(self.qapp, "system")

    def _on_session_finished(self, session_id: int) -> None:
        if self.review is not None and self.review.isVisible():
            self.review.reload()
        self.suggest_next_prompt()  # also keeps the new session's summary for progress

    def practise(self, prompt_id: str) -> None:
        """Bring the practice window up with this library prompt chosen (not during a mock)."""
        if self.live.status == "idle":
            self.live.setup.pick_library(prompt_id)
            self.live.tabs.setCurrentIndex(0)
        self.live.show()
        self.live.raise_()
        self.live.activateWindow()

    def suggest_next_prompt(self) -> None:
        """Offer the prompt to practise next in the set-up; worked out off the GUI thread."""
        from app.progress import suggest_next_prompt

        library = [(e.id, e.title) for e in self.library]
        self.tasks.submit(lambda: suggest_next_prompt(self.store, library),
                          on_done=self._offer_next_prompt,
                          on_error=lambda e: log.info("no next prompt: %s", e),
                          name="mockcoach-next-prompt")

    def _offer_next_prompt(self, found: tuple[str, str, str] | None) -> None:
        if found is not None and self.live.status == "idle":
            self.live.setup.next_hint.offer(*found)

    # ------------------------------------------------------------------ capture

    def capture(self) -> None:
        """Open the region picker (mockcoach's windows step aside); the chosen region is grabbed
        at once, then read (Tesseract) and parsed on a worker thread."""
        from app.ui.region_picker import RegionPicker

        if self._picker is not None and self._picker.active:
            return
        monitor = self.settings.get_int(Key.CAPTURE_MONITOR) or None
        picker = RegionPicker(self, monitor=monitor)
        self._picker = picker
        picker.region_selected.connect(lambda region: self._grab_and_read(monitor, region))
        picker.pick()

    def _grab_and_read(self, monitor: int | None, region: Region) -> None:
        """Runs while our windows are still hidden: grab now (tens of ms), read off-thread."""
        from capture.grab import grab

        try:
            image = grab(monitor=monitor, region=region)
        except Exception as exc:
            log.exception("screen grab failed")
            error: BaseException = exc
            QTimer.singleShot(0, lambda: self._capture_failed(error))
            return
        self.read_capture(image)

    def read_capture(self, image: Image) -> None:
        """OCR + parse a captured image on a worker; the result goes to the live window."""
        self.live.statusBar().showMessage("Reading the prompt…")

        def work() -> CaptureResult:
            from capture.ocr import read_text
            from capture.prompt import parse_prompt

            ocr = read_text(image)
            return CaptureResult(image, parse_prompt(ocr.text), ocr.text, ocr.seconds)

        self.tasks.submit(
            work,
            on_done=self.live.attach_capture,
            on_error=self._capture_failed,
            name="mockcoach-ocr",
        )

    def _capture_failed(self, error: BaseException) -> None:
        self.live.statusBar().clearMessage()
        self.live.banner.show_message(f"The capture failed: {error}", "error")

    # ------------------------------------------------------------------ recovery

    def offer_recovery(self) -> None:
        """After a crash: offer the unfinished session in a banner (never a modal pop-up).

        Looking repairs the WAV header of a cut recording, so it runs off the GUI thread.
        """
        from app import recovery

        self.tasks.submit(lambda: recovery.find_unfinished(self.store),
                          on_done=self._show_recovery_offer,
                          on_error=lambda e: log.warning("cannot look for unfinished: %s", e),
                          name="mockcoach-find-unfinished")

    def _show_recovery_offer(self, unfinished: list[Unfinished]) -> None:
        if not unfinished:
            return
        from PySide6.QtWidgets import QPushButton

        from app import recovery
        from app.presentation import clock

        item = unfinished[0]
        sid = int(item.session.id)
        title = item.session.title or "an unfinished session"
        recover = QPushButton(icon("recover"), "Recover", self.live)
        recover.setObjectName("recoverButton")
        later = QPushButton("Not now", self.live)

        def do_recover() -> None:
            from app.ui.batch_progress import BatchProgress

            bar = BatchProgress(self.live)  # the untranscribed tail is batch-decoded
            self.live.banner.show_message(f"Recovering “{title}”", "info", (bar,))
            self.tasks.submit(lambda: recovery.recover(self.store, sid, progress=bar.report,
                                                       cancel=bar.cancelled),
                              on_done=lambda _session: self._recovered(sid),
                              on_error=self._recovery_failed,
                              name="mockcoach-recover")

        recover.clicked.connect(do_recover)
        later.clicked.connect(self.live.banner.hide)
        more = f" (and {len(unfinished) - 1} more)" if len(unfinished) > 1 else ""
        self.live.banner.show_message(
            f"<b>mockcoach did not close properly last time.</b> “{title}”{more} was being "
            f"recorded: {item.segment_count} lines, {clock(item.duration_s)} saved. "
            "Recover it?", "info", (recover, later))

    def _recovery_failed(self, error: BaseException) -> None:
        from app.recovery import RecoveryCancelled

        if isinstance(error, RecoveryCancelled):  # nothing was written: offer it again
            self.offer_recovery()
            return
        self.live.banner.show_message(f"Recovery failed: {error}", "error")

    def _recovered(self, session_id: int) -> None:
        self.live.banner.hide()
        self.live.statusBar().showMessage(f"Session #{session_id} recovered", 5000)
        self.show_review(session_id)

    # ------------------------------------------------------------------ closing

    def shutdown(self) -> None:
        """Wait for every background job, delete the windows in order, close the store last.

        Deleting explicitly (rather than leaving it to garbage collection) keeps Qt from
        touching half-destroyed widgets when several apps live in one process (tests)."""
        self.diagrams.stop()
        self.tasks.wait_all()
        if self.review is not None:
            self.review.shutdown()
        self.live.tasks.wait_all()
        self.live.mic_panel.shutdown()
        self.live.bridge.close()
        with contextlib.suppress(RuntimeError, TypeError):
            self.qapp.styleHints().colorSchemeChanged.disconnect(self._on_system_scheme)
        for window in self.windows():
            window.close()
            window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if self._owns_store:
            self.store.close()

    def windows(self) -> list[QWidget]:
        return [w for w in (self.live, self.review) if w is not None]
