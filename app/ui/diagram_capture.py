"""Capturing the candidate's diagram from the practice window: once, or every N seconds while a
region is watched. Owned by the composition root (``app.ui.application``).

The region is picked once (``RegionPicker``) and remembered; or a window is picked from the
list ``capture.windows`` gives (``WindowPickerDialog``), and each capture looks up where that
window is now, so watching follows it when it moves. Each capture grabs and reads on a
worker (``TaskRunner``): a grab is tens of milliseconds, reading ~0.5-1 s. At most one capture is
in flight; a timer tick that finds one running is skipped rather than queued. An unchanged
picture (``app.diagrams.ChangeFilter``) is not read again, so watching a still diagram costs a
thumbnail per tick and adds nothing to the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.diagrams import ChangeFilter, DiagramResult, read_if_new
from app.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from PIL.Image import Image

    from app.ui.live_window import LiveWindow
    from app.ui.region_picker import RegionPicker
    from app.ui.window_picker import WindowPickerDialog
    from capture.grab import Region
    from capture.windows import WindowInfo

log = logging.getLogger(__name__)

Grabber = Callable[[int | None, "Region"], "Image"]
WINDOW_SETTLE_MS = 150  # our windows hidden this long before a window is grabbed


def _list_windows() -> list[WindowInfo]:
    from capture.windows import list_windows

    return list_windows()


def _find_window(window_id: int) -> WindowInfo | None:
    from capture.windows import find_window

    return find_window(window_id)


def _grab(monitor: int | None, region: Region) -> Image:
    from capture.grab import grab

    return grab(monitor=monitor, region=region)


class DiagramCapturer(QObject):
    """Connects the Diagram tab's requests to the picker, the grabber and the reader."""

    def __init__(self, live: LiveWindow, tasks: TaskRunner,
                 monitor_setting: Callable[[], int | None] = lambda: None,
                 grabber: Grabber = _grab,
                 window_lister: Callable[[], list[WindowInfo]] = _list_windows,
                 window_finder: Callable[[int], WindowInfo | None] = _find_window) -> None:
        super().__init__(live)
        self.live = live
        self.tasks = tasks
        self.monitor_setting = monitor_setting  # read at each pick: Settings may change it
        self.monitor: int | None = None
        self.region: Region | None = None
        self.changes = ChangeFilter()
        self.grabber = grabber
        self.window_lister = window_lister
        self.window_finder = window_finder
        self.window: WindowInfo | None = None  # the picked window, when one was
        self.window_dialog: WindowPickerDialog | None = None  # the open or last one (tests)
        self._busy = False
        self._session_id: int | None = None  # the session the last capture was read for
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.capture_now)
        self.picker: RegionPicker | None = None  # the open or last picker (tests drive it)
        live.diagram_capture_requested.connect(self.pick_and_capture)
        live.diagram_watch_toggled.connect(self.watch)
        live.diagram_panel.window_capture_requested.connect(self.pick_window_and_capture)

    @property
    def watching(self) -> bool:
        return self._timer.isActive()

    def pick_and_capture(self) -> None:
        """Let the user pick the diagram's region, then read it (a manual capture always
        reads, even an unchanged picture: the user asked)."""
        self._pick(then=self._capture_picked)

    def pick_window_and_capture(self) -> None:
        """List the desktop's windows (off the GUI thread), let the user pick one, read it.
        Where the platform lists none (Wayland), say so and open the region picker."""
        self.tasks.submit(self.window_lister, on_done=self._offer_windows,
                          on_error=self._no_window_list, name="mockcoach-windows")

    def use_window(self, window: WindowInfo) -> None:
        """Capture this window from now on (its rectangle, looked up again at each capture)."""
        self.window, self.region, self.monitor = window, window.region, None
        self.changes.reset()

    def watch(self, on: bool, interval_s: int) -> None:
        """Start (picking a region first if none) or stop capturing every ``interval_s``."""
        if not on:
            self._timer.stop()
            self.live.diagram_panel.set_watching(False)
            return
        self._timer.setInterval(max(1, interval_s) * 1000)
        if self.region is None:
            self._pick(then=self._start_watch, cancelled=lambda: self.watch(False, interval_s))
        else:
            self._start_watch()

    def use_region(self, region: Region, monitor: int | None = None) -> None:
        """Set the region without the picker (tests; a region remembered elsewhere)."""
        self.region, self.monitor, self.window = region, monitor, None
        self.changes.reset()

    def capture_now(self, force: bool = False, image: Image | None = None) -> None:
        """Grab (unless ``image`` was grabbed already) and read the region off the GUI thread;
        skipped while a capture is in flight."""
        if self.region is None or self._busy:
            return
        self._busy = True
        if force or self.live.session_id != self._session_id:
            # a new session has none of the diagram yet: its first capture is always read
            self.changes.reset()
            self._session_id = self.live.session_id
        region, monitor, at_s = self.region, self.monitor, self.live.session_time()
        changes, grabber = self.changes, self.grabber
        window, finder = self.window, self.window_finder

        def work() -> DiagramResult | None:
            if image is not None:
                picture = image
            elif window is not None:  # where the window is now: it may have moved
                picture = grabber(None, _window_region(window, finder))
            else:
                picture = grabber(monitor, region)
            return read_if_new(picture, at_s, changes)

        self.tasks.submit(work, on_done=self._done, on_error=self._failed,
                          name="mockcoach-diagram")

    def stop(self) -> None:
        self._timer.stop()

    def _capture_picked(self) -> None:
        """Right after the pick our windows are still hidden: grab now, read off-thread."""
        assert self.region is not None
        try:
            image = self.grabber(self.monitor, self.region)
        except Exception as exc:
            log.exception("diagram grab failed")
            self._failed(exc)
            return
        self.capture_now(force=True, image=image)

    def _start_watch(self) -> None:
        self.live.diagram_panel.set_watching(True)
        self._timer.start()
        self.capture_now()

    def _pick(self, then: Callable[[], None], cancelled: Callable[[], None] | None = None) -> None:
        from app.ui.region_picker import RegionPicker

        monitor = self.monitor_setting()
        picker = RegionPicker(self.live, monitor=monitor)
        self.picker = picker

        def chosen(region: Region) -> None:
            self.use_region(region, monitor)
            then()

        picker.region_selected.connect(chosen)
        if cancelled is not None:
            picker.cancelled.connect(cancelled)
        picker.pick()

    def _offer_windows(self, windows: list[WindowInfo]) -> None:
        from app.ui.window_picker import WindowPickerDialog

        dialog = WindowPickerDialog(windows, self.live)
        self.window_dialog = dialog
        dialog.window_chosen.connect(self._window_chosen)
        dialog.region_requested.connect(self.pick_and_capture)
        dialog.open()

    def _no_window_list(self, error: BaseException) -> None:
        from capture.windows import WindowListUnavailable

        if not isinstance(error, WindowListUnavailable):
            self._failed(error)
            return
        self.live.banner.show_message(f"{error}", "info")
        self.pick_and_capture()

    def _window_chosen(self, window: WindowInfo) -> None:
        """Hide our own windows (one may cover the chosen one), let the screen repaint, grab,
        show them again, then read off the GUI thread."""
        self.use_window(window)
        app = QApplication.instance()
        hidden: list[QWidget] = [w for w in app.topLevelWidgets() if w.isVisible()] if isinstance(
            app, QApplication) else []
        for widget in hidden:
            widget.hide()

        def grab_then_restore() -> None:
            try:
                image = self.grabber(None, _window_region(window, self.window_finder))
            except Exception as exc:
                log.exception("window grab failed")
                image = None
                error: Exception | None = exc
            else:
                error = None
            for widget in hidden:
                widget.show()
            if error is not None:
                self._failed(error)
            else:
                self.capture_now(force=True, image=image)

        QTimer.singleShot(WINDOW_SETTLE_MS, grab_then_restore)

    def _done(self, result: DiagramResult | None) -> None:
        self._busy = False
        if result is None:
            self.live.diagram_panel.note_unchanged()
        else:
            self.live.attach_diagram(result)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        if self.watching:  # a failing watch would repeat the same error every few seconds
            self.watch(False, 0)
        self.live.banner.show_message(f"The diagram capture failed: {error}", "error")


def _window_region(window: WindowInfo, finder: Callable[[int], WindowInfo | None]) -> Region:
    """The window's rectangle now; a closed or hidden window is an error a person can act on."""
    from capture.grab import GrabError

    now = finder(window.id)
    if now is None:
        raise GrabError(f"The window “{window.title}” is closed or hidden: capture a window "
                        "again to pick another.")
    return now.region
