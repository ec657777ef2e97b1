"""`mockcoach replay --prompt X` names the saved session after the prompt (issue 14 part 5).

Through the real CLI and the real SQLite store: the title a user sees in `sessions list`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from app.cli import main
from app.runner import session_title
from capture.prompt import parse_prompt

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PROMPT = """Design a paste sharing service

Functional requirements
- Users paste a block of text and get a link
- Links expire after a set time
"""


def _mock(tmp_path: Path) -> Path:
    from tests.app.test_runner import read_utterances_local

    source = tmp_path / "mock.jsonl"
    source.write_text("".join(json.dumps({"start": u.start_s, "end": u.end_s, "text": u.text})
                              + "\n" for u in read_utterances_local()[:4]), encoding="utf-8")
    return source


def _titles(capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["sessions", "list", "--json"]) == 0
    return [str(row["title"]) for row in json.loads(capsys.readouterr().out)]


def test_a_text_prompt_names_the_session(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT, encoding="utf-8")
    assert main(["replay", str(_mock(tmp_path)), "--prompt", str(prompt), "--json"]) == 0
    assert _titles(capsys) == ["Design a paste sharing service"]


def test_without_a_prompt_the_file_names_the_session(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    assert main(["replay", str(_mock(tmp_path)), "--json"]) == 0
    assert _titles(capsys) == ["Replay of mock.jsonl"]


@pytest.mark.slow
def test_a_prompt_screenshot_names_the_session(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    """Real Tesseract on a rendered prompt: the OCR'd title, not the file name."""
    font = ImageFont.truetype(FONT, 18)
    image = Image.new("RGB", (900, 200), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(PROMPT.splitlines()):
        draw.text((30, 20 + row * 30), line, fill="#202124", font=font)
    shot = tmp_path / "prompt.png"
    image.save(shot)
    assert main(["replay", str(_mock(tmp_path)), "--prompt", str(shot), "--json"]) == 0
    assert _titles(capsys) == ["Design a paste sharing service"]


def test_the_title_rule() -> None:
    prompt = parse_prompt(PROMPT)
    assert session_title(None, prompt, "Replay of a.wav") == "Design a paste sharing service"
    assert session_title("Mine", prompt, "Replay of a.wav") == "Mine"
    assert session_title(None, parse_prompt(""), "Replay of a.wav") == "Replay of a.wav"
    assert session_title(None, None, None) == "Mock interview"
