"""One pipeline: saving a replay or not cannot change what the tracker makes of the same audio.

Before the runner was split, ``replay --no-save`` wired transcriber and tracker by hand and fed
the tracker partials too, while the saved path fed only finals: the same recording could get
another phase timeline depending on a flag. Both now run ``app.runner.SessionRunner``; this runs
the real tiny.en model on a real recording both ways, through the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.app.sessions_support import PROMPT_TEXT

CLIP = Path(__file__).resolve().parents[1] / "data" / "spoken_pastebin_25s.flac"


def _replay(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["replay", *argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert isinstance(report, dict)
    return report


@pytest.mark.slow
def test_replay_json_is_the_same_saved_or_not(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT_TEXT, encoding="utf-8")
    saved = _replay(capsys, str(CLIP), "--prompt", str(prompt))
    unsaved = _replay(capsys, str(CLIP), "--prompt", str(prompt), "--no-save")
    for key in ("phases", "checklist", "requirements", "time_per_phase", "duration_s"):
        assert unsaved[key] == saved[key], key
    # not vacuous: the clip moves the tracker and addresses something
    assert saved["duration_s"] == pytest.approx(25.0, abs=0.1)
    checklist = saved["checklist"]
    requirements = saved["requirements"]
    assert isinstance(checklist, list) and isinstance(requirements, list)
    assert any(item["addressed"] for item in checklist + requirements)
    assert main(["sessions", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1  # only the first run was saved
