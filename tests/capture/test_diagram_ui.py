"""The diagram in the practice window, with the real app (Qt offscreen), runner, store, tracker
and Tesseract. Only the screen grab is replaced (an offscreen Qt has no screen to grab): it
returns rendered diagrams, the way mss returns the pixels of the picked region."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import SessionStore
from app.ui.application import Application
from capture.grab import Region
from capture.windows import WindowInfo
from framework.types import Utterance
from tests.ui.conftest import no_devices, transcript_runner_factory

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _board(*labels: str, dark: bool = False) -> Image.Image:
    ink, page, fill = ((230, 230, 230), (30, 30, 30), (29, 41, 59)) if dark else (
        (0, 0, 0), (255, 255, 255), (255, 242, 204))
    image = Image.new("RGB", (1200, 360), page)
    draw = ImageDraw.Draw(image)
    for n, text in enumerate(labels):
        x = 40 + n * 280
        draw.rectangle((x, 140, x + 190, 200), outline=ink, width=2, fill=fill)
        draw.text((x + 24, 160), text, font=ImageFont.truetype(SANS, 15), fill=ink)
    return image


class Screen:
    """What the grabber returns next; counts grabs (they happen on the worker thread)."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image
        self.grabs = 0
        self.lock = threading.Lock()

    def grab(self, monitor: int | None, region: Region) -> Image.Image:
        with self.lock:
            self.grabs += 1
            return self.image.copy()


def _slow_talk() -> list[Utterance]:
    """A mock that lasts long enough to capture during it (the runner paces it)."""
    words = ["we", "serve", "the", "feed", "from", "the", "feed", "service", "and", "cache",
             "hot", "timelines"]
    return [Utterance(" ".join(words[i % 6: i % 6 + 6]), i * 2.0, i * 2.0 + 1.5)
            for i in range(60)]


def _app(qapp: Any, tmp_path: Path) -> tuple[Application, SessionStore]:
    """The real app over a fresh store; Start replays ``_slow_talk`` through the real runner,
    and the practice window is shown."""
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      runner_factory=transcript_runner_factory(store, _slow_talk(), speed=4.0),
                      device_lister=no_devices, offer_recovery=False)
    app.live.show()
    return app, store


def test_capture_watch_and_review_a_diagram(qtbot: QtBot, qapp: Any, tmp_path: Path) -> None:
    app, store = _app(qapp, tmp_path)
    live = app.live
    screen = Screen(_board("Load Balancer", "Redis Cache", "Feed Service"))
    app.diagrams.grabber = screen.grab
    app.diagrams.use_region(Region(0, 0, 1200, 360))
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.status == "running", timeout=60_000)

    app.diagrams.capture_now(force=True)
    qtbot.waitUntil(lambda: "cache" in live.diagram_panel.shown_components(), timeout=60_000)
    # the runner saved it and the tracker ticked the drawn items, shown as drawn
    qtbot.waitUntil(lambda: "cache" in live.coverage.addressed(), timeout=60_000)
    assert live.coverage.addressed()["cache"].source == "diagram"
    # the transcript's mark comes by its own queued signal: wait for it too (under load it
    # can land after the coverage row)
    qtbot.waitUntil(lambda: "✎ diagram · 3 components" in live.transcript.plain_text(),
                    timeout=60_000)

    # watching: the same picture is grabbed again but adds nothing ...
    app.diagrams.capture_now()
    qtbot.waitUntil(lambda: "unchanged" in live.diagram_panel.status.text(), timeout=60_000)
    # ... a changed one is read and saved
    screen.image = _board("Load Balancer", "Redis Cache", "Kafka", dark=True)
    app.diagrams.capture_now()
    qtbot.waitUntil(lambda: "stream" in live.diagram_panel.shown_components(), timeout=60_000)
    assert screen.grabs == 3
    # Stop at once: the diagram still being saved is waited for, its evidence kept
    with qtbot.waitSignal(live.session_finished, timeout=60_000) as finished:
        live.stop()
    session_id = finished.args[0]
    record = store.load(session_id)
    assert len(record.diagrams) == 2  # the unchanged capture was not saved
    assert [c for c in record.diagrams[1].components] == ["load_balancer", "cache", "stream"]
    drawn = {c.item_id for c in record.coverage if c.source == "diagram"}
    assert {"cache", "queue"} <= drawn

    app.show_review(session_id)
    review = app.review
    assert review is not None
    qtbot.waitUntil(lambda: review.data is not None and review.data.session_id == session_id,
                    timeout=60_000)
    assert len(review.data.diagrams) == 2
    assert review.data.diagram_summary is not None
    assert "Stream / log" in review.data.diagram_summary.drawn_not_explained()
    assert all(view.thumbnail.startswith(b"\x89PNG") for view in review.data.diagrams)
    review.tabs.setCurrentWidget(review.diagram_view)
    shown = review.diagram_view.toPlainText()
    assert "Drawn but not explained:" in shown and "Stream / log (“Kafka”)" in shown
    target = tmp_path / "report.html"
    with qtbot.waitSignal(review.exported, timeout=60_000):
        review.export("html", target)
    page = target.read_text(encoding="utf-8")
    assert page.count("src='data:image/png;base64,") == 2
    assert "Drawn but not explained" in page and "✎" in page
    review.close()
    live.close()
    app.shutdown()


def test_watching_a_region_reads_on_the_timer_and_skips_an_unchanged_picture(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    app, store = _app(qapp, tmp_path)
    live = app.live
    screen = Screen(_board("API Gateway", "Postgres"))
    app.diagrams.grabber = screen.grab
    app.diagrams.use_region(Region(0, 0, 1200, 360))
    live.diagram_panel.interval.setValue(5)
    app.diagrams.watch(True, 1)  # what the Watch button asks, at a test-friendly pace
    assert app.diagrams.watching and live.diagram_panel.watch_button.isChecked()
    qtbot.waitUntil(lambda: "sql_db" in live.diagram_panel.shown_components(), timeout=60_000)
    qtbot.waitUntil(lambda: "unchanged ×2" in live.diagram_panel.status.text(), timeout=60_000)
    live.diagram_panel.watch_button.setChecked(False)  # the user turns it off
    assert not app.diagrams.watching
    assert live.diagram_panel.interval.isEnabled()
    qtbot.waitUntil(lambda: not app.tasks.busy, timeout=60_000)
    assert screen.grabs >= 3
    assert store.list_sessions() == []  # no session running: nothing was saved
    live.close()
    app.shutdown()


def test_the_toolbar_action_picks_a_region_and_reads_it(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    from PySide6.QtCore import QPoint, Qt

    app, _ = _app(qapp, tmp_path)
    live = app.live
    screen = Screen(_board("Nginx", "Memcached"))
    app.diagrams.grabber = screen.grab
    # Watch with no region yet opens the picker; Esc there turns the watch off again
    live.diagram_panel.watch_button.setChecked(True)
    picker = app.diagrams.picker
    assert picker is not None and picker.active
    qtbot.keyClick(picker.overlays[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not live.diagram_panel.watch_button.isChecked(), timeout=60_000)
    assert not app.diagrams.watching and screen.grabs == 0
    # the toolbar action: drag a rectangle, the region is grabbed at once and read
    live.act_diagram.trigger()
    picker = app.diagrams.picker
    assert picker is not None
    overlay = picker.overlays[0]
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseMove(overlay, pos=QPoint(300, 200))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(610, 370))
    qtbot.waitUntil(lambda: "cache" in live.diagram_panel.shown_components(), timeout=60_000)
    assert screen.grabs == 1
    assert app.diagrams.region is not None and app.diagrams.region.width == 600
    qtbot.waitUntil(live.isVisible, timeout=60_000)
    qtbot.waitUntil(lambda: not app.tasks.busy, timeout=60_000)
    live.close()
    app.shutdown()


def test_a_watch_started_before_the_mock_saves_the_diagram_once_the_mock_starts(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    app, store = _app(qapp, tmp_path)
    live = app.live
    screen = Screen(_board("CDN", "Kafka"))
    app.diagrams.grabber = screen.grab
    app.diagrams.use_region(Region(0, 0, 1200, 360))
    app.diagrams.capture_now()  # read before Start: shown, nothing to save it in
    qtbot.waitUntil(lambda: "stream" in live.diagram_panel.shown_components(), timeout=60_000)
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.status == "running", timeout=60_000)
    app.diagrams.capture_now()  # the same picture, but the new session has no diagram yet
    qtbot.waitUntil(lambda: "queue" in live.coverage.addressed(), timeout=60_000)
    qtbot.waitUntil(lambda: not app.tasks.busy and not live.tasks.busy, timeout=60_000)
    with qtbot.waitSignal(live.session_finished, timeout=60_000) as finished:
        live.stop()
    assert len(store.load(finished.args[0]).diagrams) == 1
    live.close()
    app.shutdown()


def _window(title: str, x: int = 0, y: int = 0) -> WindowInfo:
    return WindowInfo(7, title, Region(x, y, 1200, 360))


def test_capture_window_lists_windows_reads_the_chosen_one_and_follows_it(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    app, _ = _app(qapp, tmp_path)
    live = app.live
    screen = Screen(_board("Kafka", "Cassandra"))
    grabbed: list[Region] = []

    def grab(monitor: int | None, region: Region) -> Image.Image:
        grabbed.append(region)
        return screen.grab(monitor, region)

    where = {"now": _window("Board - draw.io", 0, 0)}
    app.diagrams.grabber = grab
    app.diagrams.window_lister = lambda: [where["now"], _window("Terminal")]
    app.diagrams.window_finder = lambda wid: where["now"] if where["now"].id == wid else None
    live.diagram_panel.window_button.click()
    qtbot.waitUntil(lambda: app.diagrams.window_dialog is not None
                    and app.diagrams.window_dialog.isVisible(), timeout=60_000)
    dialog = app.diagrams.window_dialog
    assert dialog is not None and dialog.list.count() == 2
    assert dialog.list.item(0).text() == "Board - draw.io (1200×360)"
    dialog.choose(0)
    qtbot.waitUntil(lambda: "stream" in live.diagram_panel.shown_components(), timeout=60_000)
    assert grabbed == [Region(0, 0, 1200, 360)]
    qtbot.waitUntil(live.isVisible, timeout=60_000)  # hidden for the grab, shown again
    # the window moved: the next capture grabs it where it is now
    where["now"] = _window("Board - draw.io", 300, 200)
    qtbot.waitUntil(lambda: not app.tasks.busy, timeout=60_000)
    app.diagrams.capture_now(force=True)
    qtbot.waitUntil(lambda: len(grabbed) == 2, timeout=60_000)
    assert grabbed[-1] == Region(300, 200, 1200, 360)
    # closed: a message a person can act on, nothing read
    where["now"] = WindowInfo(8, "Another", Region(0, 0, 900, 900))
    qtbot.waitUntil(lambda: not app.tasks.busy, timeout=60_000)
    app.diagrams.capture_now(force=True)
    qtbot.waitUntil(lambda: "is closed or hidden" in live.banner.text(), timeout=60_000)
    qtbot.waitUntil(lambda: not app.tasks.busy, timeout=60_000)
    live.close()
    app.shutdown()


def test_no_window_list_says_why_and_opens_the_region_picker(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt

    from capture.windows import WindowListUnavailable

    app, _ = _app(qapp, tmp_path)
    live = app.live

    def no_list() -> list[Any]:
        raise WindowListUnavailable("Wayland does not let one app see another's windows")

    app.diagrams.window_lister = no_list
    live.diagram_panel.window_button.click()
    qtbot.waitUntil(lambda: app.diagrams.picker is not None and app.diagrams.picker.active,
                    timeout=60_000)
    picker = app.diagrams.picker
    assert picker is not None
    qtbot.keyClick(picker.overlays[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(live.isVisible, timeout=60_000)
    assert "Wayland" in live.banner.text()  # shown once the picker gave the window back
    live.close()
    app.shutdown()
