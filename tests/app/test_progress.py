"""`mockcoach progress`: real SQLite sessions with known facts -> figures, weaknesses, the JSON
contract, the self-contained HTML page, the saved summaries and an old store."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.progress import choose_next_prompt, library_index, load_progress
from app.store import SessionStore
from app.store.db import LATEST_VERSION, schema_sql
from tests.conftest import SHARED_DATA
from tests.progress_support import known_report, save_mock

NO_DEEP_DIVE = {"requirements": 420.0, "estimation": 200.0, "high_level": 1500.0,
                "deep_dive": 0.0}
CONTRACT = {"id", "started_at", "title", "coverage_pct", "over_budget_phases", "deep_dive_s",
            "wpm", "fillers_per_min", "hedges", "tradeoffs", "scores"}


def _seed(store: SessionStore) -> list[int]:
    """Five finished mocks, oldest first; 1, 2 and 4 never reached the deep dive (and ran over
    on requirements); one more still running (not shown)."""
    ids = []
    for day in range(1, 6):
        bad = day in (1, 2, 4)
        report = known_report(spent=NO_DEEP_DIVE if bad else None,
                              open_items=[("non_functional", "Non-functional requirements")]
                              if day != 5 else [],
                              hedges=7 if bad else 1, tradeoffs=3, checks=2,
                              flagged=1 if day == 4 else 0)
        ids.append(save_mock(store, f"Mock day {day}", f"2026-11-0{day}T09:00:00+00:00",
                             report, coverage_pct=40.0 + 10 * day))
    store.create_session(title="Being recorded", started_at="2026-11-06T09:00:00+00:00")
    return ids


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["progress", *argv]) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, dict)
    return out


def test_known_facts_become_figures_and_weaknesses() -> None:
    with SessionStore() as store:
        ids = _seed(store)
        progress = load_progress(store, library=[("chat", "Design chat")])
    assert [s.id for s in progress.sessions] == ids  # oldest first, the running one left out
    first = progress.sessions[0]
    assert first.deep_dive_s == 0.0 and first.over_budget == ("requirements", "high_level")
    assert first.coverage_pct == 50.0 and first.hedges == 7
    assert progress.sessions[3].estimation_errors == 1
    weak = {w.kind: w for w in progress.weaknesses}
    assert weak["deep_dive"].text == "3 of your last 5 mocks never reached the deep dive"
    assert list(weak["deep_dive"].sessions) == [ids[0], ids[1], ids[3]]
    assert weak["over_budget:requirements"].text == (
        "Requirements ran over its budget in 3 of your last 5 mocks")
    assert weak["open_item:non_functional"].text == (
        "“Non-functional requirements” was never addressed in 4 of your last 5 mocks")
    assert weak["hedging"].sessions == (ids[0], ids[1], ids[3])
    assert "estimation" not in weak  # one mock is not a pattern
    # the newest mock's study list names a library prompt to practise, with its title and why
    assert progress.next_prompt in dict(library_index())
    assert progress.next_prompt_title == dict(library_index())[progress.next_prompt]
    assert progress.next_prompt_why.startswith("to study ")


def test_without_a_study_list_the_least_practised_prompt_is_next() -> None:
    library = [("chat", "Design chat"), ("pastebin", "Design Pastebin")]
    with SessionStore() as store:
        save_mock(store, "Design chat", "2026-11-01T09:00:00+00:00", known_report())
        everything = store.list_sessions()
        assert choose_next_prompt(store, library, everything, {}, everything) == (
            "pastebin", "Design Pastebin", "a prompt you have not practised yet")
        save_mock(store, "Design Pastebin", "2026-11-02T09:00:00+00:00", known_report())
        everything = store.list_sessions()
        assert choose_next_prompt(store, library, everything, {}, everything) == (
            "chat", "Design chat", "practised longest ago")
        assert choose_next_prompt(store, library, [], {}, everything) == (None, "", "")


def test_cli_json_contract_oldest_first(capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore() as store:
        ids = _seed(store)
    out = _json(capsys, "--json")
    assert set(out) == {"sessions", "weaknesses", "next_prompt"}
    assert [s["id"] for s in out["sessions"]] == ids
    for row in out["sessions"]:
        assert set(row) >= CONTRACT
        assert isinstance(row["scores"], dict)
        assert all(isinstance(v, int) and 1 <= v <= 4 for v in row["scores"].values())
    assert out["sessions"][0]["over_budget_phases"] == 2
    assert out["sessions"][0]["deep_dive_s"] == 0.0
    assert out["sessions"][2]["deep_dive_s"] == 600.0
    for w in out["weaknesses"]:
        assert set(w) == {"text", "sessions"} and set(w["sessions"]) <= set(ids)
    assert isinstance(out["next_prompt"], str)
    assert main(["prompts", "show", out["next_prompt"]]) == 0  # a library id
    capsys.readouterr()
    last = _json(capsys, "--json", "--last", "2")
    assert [s["id"] for s in last["sessions"]] == ids[-2:]


def test_no_sessions_is_a_clear_message_and_empty_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["progress"]) == 0
    assert "No saved mocks yet" in capsys.readouterr().out
    assert _json(capsys, "--json") == {"sessions": [], "weaknesses": [], "next_prompt": None}


def test_bad_last_is_refused_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["progress", "--last", "0"])
    assert exc.value.code == 2
    assert "whole number of mocks" in capsys.readouterr().err


def test_text_output_reads_in_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore() as store:
        ids = _seed(store)
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "Progress over 5 mocks (oldest first)" in out
    assert out.index("Mock day 1") < out.index("Mock day 5")
    assert f"3 of your last 5 mocks never reached the deep dive (#{ids[0]}, #{ids[1]}, " \
           f"#{ids[3]})" in out
    assert "Coverage" in out and "50% → 90%" in out
    assert "Practise next:" in out


def test_html_page_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SessionStore() as store:
        _seed(store)
    page = tmp_path / "progress.html"
    assert main(["progress", "--html", "-o", str(page)]) == 0
    assert "Wrote" in capsys.readouterr().err
    html = page.read_text(encoding="utf-8")
    assert "http" not in html.lower()  # no URL at all, not even an SVG namespace
    assert not re.search(r"<script|<link|src=|url\(", html, re.IGNORECASE)
    assert html.count("<svg") >= 7  # one small plot per trend
    assert html.count("<circle") >= 5 * 7
    assert "never reached the deep dive" in html
    assert main(["progress", "--html", "-o", str(tmp_path / "missing" / "p.html")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_summaries_are_kept_and_recomputed_when_the_session_changes() -> None:
    pytest.importorskip("app.debrief")
    with SessionStore() as store:
        ids = _seed(store)
        first = load_progress(store, library=[])
        assert all(s.scores for s in first.sessions)  # the scorecard measured something
        rows = store._conn.execute("SELECT session_id, session_key FROM session_summaries"
                                   ).fetchall()
        assert sorted(r[0] for r in rows) == ids
        store.finish_session(ids[0], duration_s=999.0, status="recovered",
                             report=known_report())
        assert load_progress(store, library=[]).sessions[0].deep_dive_s == 600.0
        key = store._conn.execute("SELECT session_key FROM session_summaries WHERE "
                                  "session_id = ?", (ids[0],)).fetchone()[0]
        assert key.endswith("|999.000")
        store.delete_session(ids[1])
        assert store._conn.execute("SELECT count(*) FROM session_summaries WHERE "
                                   "session_id = ?", (ids[1],)).fetchone()[0] == 0


def test_the_quick_pass_scores_only_the_newest_mock() -> None:
    with SessionStore() as store:
        ids = _seed(store)
        quick = load_progress(store, library=[], score_missing=False)
        assert [bool(s.scores) for s in quick.sessions] == [False] * 4 + [True]
        assert [bool(s.scores) for s in load_progress(store, library=[]).sessions] == [True] * 5
        assert len(ids) == 5


def test_a_store_from_before_summaries_is_migrated_and_read(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(f"BEGIN;\n{schema_sql()}\nPRAGMA user_version = 1;\nCOMMIT;")
    conn.execute("ALTER TABLE sessions ADD COLUMN coverage_pct REAL")
    conn.execute("ALTER TABLE sessions ADD COLUMN report_json TEXT")
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO sessions (started_at, title, status, duration_s, coverage_pct, "
                 "report_json) VALUES (?, ?, 'finished', 1540, 66.7, ?)",
                 ("2026-10-01T09:00:00+00:00", "An old mock", json.dumps(known_report())))
    conn.close()
    with SessionStore(path, tmp_path / "files") as store:
        assert store._conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        progress = load_progress(store, library=[])
    (old,) = progress.sessions
    assert old.title == "An old mock" and old.coverage_pct == 66.7 and old.wpm == 130.0


def test_replayed_mocks_show_the_trackers_own_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """End to end: two walkthroughs through the real tracker, saved, then progress."""
    walks = [SHARED_DATA / "transcripts" / f"{n}.jsonl" for n in ("sdp_pastebin", "sdp_mint")]
    if not all(w.exists() for w in walks):
        pytest.skip("needs ../shared/data/transcripts")
    for walk in walks:
        assert main(["replay", str(walk)]) == 0
    capsys.readouterr()
    out = _json(capsys, "--json")
    assert len(out["sessions"]) == 2
    for row in out["sessions"]:
        assert main(["sessions", "show", str(row["id"]), "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        signals = shown["report"]["signals"]
        assert row["wpm"] == pytest.approx(signals["wpm"])
        assert row["hedges"] == signals["hedges"] and row["tradeoffs"] == signals["tradeoffs"]
        assert row["coverage_pct"] == pytest.approx(shown["coverage_pct"], abs=0.05)
        assert row["deep_dive_s"] == pytest.approx(shown["report"]["time_per_phase"]["deep_dive"],
                                                   abs=0.05)


def test_a_mock_the_scorecard_cannot_read_keeps_its_other_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.debrief

    real = app.debrief.session_debrief
    calls: list[int] = []

    def flaky(store: SessionStore, session_id: int, **kw: object) -> object:
        calls.append(session_id)
        if session_id == broken:
            raise ValueError("unreadable")
        return real(store, session_id, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(app.debrief, "session_debrief", flaky)
    with SessionStore() as store:
        ids = _seed(store)
        broken = ids[2]
        progress = load_progress(store, library=[])
        row = next(s for s in progress.sessions if s.id == broken)
        assert row.scores == {} and row.wpm == 130.0 and row.deep_dive_s == 600.0
        assert all(s.scores for s in progress.sessions if s.id != broken)
        calls.clear()
        load_progress(store, library=[])
        assert calls == []  # kept as "no scores", not retried on every read


def test_a_page_of_many_mocks_draws_faint_dots_under_a_rolling_mean() -> None:
    from app.progress_html import progress_html
    from framework.progress import MockFacts, build_progress

    few = build_progress([MockFacts(i, "2026-11-01T09:00:00+00:00", "m", 50.0, known_report())
                          for i in range(1, 6)])
    many = build_progress([MockFacts(i, "2026-11-01T09:00:00+00:00", "m", 50.0, known_report())
                           for i in range(1, 41)])
    assert 'opacity="0.45"' not in progress_html(few)
    page = progress_html(many)
    assert page.count('r="1.6" opacity="0.45"') >= 40 * 7
    assert "http" not in page
