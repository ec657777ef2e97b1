"""The review window's Scorecard tab over a real store, offscreen: the dimensions, the reason
and the moments of a mock with known facts, the study list, and a moment that seeks the
transcript. The scorecard is computed off the GUI thread after the session is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import SessionStore
from app.ui.application import load_frameworks
from app.ui.review_window import ReviewWindow
from tests.app.test_debrief import _estimate_off, save, well_run


@pytest.fixture
def review(qtbot: QtBot, tmp_path: Path) -> ReviewWindow:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    frameworks, _errors = load_frameworks()
    window = ReviewWindow(store, Settings(tmp_path / "settings.ini"), frameworks)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return window


def test_the_scorecard_tab_shows_scores_reasons_moments_and_study(
    qtbot: QtBot, review: ReviewWindow,
) -> None:
    mock = well_run()
    _estimate_off(mock)
    sid = save(review.store, mock)
    review.reload()
    with qtbot.waitSignal(review.session_shown, timeout=60_000):
        review.open_session(sid)
    assert review.tabs.currentWidget() is review.scorecard  # the first thing a user sees
    qtbot.waitUntil(lambda: review.debrief is not None, timeout=60_000)
    text = review.scorecard.toPlainText()
    for label in ("Problem navigation", "Solution design", "Technical depth", "Communication",
                  "Study next", "Back-of-the-envelope estimation"):
        assert label in text
    assert "3/4" in text and "off by 10.3x" in text
    assert "Design a URL shortening service" in text  # the prompt to practise, by title
    # a moment is a link to the transcript
    review.scorecard.anchorClicked.emit(QUrl("t:367.67"))
    assert review.transcript.textCursor().block().text().find("10 million pastes") >= 0
