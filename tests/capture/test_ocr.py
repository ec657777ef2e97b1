"""Real Tesseract on real images, and the cases that must not crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from benchmarks._score import cer
from capture.ocr import NO_TEXT_FOUND, OcrError, TesseractMissing, read_text, tesseract_version
from capture.preprocess import PreprocessOptions, line_height, prepare

# CER each shared image must stay within (measured 0-3 %; the bill is a dense table and
# "Hell0" in cosmic is a deliberate zero that Tesseract reads as an O)
REAL_LIMITS = {
    "pytesseract_test.png": 0.01,
    "pytesseract_test_la.png": 0.01,
    "tesseractjs_bill.png": 0.05,
    "tesseractjs_cosmic.png": 0.05,
    "tesseractjs_simple.png": 0.01,
    "tesseractjs_testocr.png": 0.01,
    "tesstest_HelloGoogle.tif": 0.01,
    "tesstest_phototest.tif": 0.01,
}
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_image(lines: list[str], *, px: int, fg: str, bg: str, size=(900, 300)) -> Image.Image:
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, px)
    for row, line in enumerate(lines):
        draw.text((30, 30 + row * int(px * 1.6)), line, fill=fg, font=font)
    return image


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL_LIMITS))
def test_shared_real_images_within_their_cer(shared_data: Path, name: str) -> None:
    image = shared_data / "ocr" / "real" / name
    truth = (shared_data / "ocr" / "real" / f"{name}.gt.txt").read_text(encoding="utf-8")
    result = read_text(image)
    assert cer(truth, result.text) <= REAL_LIMITS[name], result.text


def test_copied_real_image(test_data: Path) -> None:
    result = read_text(test_data / "ocr_pytesseract_test.png")
    assert "The quick brown dog jumped over the" in result.text
    assert "lazy fox." in result.text
    assert result.seconds > 0


def test_dark_theme_is_inverted_and_read() -> None:
    lines = ["Users can upload photos", "Feeds load in under 200 ms"]
    image = text_image(lines, px=14, fg="#d4d4d4", bg="#1e1e1e")
    result = read_text(image)
    assert "invert" in result.steps
    assert "upscale x2" in result.steps  # 14 px glyphs are below the 20 px line threshold
    assert result.text.splitlines() == lines


def test_missing_tesseract_says_how_to_install() -> None:
    image = text_image(["hello"], px=20, fg="black", bg="white")
    with pytest.raises(TesseractMissing) as info:
        read_text(image, tesseract_cmd="/nonexistent/bin/tesseract")
    message = str(info.value)
    assert "apt-get install tesseract-ocr" in message
    assert "brew install tesseract" in message
    assert "winget install" in message
    with pytest.raises(TesseractMissing):
        tesseract_version("/nonexistent/bin/tesseract")


def test_tesseract_version() -> None:
    assert tesseract_version()[0].isdigit()


@pytest.mark.parametrize("colour", ["white", "black", "#808080"])
def test_blank_image_is_no_text_found(colour: str) -> None:
    result = read_text(Image.new("RGB", (800, 600), colour))
    assert result.no_text
    assert result.text == ""
    assert result.message == NO_TEXT_FOUND


def test_huge_image_is_downscaled_and_read() -> None:
    image = Image.new("L", (8000, 8000), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 160)
    draw.text((1500, 3800), "Design a chat service", fill=0, font=font)
    started = time.perf_counter()
    result = read_text(image)
    assert time.perf_counter() - started < 30
    assert any(step.startswith("downscale") for step in result.steps)
    assert "Design a chat service" in result.text


def test_huge_blank_image() -> None:
    assert read_text(Image.new("RGB", (8000, 8000), "white")).no_text


def test_timeout_is_an_ocr_error() -> None:
    image = text_image(["x " * 60] * 8, px=12, fg="black", bg="white", size=(1600, 400))
    with pytest.raises(OcrError, match="longer than"):
        read_text(image, timeout_s=0.001)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No such image"):
        read_text(tmp_path / "missing.png")
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello", encoding="utf-8")
    with pytest.raises(ValueError, match="not an image"):
        read_text(not_image)


def test_preprocess_steps_can_be_switched_off() -> None:
    image = text_image(["Small text here"], px=11, fg="black", bg="white")
    on = prepare(image, PreprocessOptions(blocks=False))
    off = prepare(image, PreprocessOptions(crop=False, upscale=False))
    assert "crop" in on.steps and "upscale x2" in on.steps
    assert [page.image.size for page in off.pages] == [image.size]
    assert on.line_height_px is not None and on.line_height_px < 20
    blocks = prepare(image)
    assert "blocks 1" in blocks.steps and "upscale x2" in blocks.steps


def test_line_height_estimate() -> None:
    import numpy as np

    image = text_image(["Hello world", "Second line"], px=30, fg="black", bg="white")
    height = line_height(np.asarray(image.convert("L")))
    assert height is not None and 20 <= height <= 40


def test_tsv_lines_split_at_a_column_gap() -> None:
    from capture.ocr import clean_text, text_from_tsv

    header = "\t".join(["level", "page_num", "block_num", "par_num", "line_num", "word_num",
                        "left", "top", "width", "height", "conf", "text"])

    def word(block: int, par: int, line: int, left: int, text: str) -> str:
        return f"5\t1\t{block}\t{par}\t{line}\t1\t{left}\t10\t{len(text) * 9}\t20\t95\t{text}"

    rows = [
        header,
        word(1, 1, 1, 10, "Meeting"), word(1, 1, 1, 90, "details"),
        word(1, 1, 1, 700, "Design"), word(1, 1, 1, 770, "a"), word(1, 1, 1, 790, "cache"),
        word(1, 2, 1, 10, "Next"), word(1, 2, 1, 60, "paragraph"),
    ]
    assert text_from_tsv("\n".join(rows)) == "Meeting details\nDesign a cache\n\nNext paragraph"
    assert clean_text("a\n\n\n\nb\n te te te te \nc\f") == "a\n\nb\n\nc"


def layout_screen() -> Image.Image:
    """A screen-like image: menu bar, framed sidebar, a document with a table, a title bar
    with white text on a dark fill, and ruled lines/frames around everything."""
    image = Image.new("RGB", (1400, 800), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    big = ImageFont.truetype(FONT, 20)
    draw.text((10, 6), "File  Edit  View  Help", fill="#333333", font=font)
    draw.line((0, 30, 1400, 30), fill="#999999")  # menu rule
    draw.rectangle((4, 40, 240, 790), outline="#999999")  # sidebar frame
    for row, name in enumerate(["Inbox", "Drafts", "Archive"]):
        draw.text((14, 52 + row * 41), name, fill="#222222", font=font)
    draw.rectangle((260, 40, 1390, 90), fill="#1f3b73")  # dark title bar
    draw.text((280, 52), "Design a metrics pipeline", fill="white", font=big)
    draw.rectangle((260, 100, 1390, 790), outline="#999999")  # document frame
    lines = ["Functional requirements", "- Teams can define alert rules",
             "- Dashboards refresh every minute"]
    for row, line in enumerate(lines):
        draw.text((290, 120 + row * 22), line, fill="#202124", font=font)
    for row, (label, value) in enumerate([("Write rate", "2 million points/s"),
                                          ("Retention", "400 days"),
                                          ("Query latency", "p99 under 300 ms")]):
        y = 220 + row * 22
        draw.text((290, y), label, fill="#202124", font=font)
        draw.text((700, y), value, fill="#202124", font=font)
    return image


def test_blocks_keep_reading_order_tables_and_text_on_fills() -> None:
    image = layout_screen()
    prepared = prepare(image)
    assert len(prepared.pages) > 1  # the layout was cut, not sent whole
    assert prepared.pixels < 0.5 * image.width * image.height * 4  # far less than the 2x screen
    text = read_text(image).text
    lines = text.splitlines()
    assert "Design a metrics pipeline" in text  # white on a dark fill is not a ruled line
    # table rows stay rows (label and figure on one line or adjacent lines, in order)
    flat = " ".join(text.split())
    assert flat.index("Write rate") < flat.index("2 million points/s") < flat.index("Retention")
    assert flat.index("Retention") < flat.index("400 days") < flat.index("Query latency")
    # the sidebar is not interleaved into the document's list
    inbox = next(i for i, line in enumerate(lines) if "Inbox" in line)
    rules = next(i for i, line in enumerate(lines) if "alert rules" in line)
    refresh = next(i for i, line in enumerate(lines) if "refresh every minute" in line)
    assert refresh == rules + 1 and not rules < inbox < refresh


def test_blocks_match_whole_image_reading() -> None:
    image = layout_screen()
    blocks = read_text(image).text
    whole = read_text(image, preprocess=PreprocessOptions(blocks=False)).text
    for phrase in ("Teams can define alert rules", "Dashboards refresh every minute",
                   "Inbox", "Drafts", "Archive", "400 days"):
        assert phrase in blocks and phrase in whole


def test_parallel_runs_keep_order() -> None:
    lines = [f"Line number {n} of the prompt text, long enough to be a real requirement"
             for n in range(1, 31)]
    image = text_image(lines, px=13, fg="black", bg="white", size=(800, 30 + 31 * 21))
    one = read_text(image, workers=1)
    two = read_text(image, workers=2)
    assert "2 tesseract runs" in two.steps
    assert one.text.split() == two.text.split()
    numbers = [int(w) for w in two.text.split() if w.isdigit()]
    assert numbers == list(range(1, 31))


def test_second_tesseract_only_with_a_free_core(monkeypatch: pytest.MonkeyPatch) -> None:
    import capture.ocr as ocr

    monkeypatch.setattr(ocr.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(ocr.os, "getloadavg", lambda: (0.3, 0.3, 0.3))
    assert ocr.default_workers() == 2
    monkeypatch.setattr(ocr.os, "getloadavg", lambda: (1.7, 1.0, 1.0))
    assert ocr.default_workers() == 1
    monkeypatch.setattr(ocr.os, "cpu_count", lambda: 1)
    assert ocr.default_workers() == 1
