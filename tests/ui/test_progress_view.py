"""The progress view (offscreen Qt over a real store) and the practice window's next prompt."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import SessionStore
from app.ui.application import Application, load_frameworks, load_library
from app.ui.progress_view import ProgressView
from app.ui.review_window import ReviewWindow
from app.ui.theme import apply_theme
from tests.progress_support import known_report, save_mock
from tests.ui.conftest import no_devices

NO_DEEP_DIVE = {"requirements": 420.0, "estimation": 200.0, "high_level": 1500.0,
                "deep_dive": 0.0}


def _seed(store: SessionStore, count: int) -> list[int]:
    """``count`` finished mocks; the third has no report (its figures are not measured), from
    the fourth on the deep dive is never reached."""
    ids = []
    for i in range(count):
        report = None if i == 2 else known_report(spent=NO_DEEP_DIVE if i >= 3 else None,
                                                  wpm=110.0 + 5 * i)
        ids.append(save_mock(store, f"Mock {i + 1}", f"2026-11-{i + 1:02d}T09:00:00+00:00",
                             report, coverage_pct=None if report is None else 50.0 + i))
    return ids


def test_the_view_plots_one_point_per_measured_mock(qtbot: QtBot, tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    ids = _seed(store, 7)
    view = ProgressView(store)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        view.reload()
    assert view.progress is not None and [s.id for s in view.progress.sessions] == ids
    coverage, wpm, hedges = view.chart("coverage"), view.chart("wpm"), view.chart("hedges")
    assert coverage is not None and wpm is not None and hedges is not None
    assert coverage.point_count() == 6  # seven mocks, one without a report
    assert wpm.point_count() == 6
    assert hedges.point_count() == 12  # hedges and trade-offs
    assert len(view.charts) >= 7
    # nothing was scored before: the first pass showed the plots, the second the scorecard's
    assert any(c.trend.id.startswith("score:") for c in view.charts)
    assert all(s.scores for s in view.progress.sessions if s.wpm is not None)
    assert "never reached the deep dive" in view.weaknesses.text()
    assert view.summary.text().startswith("7 mocks")
    # hovering a dot names the mock and its value
    first = view.progress.sessions[0]
    assert coverage.trend.series[0].values[0] == 50.0
    tip = coverage._tip_at(coverage._point(0, 50.0))
    assert tip.startswith(f"#{first.id} ") and "Mock 1" in tip and "coverage: 50%" in tip
    assert coverage._tip_at(coverage._point(0, 50.0) + QPointF(0, 40)) == ""
    # the painted chart shows the dots: the plot differs from an empty chart's
    image = coverage.grab().toImage()
    accent = {image.pixelColor(x, y).name() for x in range(image.width())
              for y in range(image.height())}
    from app.ui.theme import colors

    assert colors().accent.name() in accent
    view.shutdown()
    store.close()


def test_no_sessions_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    view = ProgressView(store)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        view.reload()
    assert view.charts == [] and "No saved mocks yet" in view.summary.text()
    view.shutdown()
    store.close()


def test_review_window_opens_the_view_in_light_and_dark(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    _seed(store, 4)
    frameworks, _ = load_frameworks()
    review = ReviewWindow(store, Settings(tmp_path / "settings.ini"), frameworks)
    qtbot.addWidget(review)
    review.show()
    try:
        for theme in ("dark", "light"):
            apply_theme(qapp, theme)
            review.btn_progress.click()
            view = review.progress_view
            assert view is not None
            qtbot.waitUntil(lambda v=view: v.progress is not None
                            and len(v.progress.sessions) == 4, timeout=60_000)
            assert view.isVisible()
            shot = view.grab().toImage()
            background = shot.pixelColor(5, shot.height() - 5).lightness()
            assert (background < 128) == (theme == "dark")
            view.progress = None
    finally:
        apply_theme(qapp, "light")
        review.shutdown()
        store.close()


def test_the_practice_window_offers_the_next_prompt(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    library, _ = load_library()
    practised = library[0]
    save_mock(store, practised.title, "2026-11-01T09:00:00+00:00", known_report())
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      device_lister=no_devices, offer_recovery=False)
    hint = app.live.setup.next_hint
    try:
        app.show()
        qtbot.waitUntil(hint.isVisible, timeout=60_000)
        suggested = hint.prompt_id
        assert suggested and suggested != practised.id
        assert suggested in {e.id for e in library}
        hint.take.click()
        qtbot.waitUntil(lambda: app.live.prompt_panel.prompt().title
                        == next(e.title for e in library if e.id == suggested), timeout=60_000)
        assert app.live.setup.library_combo.currentData() == suggested
        assert not hint.isVisible()
        hint.offer("chat", "Design chat", "why not")
        hint.close_button.click()
        assert not hint.isVisible() and hint.prompt_id is None
    finally:
        app.live.close()
        app.shutdown()
        store.close()


def test_practise_it_from_the_progress_view_picks_the_prompt_in_the_practice_window(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    _seed(store, 3)
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      device_lister=no_devices, offer_recovery=False)
    try:
        app.show_review()
        assert app.review is not None
        app.review.btn_progress.click()
        view = app.review.progress_view
        assert view is not None
        qtbot.waitUntil(lambda: view.progress is not None and bool(view.progress.next_prompt),
                        timeout=60_000)
        assert "Practise it" in view.next_prompt.text()
        wanted = view.progress.next_prompt
        view.next_prompt.linkActivated.emit("practise")
        assert app.live.setup.library_combo.currentData() == wanted
        assert app.live.setup.source() == "library"
        assert app.live.tabs.currentIndex() == 0
    finally:
        app.live.close()
        app.shutdown()
        store.close()
