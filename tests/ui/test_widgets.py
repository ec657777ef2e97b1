"""The live widgets, driven by plain values (no runner, no threads except the bridge test)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from app.settings import Key, Settings
from app.ui.bridge import RunnerBridge
from app.ui.coverage_panel import CoverageItem, CoveragePanel
from app.ui.live_widgets import CueCard, LagBadge, Nudge
from app.ui.phase_bar import PhaseBar, PhaseSpec, PhaseTime
from app.ui.transcript_view import TranscriptView


def test_settings_are_typed_and_persist(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    settings = Settings(path)
    assert settings.get_str(Key.MODEL) == "tiny.en"
    assert settings.round_length_min == 45
    settings.set(Key.DEFAULT_LENGTH_MIN, 60)
    settings.set(Key.THEME, "dark")
    settings.set(Key.LIVE_GEOMETRY, b"\x01\x02")
    settings.sync()
    again = Settings(path)
    assert again.round_length_min == 60
    assert again.theme == "dark"
    assert again.get_bytes(Key.LIVE_GEOMETRY) == b"\x01\x02"
    # bytes are stored as Qt's own byte array, not a pickled Python object (which runs Python
    # inside QSettings' lock and can deadlock when it frees another QSettings)
    assert "@ByteArray(" in path.read_text() and "PyObjectWrapper" not in path.read_text()
    with pytest.raises(TypeError):
        again.set(Key.DEFAULT_LENGTH_MIN, "sixty")
    with pytest.raises(TypeError):
        again.get_int(Key.MODEL)


def test_settings_fall_back_on_garbage(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text("[session]\ndefault_length_min=lots\n[appearance]\ntheme=purple\n")
    settings = Settings(path)
    assert settings.round_length_min == 45
    assert settings.theme == "system"


def test_transcript_partials_are_replaced_in_place(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("Let me clarify the requirements.", 0.0, 2.0)
    view.set_partial("who are the", 2.5)
    view.set_partial("who are the users", 2.5)
    text = view.plain_text()
    assert text.count("who are the") == 1
    assert view.partial_text == "who are the users"
    view.add_final("Who are the users?", 2.5, 4.0)
    assert view.partial_text == ""
    lines = view.plain_text().splitlines()
    assert len(lines) == 2 and lines[1].endswith("Who are the users?")
    assert view.line_count == 2


def test_transcript_marks_the_line_that_moved_the_phase(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("First line", 0.0, 1.0)
    view.add_final("Now let's do the high level design", 5.0, 8.0)
    assert view.mark(5.2, "→ High-level design")
    assert "→ High-level design" in view.plain_text().splitlines()[1]
    assert view.mark(5.2, "→ High-level design")  # idempotent
    assert view.plain_text().count("→ High-level design") == 1


def test_a_mark_made_before_any_line_goes_on_the_first_line(qtbot: QtBot) -> None:
    """A diagram captured before the first words are transcribed still shows in the transcript."""
    view = TranscriptView()
    qtbot.addWidget(view)
    assert not view.mark(3.0, "✎ diagram · 2 components")
    view.add_final("So the users post short texts", 4.0, 6.0)
    assert "✎ diagram · 2 components" in view.plain_text().splitlines()[0]
    view.add_final("and read them later.", 6.1, 7.0)
    assert view.plain_text().count("✎ diagram") == 1


def test_autoscroll_pauses_when_the_user_scrolls_up(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    for i in range(80):
        view.add_final(f"Line number {i} about sharding and caching", i * 2.0, i * 2.0 + 1)
    qtbot.waitUntil(lambda: view._edit.verticalScrollBar().maximum() > 0)
    bar = view._edit.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert view.following
    view.scroll_by_user(-bar.maximum() // 2)
    assert not view.following
    held = bar.value()
    view.add_final("A new line arrives", 200.0, 201.0)
    assert bar.value() == held
    view.follow_live()
    assert view.following
    view.add_final("And another", 202.0, 203.0)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def test_phase_bar_click_overrides_only_while_running(qtbot: QtBot) -> None:
    bar = PhaseBar()
    qtbot.addWidget(bar)
    bar.set_phases([PhaseSpec("req", "Requirements", 300), PhaseSpec("hld", "Design", 900)])
    bar.resize(600, bar.sizeHint().height())
    bar.show()
    bar.update_state("req", {"req": PhaseTime(280, "near")})
    target = bar.chip_rects()[1].center().toPoint()
    with qtbot.assertNotEmitted(bar.phase_clicked):
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=target)
    bar.set_interactive(True)
    with qtbot.waitSignal(bar.phase_clicked) as blocker:
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=target)
    assert blocker.args == ["hld"]
    assert bar.phase_at(QPoint(2, 5)) == "req"
    rects = bar.chip_rects()
    assert rects[1].width() > rects[0].width()  # the larger budget gets the wider chip


def test_coverage_lists_open_items_first(qtbot: QtBot) -> None:
    panel = CoveragePanel()
    qtbot.addWidget(panel)
    panel.set_items([
        CoverageItem("R1", "Users paste text", "functional", "requirement"),
        CoverageItem("R2", "High availability", "non_functional", "requirement"),
        CoverageItem("R3", "Accounts", "out_of_scope", "requirement"),
        CoverageItem("c1", "Estimate QPS", "checklist", "checklist", "Estimation"),
    ])
    assert panel.rows("requirement") == ["Users paste text", "High availability", "Accounts"]
    panel.set_addressed("R1", 65.0, "user pastes a block of text")
    assert panel.rows("requirement") == ["High availability", "Accounts", "Users paste text"]
    assert panel.counts("requirement") == (1, 3)
    assert panel.addressed()["R1"].at_s == 65.0


def test_cues_and_lag(qtbot: QtBot) -> None:
    card = CueCard()
    qtbot.addWidget(card)
    card.set_phase("Requirements", "Who are the users? What must it do?")
    assert "Who are the users" in card.template_text()
    for i in range(5):
        card.add_nudge(Nudge("over_budget", f"nudge {i}", float(i)))
    assert [n.text for n in card.nudges()] == ["nudge 2", "nudge 3", "nudge 4"]
    badge = LagBadge()
    qtbot.addWidget(badge)
    badge.set_lag(0.5)
    assert badge.isHidden()
    badge.set_lag(4.2)
    assert not badge.isHidden() and "4.2 s" in badge.text()


def test_bridge_delivers_worker_events_on_the_gui_thread(qtbot: QtBot) -> None:
    bridge = RunnerBridge()
    seen: list[tuple[object, bool]] = []
    gui = threading.current_thread()
    bridge.received.connect(lambda e: seen.append((e, threading.current_thread() is gui)))

    from app.runner_events import LevelUpdate

    def work() -> None:
        for i in range(200):
            bridge.listener(LevelUpdate(dbfs=-60.0, at_s=float(i)))
        bridge.listener("final")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: any(e == "final" for e, _ in seen))
    qtbot.waitUntil(lambda: any(isinstance(e, LevelUpdate) and e.at_s == 199 for e, _ in seen))
    assert all(on_gui for _, on_gui in seen)
    assert sum(isinstance(e, LevelUpdate) for e, _ in seen) < 200  # stale levels were dropped


def test_committed_fragments_join_into_sentences(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("user enters a", 6.0, 6.9, "requirements")
    view.set_partial("block of", 7.0)
    view.add_final("block", 7.0, 7.4, "requirements")
    view.add_final("of text and gets a link.", 7.5, 9.0, "requirements")
    view.add_final("the default", 10.0, 10.5, "requirements")  # after a full stop: new line
    view.add_final("estimate", 10.9, 11.2, "estimation")  # another phase: new line
    assert view.line_texts() == ["user enters a block of text and gets a link.", "the default",
                                 "estimate"]
    assert view.plain_text().splitlines()[0].endswith("gets a link.")


def test_words_join_before_the_tags_of_a_marked_line(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("user enters a block", 6.0, 6.9)
    assert view.mark(6.0, "✓ R1")
    view.add_final("of text", 7.0, 7.5)
    (line,) = view.plain_text().splitlines()
    assert line.endswith("user enters a block of text   ✓ R1")


def _format_at(view: TranscriptView, needle: str) -> Any:
    from PySide6.QtGui import QTextCursor

    doc = view._edit.document()
    cursor = QTextCursor(doc)
    cursor.setPosition(view.plain_text().index(needle) + 1)
    return cursor.charFormat()


def test_partials_are_grey_italic_and_continue_an_open_line(qtbot: QtBot) -> None:
    from app.ui.theme import colors

    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("user enters a", 6.0, 6.9)
    view.set_partial("block of text", 7.0)
    (line,) = view.plain_text().splitlines()  # the partial continues the open line
    assert line.endswith("user enters a block of text")
    partial = _format_at(view, "block of text")
    final = _format_at(view, "user enters")
    assert partial.fontItalic() and partial.foreground().color() == colors().partial
    assert not final.fontItalic() and final.foreground().color() == colors().text
    view.add_final("block of text.", 7.0, 7.8)
    view.set_partial("the next", 9.5)  # after a full stop: a line of its own
    first, second = view.plain_text().splitlines()
    assert first.endswith("user enters a block of text.") and second.endswith("the next")


def test_marking_keeps_the_partial_and_restyle_redraws_everything(
    qtbot: QtBot, qapp: Any
) -> None:
    from app.ui.theme import DARK, LIGHT, apply_theme, colors

    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("let's move on to the high level design", 60.0, 62.0)
    view.set_partial("with a load", 62.3)
    assert view.mark(60.0, "→ Design")
    text = view.plain_text()
    assert "→ Design" in text and text.endswith("with a load") and text.count("with a load") == 1
    view.add_final("with a load balancer", 62.3, 63.5)
    before = view.plain_text()
    try:
        apply_theme(qapp, "dark" if colors() is LIGHT else "light")
        view.restyle()
        assert view.plain_text() == before
        assert _format_at(view, "load balancer").foreground().color() == colors().text
    finally:
        apply_theme(qapp, "light")
    assert colors() is LIGHT and DARK.text != LIGHT.text


def test_switching_theme_redraws_the_live_window(qtbot: QtBot, qapp: Any, tmp_path: Path) -> None:
    from app.store import SessionStore
    from app.ui.application import Application
    from app.ui.theme import DARK, LIGHT, apply_theme, colors
    from tests.ui.conftest import no_devices

    apply_theme(qapp, "light")
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"),
                      store=SessionStore(tmp_path / "s.db", tmp_path / "sessions"),
                      device_lister=no_devices, offer_recovery=False)
    live = app.live
    live.show()
    live.transcript.add_final("we shard by user id", 1.0, 2.0)
    live.transcript.mark(1.0, "→ Deep dive")
    try:
        apply_theme(qapp, "dark")
        qtbot.waitUntil(lambda: _format_at(live.transcript, "shard").foreground().color()
                        == DARK.text, timeout=3000)
        assert colors() is DARK
        assert "→ Deep dive" in live.transcript.plain_text()
    finally:
        apply_theme(qapp, "light")
    qtbot.waitUntil(lambda: _format_at(live.transcript, "shard").foreground().color()
                    == LIGHT.text, timeout=3000)
    live.close()
    app.shutdown()
