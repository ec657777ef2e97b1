"""`mockcoach ocr` and `mockcoach prompts`, run through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from app.cli import main


def test_prompts_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prompts", "list"]) == 0
    listing = capsys.readouterr().out
    assert "rate-limiter" in listing and "Design a distributed rate limiter" in listing
    assert main(["prompts", "show", "rate-limiter", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == "rate-limiter"
    kinds = {r["kind"] for r in shown["requirements"]}
    assert kinds == {"functional", "non_functional", "scale", "out_of_scope"}
    assert main(["prompts", "show", "rate-limiter"]) == 0
    assert "Non-functional" in capsys.readouterr().out
    assert main(["prompts", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) >= 20


def test_prompts_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prompts", "show", "chat-app"]) == 2
    assert "Did you mean: chat" in capsys.readouterr().err


def test_ocr_image_human_output(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocr", str(test_data / "ocr_pytesseract_test.png")]) == 0
    out = capsys.readouterr().out
    assert "lazy fox" in out or "lazy fox" in out.replace("\n", " ")


def test_ocr_json_shape(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocr", str(test_data / "ocr_pytesseract_test.png"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["text", "title", "requirements", "seconds"]
    assert "quick brown dog" in payload["text"]


def test_ocr_blank_image_says_no_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (640, 480), "white").save(blank)
    assert main(["ocr", str(blank), "--json"]) == 0
    captured = capsys.readouterr()
    assert "no text found" in captured.err
    assert json.loads(captured.out)["requirements"] == []


def test_ocr_missing_tesseract(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = str(test_data / "ocr_pytesseract_test.png")
    assert main(["ocr", image, "--tesseract", "/nonexistent/tesseract"]) == 2
    assert "apt-get install tesseract-ocr" in capsys.readouterr().err


def test_ocr_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocr", str(tmp_path / "nope.png")]) == 2
    assert "No such image" in capsys.readouterr().err
    assert main(["ocr", "x.png", "--region", "0,0,10,10"]) == 2
    assert "need --screen" in capsys.readouterr().err


def test_ocr_screen_region(
    xvfb_display: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPLAY", xvfb_display)
    assert main(["ocr", "--screen", "--region", "0,0,400,300", "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload["requirements"] == [] and "no text found" in captured.err
    assert main(["ocr", "--screen", "--monitor", "3"]) == 2
    assert "No monitor 3" in capsys.readouterr().err
    assert main(["ocr", "--screen", "--region", "1,2"]) == 2
    assert "X,Y,W,H" in capsys.readouterr().err
