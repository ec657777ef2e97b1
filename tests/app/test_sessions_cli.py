"""`mockcoach sessions ...`: the command-line contract (shapes, exit codes, messages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.store import PhaseChange, Segment, SessionStore

REPO = Path(__file__).resolve().parents[2]


def _seed() -> tuple[int, int]:
    with SessionStore() as store:
        old = store.create_session(title="Older mock", framework="system-design",
                                   started_at="2025-03-01T10:00:00+00:00").id
        new = store.create_session(title="Newer mock", framework="system-design",
                                   started_at="2025-03-02T10:00:00+00:00").id
        store.write_batch(new, segments=[Segment(0, 2, "we shard the paste table by key"),
                                         Segment(3, 5, "then add a cache")],
                          phase_changes=[(PhaseChange(0, "scaling"), 600.0)], duration_s=5)
        store.finish_session(new, duration_s=5.0)
        (store.session_dir(new) / "audio.wav").write_bytes(b"RIFF")
        store.set_audio_path(new, "audio.wav")
    return old, new


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_is_newest_first_with_the_contract_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _json(capsys, "sessions", "list", "--json") == []
    old, new = _seed()
    rows = _json(capsys, "sessions", "list", "--json")
    assert isinstance(rows, list) and [r["id"] for r in rows] == [new, old]
    for row in rows:
        assert {"id", "started_at", "title", "duration_s"} <= set(row)
    assert rows[0]["duration_s"] == 5.0 and rows[0]["title"] == "Newer mock"
    searched = _json(capsys, "sessions", "list", "--json", "--search", "shard")
    assert [r["id"] for r in searched] == [new]  # type: ignore[index]


def test_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "list"]) == 0
    assert "No saved sessions yet" in capsys.readouterr().out
    _seed()
    assert main(["sessions"]) == 0  # list is the default
    out, err = capsys.readouterr()
    assert out.index("Newer mock") < out.index("Older mock")
    assert "did not finish cleanly" in err  # the older one is still 'running'


def test_show_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    _, new = _seed()
    shown = _json(capsys, "sessions", "show", str(new), "--json")
    assert isinstance(shown, dict)
    assert {"id", "started_at", "title", "duration_s", "status", "audio_file", "segments",
            "phases", "phase_changes", "captures", "coverage", "nudges", "report"} <= set(shown)
    assert shown["segments"][0] == {"start": 0.0, "end": 2.0,
                                    "text": "we shard the paste table by key", "phase": "scaling"}
    assert shown["audio_file"].endswith(f"{new}/audio.wav")
    assert main(["sessions", "show", str(new)]) == 0
    assert "we shard the paste table by key" in capsys.readouterr().out


def test_export_to_stdout_and_to_a_file(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    _, new = _seed()
    assert main(["sessions", "export", str(new), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["text"] for x in lines] == ["we shard the paste table by key",
                                                      "then add a cache"]
    target = tmp_path / "report.html"
    assert main(["sessions", "export", str(new), "--format", "html", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text().startswith("<!DOCTYPE html>")
    for fmt in ("md", "srt", "vtt"):
        assert main(["sessions", "export", str(new), "--format", fmt]) == 0
        assert "shard" in capsys.readouterr().out


def test_delete_and_unknown_ids(capsys: pytest.CaptureFixture[str]) -> None:
    _, new = _seed()
    folder = Path(os.environ["MOCKCOACH_HOME"]) / "sessions" / str(new)
    assert folder.exists()
    assert main(["sessions", "delete", str(new)]) == 0
    assert not folder.exists()
    capsys.readouterr()
    assert main(["sessions", "show", str(new)]) == 1
    assert f"No session with id {new}" in capsys.readouterr().err
    assert main(["sessions", "export", "999", "--format", "md"]) == 1


def test_recover_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = _seed()
    recovered = _json(capsys, "sessions", "recover", "--json")
    assert [r["id"] for r in recovered] == [old]  # type: ignore[index]
    assert recovered[0]["status"] == "recovered"  # type: ignore[index]
    assert main(["sessions", "recover"]) == 0
    assert "Nothing to recover" in capsys.readouterr().out


def test_a_corrupt_database_is_reported_not_overwritten(
    capsys: pytest.CaptureFixture[str], private_home: Path
) -> None:
    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / "sessions.db").write_bytes(b"garbage" * 1000)
    assert main(["sessions", "list"]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "moved to" in err
    backups = list(private_home.glob("sessions.db.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes().startswith(b"garbage")
    assert main(["sessions", "list", "--json"]) == 0  # a fresh database from now on


def test_the_installed_command_prints_json(private_home: Path) -> None:
    _seed()
    out = subprocess.run([sys.executable, "-m", "app", "sessions", "list", "--json"],
                         cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert [r["title"] for r in json.loads(out.stdout)] == ["Newer mock", "Older mock"]


def test_replay_saves_a_session_whose_jsonl_export_replays_the_same(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.app.test_runner import read_utterances_local

    source = tmp_path / "mock.jsonl"
    source.write_text("".join(json.dumps({"start": u.start_s, "end": u.end_s, "text": u.text})
                              + "\n" for u in read_utterances_local()))
    first = _json(capsys, "replay", str(source), "--json")
    [saved] = _json(capsys, "sessions", "list", "--json")  # type: ignore[misc]
    exported = tmp_path / "exported.jsonl"
    assert main(["sessions", "export", str(saved["id"]), "--format", "jsonl",
                 "-o", str(exported)]) == 0
    capsys.readouterr()
    second = _json(capsys, "replay", str(exported), "--json", "--no-save")
    assert isinstance(first, dict) and isinstance(second, dict)
    assert second["phases"] == first["phases"]
    assert second["checklist"] == first["checklist"]
    shown = _json(capsys, "sessions", "show", str(saved["id"]), "--json")
    assert isinstance(shown, dict)
    # the timeline saved live matches the tracker's own report
    assert [p["phase"] for p in shown["phases"]] == [p["id"] for p in first["phases"]]


def test_the_commands_use_the_data_folder_chosen_in_settings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A user who moved their sessions in Settings sees the same sessions on the command line."""
    from app.settings import Key, Settings

    chosen = tmp_path / "elsewhere"
    settings = Settings()
    settings.set(Key.DATA_FOLDER, str(chosen))
    settings.sync()
    with Settings().open_store() as store:
        store.create_session(title="Moved mock", framework="system-design")
    rows = _json(capsys, "sessions", "list", "--json")
    assert [r["title"] for r in rows] == ["Moved mock"]  # type: ignore[index]
    assert (chosen / "sessions.db").is_file()
