"""Read single lines of text with a small neural recogniser (PP-OCRv4's, run by onnxruntime).

Why not Tesseract here: diagram labels are short lines in hand-drawn fonts (Excalidraw,
tldraw, whiteboards) at 11-16 px. Tesseract's English model reads printed fonts well but most
handwriting fonts at that size badly or not at all; a recogniser trained on scene text reads a
whole cropped line at once, whatever the font, colour or fill behind it. It does no layout:
``capture.diagram`` finds the lines (clusters of ink) and hands each one here as a crop.

The model file is the one the ``rapidocr-onnxruntime`` package ships (a dependency of
mockcoach; its own code is never imported, only the file is read; ``build.spec`` copies it
into the packaged app), or the file named by ``MOCKCOACH_LINE_MODEL``. Without either,
``default_line_reader()`` returns None and callers fall back to Tesseract. Blocking; no Qt.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

MODEL_PACKAGE = "rapidocr_onnxruntime"
MODEL_FILE = ("models", "ch_PP-OCRv4_rec_infer.onnx")
MODEL_ENV = "MOCKCOACH_LINE_MODEL"
LINE_HEIGHT_PX = 48  # the model's input height
BATCH = 8  # lines per run, padded to the widest (sorted by width, so little padding)
MAX_WIDTH_PX = 1600  # a wider crop is no label line: cut so one run stays small
LATIN_LIMIT = 0x250  # the model knows Chinese too; a diagram label here is Latin script


class LineModelError(Exception):
    """The recognition model could not be loaded; the message names the file."""


@dataclass(frozen=True)
class LineText:
    """One line read: its text and the mean probability of its characters (0..1)."""

    text: str
    confidence: float


def find_model() -> Path | None:
    """The model file: ``MOCKCOACH_LINE_MODEL`` if set, else the one in the installed
    ``rapidocr-onnxruntime`` package (found without importing that package, which would load
    OpenCV); None when neither exists."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override) if Path(override).is_file() else None
    bundle = getattr(sys, "_MEIPASS", None)  # the PyInstaller app (build.spec copies the file)
    if bundle is not None:
        path = Path(bundle, MODEL_PACKAGE).joinpath(*MODEL_FILE)
        return path if path.is_file() else None
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder).joinpath(*MODEL_FILE)
        if path.is_file():
            return path
    return None


class LineReader:
    """A loaded recogniser. ``read`` may be called from any thread (onnxruntime's ``run`` is
    thread-safe); one intra-op thread, because captures run beside live transcription on two
    cores, where more threads cost more CPU for little wall time."""

    def __init__(self, model: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(model), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise LineModelError(f"{model}: cannot load the line recognition model: {exc}") from exc
        meta = self._session.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise LineModelError(f"{model}: no character list in the model's metadata")
        # CTC classes: 0 is the blank, then the model's characters, then a space
        self._chars = ["", *meta["character"].splitlines(), " "]
        allowed = np.array([ch == "" or (ord(ch[0]) < LATIN_LIMIT and ch.isprintable())
                            for ch in self._chars])
        self._blocked = ~allowed
        self._input = self._session.get_inputs()[0].name

    def read(self, crops: Sequence[Image.Image]) -> list[LineText]:
        """The text of each crop (one line each), in order."""
        arrays = [_normalised(crop) for crop in crops]
        out: list[LineText] = [LineText("", 0.0)] * len(arrays)
        order = sorted(range(len(arrays)), key=lambda i: arrays[i].shape[2])
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            width = max(arrays[i].shape[2] for i in chunk)
            batch = np.zeros((len(chunk), 3, LINE_HEIGHT_PX, width), dtype=np.float32)
            for row, index in enumerate(chunk):
                batch[row, :, :, :arrays[index].shape[2]] = arrays[index]
            probabilities = self._session.run(None, {self._input: batch})[0]
            for row, index in enumerate(chunk):
                out[index] = self._decode(probabilities[row])
        return out

    def _decode(self, probabilities: np.ndarray) -> LineText:
        """Greedy CTC: the likeliest class per step, repeats merged, blanks dropped; classes
        outside the Latin script are never chosen (a smudge reads as its nearest letter, not as
        a Chinese character)."""
        masked = np.where(self._blocked, -1.0, probabilities)
        best = masked.argmax(axis=1)
        chars: list[str] = []
        probs: list[float] = []
        previous = 0
        for step, cls in enumerate(best.tolist()):
            if cls != previous and cls != 0:
                chars.append(self._chars[cls])
                probs.append(float(masked[step, cls]))
            previous = cls
        text = "".join(chars).strip()
        return LineText(text, float(np.mean(probs)) if probs and text else 0.0)


def _normalised(crop: Image.Image) -> np.ndarray:
    """A crop as the model wants it: RGB scaled to 48 px high, values in -1..1, channels
    first."""
    rgb = crop.convert("RGB")
    width = max(16, min(MAX_WIDTH_PX, round(rgb.width * LINE_HEIGHT_PX / max(1, rgb.height))))
    scaled = rgb.resize((width, LINE_HEIGHT_PX), Image.Resampling.BICUBIC)
    # channels in BGR order, as the model was trained (on OpenCV-decoded images)
    array = np.asarray(scaled, dtype=np.float32)[:, :, ::-1] / 127.5 - 1.0
    return array.transpose(2, 0, 1)


@lru_cache(maxsize=1)
def default_line_reader() -> LineReader | None:
    """The shared reader (loaded once, ~0.2 s), or None when no model file is installed."""
    model = find_model()
    return LineReader(model) if model is not None else None
