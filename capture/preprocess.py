"""Pillow preprocessing that makes screenshots easy for Tesseract.

Each step is a separate switch in ``PreprocessOptions`` so the benchmark can measure what it
buys (``benchmarks/ocr.py --ablation``); the defaults are the combination that measured best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

MAX_SIDE_PX = 4096  # Tesseract time grows with pixels; beyond ~4K nothing readable is gained


@dataclass(frozen=True)
class PreprocessOptions:
    grayscale: bool = True
    invert_dark: bool = True
    crop: bool = True
    upscale: bool = True
    otsu: str = "auto"  # "auto" (only for noisy images), "always" or "never"
    small_glyph_px: int = 20  # lines shorter than this get the 2x upscale
    max_side_px: int = MAX_SIDE_PX


@dataclass(frozen=True)
class Prepared:
    """The image to hand to Tesseract and what was done to it (for logs and the benchmark)."""

    image: Image.Image
    steps: tuple[str, ...]
    blank: bool
    line_height_px: float | None


def prepare(image: Image.Image, options: PreprocessOptions | None = None) -> Prepared:
    opts = options or PreprocessOptions()
    steps: list[str] = []
    img = image
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGBA") if "A" in img.getbands() else img.convert("RGB")
        if img.mode == "RGBA":  # transparent screenshots: flatten onto white
            flat = Image.new("RGB", img.size, (255, 255, 255))
            flat.paste(img, mask=img.getchannel("A"))
            img = flat
    if _flat(img):  # cheap check first: an 8000x8000 blank costs no resize nor numpy copy
        return Prepared(img, ("blank",), True, None)
    if max(img.size) > opts.max_side_px:
        factor = opts.max_side_px / max(img.size)
        size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        steps.append(f"downscale x{factor:.2f}")
    gray = img.convert("L")
    if opts.grayscale:
        img = gray
        steps.append("grayscale")
    pixels = np.asarray(gray, dtype=np.uint8)
    if pixels.size == 0 or int(pixels.max()) - int(pixels.min()) < 24:
        return Prepared(img, (*steps, "blank"), True, None)
    dark = float(pixels.mean()) < 128.0
    if dark and opts.invert_dark:
        img = ImageOps.invert(img.convert("L") if img.mode == "L" else img.convert("RGB"))
        pixels = 255 - pixels
        steps.append("invert")
        dark = False
    if opts.crop:
        box = content_box(pixels, dark_background=dark)
        if box is None:
            return Prepared(img, (*steps, "blank"), True, None)
        if box != (0, 0, img.width, img.height):
            img = img.crop(box)
            pixels = pixels[box[1] : box[3], box[0] : box[2]]
            steps.append("crop")
    noisy = opts.otsu == "always" or (opts.otsu == "auto" and is_noisy(pixels))
    line_px = line_height(pixels, dark_background=dark)
    if opts.upscale and line_px is not None and line_px < opts.small_glyph_px:
        img = img.resize((img.width * 2, img.height * 2), Image.Resampling.LANCZOS)
        steps.append("upscale x2")
    if noisy:
        img = otsu_threshold(img.convert("L"))
        steps.append("otsu")
    return Prepared(img, tuple(steps), False, line_px)


def _flat(image: Image.Image) -> bool:
    extrema = image.getextrema()
    bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
    return all(int(high) - int(low) < 24 for low, high in bands)


def _ink_mask(pixels: np.ndarray, *, dark_background: bool) -> np.ndarray:
    """Pixels that differ clearly from the page colour (the most common grey level)."""
    background = int(np.bincount(pixels.ravel(), minlength=256).argmax())
    del dark_background  # the histogram peak already says which side the page is on
    return np.abs(pixels.astype(np.int16) - background) > 48


def content_box(
    pixels: np.ndarray, *, dark_background: bool = False, pad_px: int = 12
) -> tuple[int, int, int, int] | None:
    """Bounding box of everything that is not page background, padded; None when empty."""
    mask = _ink_mask(pixels, dark_background=dark_background)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    height, width = pixels.shape
    return (
        max(0, int(cols[0]) - pad_px),
        max(0, int(rows[0]) - pad_px),
        min(width, int(cols[-1]) + 1 + pad_px),
        min(height, int(rows[-1]) + 1 + pad_px),
    )


def line_height(pixels: np.ndarray, *, dark_background: bool = False) -> float | None:
    """Median height of the horizontal bands that hold ink: a cheap text-size estimate."""
    mask = _ink_mask(pixels, dark_background=dark_background)
    inked = np.concatenate(([0], mask.any(axis=1).astype(np.int8), [0]))
    edges = np.diff(inked)
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    runs = runs[runs >= 4]  # rules and specks are not text lines
    if runs.size == 0:
        return None
    return float(np.median(runs))


def is_noisy(pixels: np.ndarray) -> bool:
    """JPEG/photo noise: many pixels neither page nor ink, scattered rather than on glyph edges.

    Clean anti-aliased screen text leaves most pixels exactly at the page colour; a lossy or
    photographed image spreads the background over many nearby grey levels.
    """
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    peak = int(histogram.argmax())
    exact = histogram[peak] / max(1.0, histogram.sum())
    return bool(exact < 0.35)


def otsu_threshold(gray: Image.Image) -> Image.Image:
    """Binarise at the grey level that best separates ink from page (Otsu's method)."""
    pixels = np.asarray(gray, dtype=np.uint8)
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    levels = np.arange(256, dtype=np.float64)
    weight0 = np.cumsum(histogram)
    weight1 = total - weight0
    mean0 = np.cumsum(histogram * levels)
    grand = mean0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (grand * weight0 / total - mean0) ** 2 / (weight0 * weight1)
    between = np.nan_to_num(between)
    level = int(between.argmax())
    binary = np.where(pixels > level, 255, 0).astype(np.uint8)
    return Image.fromarray(binary, mode="L")
