"""Prompts written for these tests (not the shared dev set) in styles the parser was not
tuned on: markdown NFR headings, numbered constraints, a one-paragraph prompt, a code
comment, OCR-mangled bullets and wraps, a slide, "Must have / Nice to have", lettered lists.

Each ``NAME.txt`` has ``NAME.json``: the title and every requirement as ``[kind, text]`` or
``[kind, text, value, unit]``. A requirement is found when its words match >= 80 %.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from benchmarks._score import match_requirements, word_match
from capture.ocr import read_text
from capture.prompt import Requirement, parse_prompt

DATA = Path(__file__).parent / "data" / "heldout"
NAMES = sorted(p.stem for p in DATA.glob("*.txt"))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def expected(name: str) -> tuple[str, list[list[object]]]:
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return str(data["title"]), list(data["requirements"])


def find(want: str, got: tuple[Requirement, ...], used: set[int]) -> Requirement | None:
    scored = [(word_match(want, r.text), i) for i, r in enumerate(got) if i not in used]
    score, index = max(scored, default=(0.0, -1))
    if score < 0.8:
        return None
    used.add(index)
    return got[index]


def test_there_are_enough_heldout_prompts() -> None:
    assert len(NAMES) >= 8


@pytest.mark.parametrize("name", NAMES)
def test_parse_heldout_prompt(name: str) -> None:
    title, wanted = expected(name)
    prompt = parse_prompt((DATA / f"{name}.txt").read_text(encoding="utf-8"))
    assert prompt.title == title
    used: set[int] = set()
    for item in wanted:
        kind, text = str(item[0]), str(item[1])
        found = find(text, prompt.requirements, used)
        assert found is not None, f"missing {text!r} in {[r.text for r in prompt.requirements]}"
        assert found.kind == kind, f"{text!r}: {found.kind} != {kind}"
        if len(item) > 2:
            value, unit = float(item[2]), str(item[3])  # type: ignore[arg-type]
            assert found.value == pytest.approx(value), text
            assert found.unit == unit, text
    extra = [r.text for i, r in enumerate(prompt.requirements) if i not in used]
    assert not extra, f"unexpected requirements: {extra}"


def render(text: str, *, px: int, fg: str, bg: str) -> Image.Image:
    font = ImageFont.truetype(FONT, px)
    lines = text.splitlines()
    image = Image.new("RGB", (1100, 40 + len(lines) * round(px * 1.7)), bg)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((30, 20 + row * round(px * 1.7)), line, fill=fg, font=font)
    return image


@pytest.mark.slow
@pytest.mark.parametrize(("name", "px", "fg", "bg"), [
    ("ride_dispatch", 15, "#202124", "#ffffff"),
    ("editor_ocr", 13, "#d4d4d4", "#1e1e1e"),
    ("metrics", 11, "#222222", "#ffffff"),
])
def test_heldout_prompt_read_back_from_an_image(name: str, px: int, fg: str, bg: str) -> None:
    """Real Tesseract on a rendering of a held-out prompt: requirement F1 >= 0.9."""
    _title, wanted = expected(name)
    text = (DATA / f"{name}.txt").read_text(encoding="utf-8")
    result = read_text(render(text, px=px, fg=fg, bg=bg))
    prompt = parse_prompt(result.text)
    score = match_requirements([(str(w[1]), str(w[0])) for w in wanted],
                               [(r.text, r.kind) for r in prompt.requirements])
    assert score.f1 >= 0.9, (score, result.text)


def test_shared_pastebin_has_its_four_figures(shared_data: Path) -> None:
    """The pastebin prompt lists exactly four figures; all four are scale items with units."""
    text = (shared_data / "prompts" / "sdp_pastebin.txt").read_text(encoding="utf-8")
    scale = parse_prompt(text).by_kind("scale")
    assert [(r.value, r.unit) for r in scale] == [
        (1e7, "users"), (1e7, "paste writes/month"), (1e8, "paste reads/month"), (10.0, "ratio"),
    ]


def test_file_tabs_are_noise_and_suffix_titles() -> None:
    """What a full-screen grab of an editor adds: file tabs and explorer rows, side panels."""
    text = "\n".join([
        "File Edit View Help", "", "Interview prep", "", "| prompt.md | notes.md", "",
        "estimates.txt", "", "Food delivery platform — design exercise", "Must have:",
        "• Customers place an order", "• Couriers see the next delivery",
    ])
    prompt = parse_prompt(text)
    assert prompt.title == "Food delivery platform — design exercise"
    assert [r.text for r in prompt.requirements] == [
        "Customers place an order", "Couriers see the next delivery"]
