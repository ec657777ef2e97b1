"""The live window with a partner: the interviewer's lines are named, tick nothing, and the
saved session keeps who said what (the real runner, store and window; a paced transcript)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import SessionStore
from app.ui.application import Application
from capture.prompt import parse_prompt
from framework.types import Utterance
from tests.ui.conftest import no_devices, transcript_runner_factory

DIALOGUE = [
    Utterance("Can users upload a photo and share it with friends?", 0.5, 4.0,
              speaker="interviewer"),
    Utterance("Let me clarify the requirements first.", 5.0, 7.5),
    Utterance("Who are the users and how many do we expect?", 8.0, 11.0),
    Utterance("About ten million users a day.", 11.5, 13.5, speaker="interviewer"),
]


def test_the_interviewer_is_named_live_and_addresses_no_requirement(
    qtbot: QtBot, qapp: Any, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      runner_factory=transcript_runner_factory(store, DIALOGUE, speed=8.0),
                      device_lister=no_devices, offer_recovery=False)
    live = app.live
    live.prompt_panel.set_prompt(parse_prompt(
        "Design a photo sharing app\n- Users can upload a photo\n- Users share photos with "
        "friends"), "test")
    live.show()
    live.start_or_resume()
    qtbot.waitUntil(lambda: live.transcript.line_count >= 4, timeout=60_000)
    with qtbot.waitSignal(live.session_finished, timeout=60_000) as finished:
        live.stop()
    text = live.transcript.plain_text()
    assert "Interviewer: Can users upload a photo" in text
    assert "Interviewer: About ten million" in text
    assert "Interviewer: Let me clarify" not in text
    assert live.coverage.counts("requirement")[0] == 0  # only the interviewer said them
    record = store.load(finished.args[0])
    assert [s.speaker for s in record.segments] == [
        "interviewer", "candidate", "candidate", "interviewer"]
    assert record.session.report is not None
    assert record.session.report["signals"]["answers"]["questions"] == 1
    app.show_review(finished.args[0])
    review = app.review
    qtbot.waitUntil(lambda: review.data is not None, timeout=60_000)
    texts = [line.text for line in review.data.lines]
    assert texts[0].startswith("Interviewer: Can users upload")
    assert not texts[1].startswith("Interviewer:")
