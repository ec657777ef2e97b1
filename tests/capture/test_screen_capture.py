"""End to end on a real X screen: a Qt window shows a prompt, mss grabs it, Tesseract reads it,
the parser returns the requirements we put there. Light and dark, region and full screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks._score import match_requirements
from capture.ocr import read_text
from capture.prompt import parse_prompt
from tests.conftest import REPO_ROOT

PROMPT = """\
Design a food delivery service

Functional requirements
- Customers browse nearby restaurants and their menus
- Customers place an order and pay in the app
- Couriers receive delivery jobs and share their live location
- Customers track the order until it arrives

Non-functional requirements
- Order placement should be highly available
- Location updates reach the customer within 5 seconds
- 2 million orders per day
- 50,000 couriers online at peak

Out of scope
- Restaurant onboarding
- Loyalty points
"""

EXPECTED = [
    ("Customers browse nearby restaurants and their menus", "functional"),
    ("Customers place an order and pay in the app", "functional"),
    ("Couriers receive delivery jobs and share their live location", "functional"),
    ("Customers track the order until it arrives", "functional"),
    ("Order placement should be highly available", "non_functional"),
    ("Location updates reach the customer within 5 seconds", "scale"),
    ("2 million orders per day", "scale"),
    ("50,000 couriers online at peak", "scale"),
    ("Restaurant onboarding", "out_of_scope"),
    ("Loyalty points", "out_of_scope"),
]


@pytest.fixture(scope="module")
def rendered(xvfb_display: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qt-renders")
    jobs = [{"text": PROMPT, "style": style, "out": str(out), "name": "food"}
            for style in ("light", "dark")]
    (out / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "_render_qt.py"), str(out / "jobs.json")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("style", ["light", "dark"])
@pytest.mark.parametrize("kind", ["region", "screen"])
def test_qt_window_grabbed_and_read_back(rendered: Path, style: str, kind: str) -> None:
    image = rendered / f"food__{style}__{kind}.png"
    if kind == "screen":
        from PIL import Image

        assert Image.open(image).size == (1920, 1080)
    result = read_text(image)
    prompt = parse_prompt(result.text)
    assert prompt.title == "Design a food delivery service"
    found = [(r.text, r.kind) for r in prompt.requirements]
    score = match_requirements(EXPECTED, found)
    assert score.recall == 1.0, found
    assert score.precision >= (1.0 if kind == "region" else 0.9), found
    assert score.kind_ok == score.matched, found
    figures = {r.text: (r.value, r.unit) for r in prompt.requirements if r.kind == "scale"}
    assert figures["2 million orders per day"] == (2e6, "orders/day")


@pytest.mark.slow
@pytest.mark.integration
def test_cli_ocr_json_on_a_grabbed_image(rendered: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "ocr", str(rendered / "food__light__region.png"), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"text", "title", "requirements", "seconds"}
    assert payload["title"] == "Design a food delivery service"
    assert isinstance(payload["seconds"], float)
    for item in payload["requirements"]:
        assert {"id", "text", "kind"} <= set(item) <= {"id", "text", "kind", "value", "unit"}
    assert any(i.get("unit") == "orders/day" and i["value"] == 2e6
               for i in payload["requirements"])
