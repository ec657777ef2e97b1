"""A whole mock through the REAL runner and store: live window → review window → export."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.store import SessionStore
from app.ui.application import Application
from capture.prompt import parse_prompt
from tests.ui.conftest import no_devices, read_utterances, transcript_runner_factory


def test_whole_mock_live_then_review_then_export(
    qtbot: QtBot, qapp, shared_data: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    utterances = read_utterances(shared_data / "transcripts" / "sdp_pastebin.jsonl", 600)
    app = Application(
        qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
        runner_factory=transcript_runner_factory(store, utterances, speed=60.0),
        device_lister=no_devices, offer_recovery=False,
    )
    live = app.live
    qtbot.addWidget(live)
    live.prompt_panel.set_prompt(
        parse_prompt((shared_data / "prompts" / "sdp_pastebin.txt").read_text()), "test")
    live.show()
    live.start_or_resume()
    # transcript appears
    qtbot.waitUntil(lambda: live.transcript.line_count >= 5, timeout=20_000)
    # a requirement gets ticked, the phase changes
    qtbot.waitUntil(lambda: live.coverage.counts("requirement")[0] >= 1, timeout=20_000)
    qtbot.waitUntil(lambda: live.phase_bar.current not in (None, "requirements"),
                    timeout=30_000)
    assert "→" in live.transcript.plain_text()  # the phrase that moved the phase is marked
    with qtbot.waitSignal(live.session_finished, timeout=30_000) as finished:
        live.stop()
    session_id = finished.args[0]
    assert live.status == "idle"
    shown_lines = live.transcript.line_count

    app.show_review(session_id)
    review = app.review
    qtbot.addWidget(review)
    qtbot.waitUntil(lambda: review.data is not None and review.data.session_id == session_id,
                    timeout=10_000)
    assert session_id in review.session_ids()
    assert len(review.data.lines) == shown_lines
    assert review.data.lines[0].text.strip() in live.transcript.plain_text()
    assert any(r.addressed for r in review.data.coverage if r.group == "requirement")
    assert len(review.data.spans) >= 2

    target = tmp_path / "report.html"
    with qtbot.waitSignal(review.exported, timeout=10_000):
        review.export("html", target)
    html = target.read_text(encoding="utf-8")
    assert "<svg" in html and utterances[0].text.split()[0] in html
    md = tmp_path / "report.md"
    with qtbot.waitSignal(review.exported, timeout=10_000):
        review.export("md", md)
    assert md.read_text(encoding="utf-8").startswith("#")
    review.close()
    live.close()
    app.shutdown()
