"""A revised utterance (the refine pass) replaces its live lines in place, without a scroll jump."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.ui.transcript_view import TranscriptView


def test_a_revision_replaces_its_lines_in_place(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("Let me clarify the requirements.", 0.0, 2.0)
    view.add_final("Find back", 5.0, 5.8)  # three live lines for one sentence
    view.add_final("the What would be requests per", 9.0, 11.0)
    view.add_final("second, rps for our system?", 14.0, 15.5)
    view.add_final("Then the API.", 20.0, 21.0)
    view.set_partial("and the data", 22.0)
    before = view.line_count
    view.revise("Fine, what would be the requests per second for our system?", 5.0, 16.0)
    assert view.line_count == before - 2
    assert view.line_texts() == [
        "Let me clarify the requirements.",
        "Fine, what would be the requests per second for our system?",
        "Then the API.",
    ]
    lines = view.plain_text().splitlines()
    assert lines[1].endswith("Fine, what would be the requests per second for our system?")
    assert lines[2].endswith("Then the API.") and lines[3].endswith("and the data")
    assert view.partial_text == "and the data", "the partial survives the edit"
    view.add_final("and the data model.", 22.0, 23.0)
    assert view.plain_text().count("and the data") == 1


def test_a_revision_keeps_the_scroll_position(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    for i in range(80):
        view.add_final(f"Line number {i} about sharding", i * 4.0, i * 4.0 + 1)
    bar = view._edit.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    view.scroll_by_user(-bar.maximum() // 2)
    held = bar.value()
    assert not view.following
    view.revise("Line number 79, revised", 316.0, 318.0)  # below the viewport
    assert bar.value() == held
    view.revise("Line number 20 about sharding, revised", 80.0, 82.0)  # above it, same height
    assert bar.value() == held
    assert "Line number 20 about sharding, revised" in view.line_texts()
    view.follow_live()
    view.revise("Line number 78 about sharding, revised", 312.0, 314.0)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert view.following


def test_a_revision_keeps_the_other_speakers_lines(qtbot: QtBot) -> None:
    """Practising with a partner: the candidate's revision spans the partner's short question;
    the question stays, and a candidate's words never join the partner's line."""
    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_final("so each paste gets", 0.0, 1.5)
    view.add_final("Interviewer: How long do they live?", 1.6, 3.0, speaker="interviewer")
    view.add_final("a key and a", 3.1, 4.0)
    assert view.line_texts() == ["so each paste gets", "Interviewer: How long do they live?",
                                 "a key and a"]
    view.revise("So each paste gets a key and a time to live.", 0.0, 6.0)
    assert view.line_texts() == ["So each paste gets a key and a time to live.",
                                 "Interviewer: How long do they live?"]
    view.revise("Interviewer: How long do pastes live?", 1.6, 3.0, speaker="interviewer")
    assert view.line_texts()[1] == "Interviewer: How long do pastes live?"
    assert view.line_count == 2
