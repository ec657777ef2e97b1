"""The line recogniser (capture/text_lines.py) with the real PP-OCR model, and the diagram
reader's choice between it and Tesseract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from capture.diagram import DiagramOptions, read_diagram
from capture.diagram_vocabulary import default_vocabulary
from capture.ocr import OcrError
from capture.text_lines import MODEL_ENV, default_line_reader, find_model
from scripts.render_diagrams import render

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
HAND = "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"
needs_model = pytest.mark.skipif(find_model() is None, reason="rapidocr-onnxruntime not installed")


@pytest.fixture
def fresh_reader() -> Iterator[None]:
    default_line_reader.cache_clear()
    yield
    default_line_reader.cache_clear()


def _line(text: str, font: str, px: int, fg: tuple[int, int, int] = (20, 20, 20),
          bg: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    face = ImageFont.truetype(font, px)
    left, top, right, bottom = face.getbbox(text)
    image = Image.new("RGB", (right - left + 10, bottom - top + 10), bg)
    ImageDraw.Draw(image).text((5 - left, 5 - top), text, font=face, fill=fg)
    return image


@needs_model
def test_printed_lines_are_read_exactly_in_any_colour() -> None:
    reader = default_line_reader()
    assert reader is not None
    lines = reader.read([
        _line("Load Balancer", SANS, 14),
        _line("Message Queue", SANS, 12, fg=(255, 255, 255), bg=(66, 133, 244)),
        _line("Postgres", SANS, 13, fg=(230, 230, 230), bg=(30, 30, 30)),
    ])
    assert [line.text for line in lines] == ["Load Balancer", "Message Queue", "Postgres"]
    assert all(line.confidence > 0.8 for line in lines)


@needs_model
def test_handwriting_that_tesseract_cannot_read_names_its_components() -> None:
    """DKG handwriting at 13 px: Tesseract read 7 of 29 such labels even cropped alone."""
    words = ["Postgres", "Consumers", "Event Stream", "Kinesis", "Redis Cache", "CDN"]
    reader = default_line_reader()
    assert reader is not None
    lines = reader.read([_line(w, HAND, 13) for w in words])
    vocab = default_vocabulary()
    named = sum(1 for line, word in zip(lines, words, strict=True)
                if (kind := vocab.name_of(line.text)) and kind == vocab.name_of(word))
    assert named >= 5, [line.text for line in lines]


@needs_model
def test_a_blank_or_scribbled_crop_is_low_confidence_text_or_none() -> None:
    reader = default_line_reader()
    assert reader is not None
    blank = reader.read([Image.new("RGB", (80, 20), (255, 255, 255))])[0]
    assert blank.text == "" and blank.confidence == 0.0


def test_no_model_means_tesseract_unless_lines_are_asked_for(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_reader: None) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing.onnx"))
    assert find_model() is None
    image, spec = render(2, "drawio", "light", "tune")
    reading = read_diagram(image)  # auto: falls back, still reads
    assert "tesseract" in reading.steps
    assert reading.component_ids & {c["id"] for c in spec.components}
    with pytest.raises(OcrError, match="MOCKCOACH_LINE_MODEL"):
        read_diagram(image, options=DiagramOptions(reader="lines"))


@needs_model
def test_the_line_reader_is_the_default_when_installed() -> None:
    image, _ = render(2, "drawio", "light", "tune")
    assert any(step.startswith("lines") for step in read_diagram(image).steps)


def test_a_broken_model_file_falls_back_or_says_which_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_reader: None) -> None:
    broken = tmp_path / "rec.onnx"
    broken.write_bytes(b"not a model")
    monkeypatch.setenv(MODEL_ENV, str(broken))
    image, spec = render(2, "drawio", "light", "tune")
    reading = read_diagram(image)  # auto: Tesseract reads instead
    assert "tesseract" in reading.steps
    assert reading.component_ids & {c["id"] for c in spec.components}
    with pytest.raises(OcrError, match=r"rec\.onnx"):
        read_diagram(image, options=DiagramOptions(reader="lines"))
