"""Capture a prompt off a real X screen through the live window's Capture button."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.mark.integration
def test_capture_button_reads_the_prompt_on_screen(
    xvfb_display: str, shared_data: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "MOCKCOACH_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_capture",
         str(shared_data / "prompts" / "sdp_pastebin.txt")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = json.loads((shared_data / "prompts" / "sdp_pastebin.json").read_text())
    assert result["title"].startswith("Design Pastebin")
    assert result["source"].startswith("Captured")
    assert result["visible_again"]  # our windows stepped aside and came back
    wanted = [text for key in ("functional", "non_functional", "out_of_scope")
              for text in expected.get(key, [])]
    found = set(result["requirements"])
    assert len(wanted) >= 10
    assert sum(w in found for w in wanted) >= 0.8 * len(wanted), result["requirements"]
