"""Pillow preprocessing that makes screenshots easy (and cheap) for Tesseract.

Each step is a separate switch in ``PreprocessOptions`` so the benchmark can measure what it
buys (``benchmarks/ocr.py --ablation``); the defaults are the combination that measured best.

The expensive part of reading a full screen is not the text but the pixels: Tesseract spends
~0.8 s CPU just analysing the layout of an empty 3840x2160 page. So by default the image is
cut into text blocks first (a recursive XY cut on the ink mask, with ruled lines and frames
ignored) and only those blocks, each scaled for its own text size, are handed to Tesseract as
the pages of one multi-page image, in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from capture.layout import find_tables, reading_order, split_columns
from capture.layout import long_runs as _long_runs
from capture.layout import runs as _runs

Box = tuple[int, int, int, int]  # left, top, right, bottom
MAX_SIDE_PX = 4096  # Tesseract time grows with pixels; beyond ~4K nothing readable is gained
MIN_TEXT_PX = 6  # a piece thinner or shorter than this holds no readable word
MAX_PIECES = 1500  # more pieces than a dense page of text has lines: a texture, stop cutting
RULE_PX = 80  # a thin run of ink this long is a ruled line or a frame edge, not a glyph


@dataclass(frozen=True)
class PreprocessOptions:
    grayscale: bool = True
    invert_dark: bool = True
    crop: bool = True
    upscale: bool = True
    otsu: str = "auto"  # "auto" (only for noisy images), "always" or "never"
    small_glyph_px: int = 20  # lines shorter than this get the 2x upscale
    max_side_px: int = MAX_SIDE_PX
    blocks: bool = True  # OCR only the text blocks (needs crop), each at its own scale
    bullets: bool = True  # find list bullets by shape, erase them, mark their lines "• "
    layout: bool = True  # read columns one after the other and table rows whole (capture.ocr)
    split_px: int = 60_000  # bigger blocks are cut at line gaps (so 2 Tesseracts can share)


@dataclass(frozen=True)
class Page:
    """One image for Tesseract; ``box`` is where it came from (after any downscale).

    ``continues``: the page is the lower half of a block cut in two (so that two Tesseracts
    can share a big block); its first line follows the previous page's last line directly.
    """

    image: Image.Image
    box: tuple[int, int, int, int]
    scale: int = 1
    continues: bool = False
    bullets: tuple[Box, ...] = ()
    """Bullet glyphs found by their shape and erased from ``image`` (page coordinates)."""
    cell: tuple[int, int, int] | None = None
    """(table, row, column) when the page is one table cell: ``read_text`` joins a row."""


@dataclass(frozen=True)
class Prepared:
    """The pages to hand to Tesseract in reading order and what was done (logs, benchmark)."""

    pages: tuple[Page, ...]
    steps: tuple[str, ...]
    blank: bool
    line_height_px: float | None

    @property
    def pixels(self) -> int:
        return sum(p.image.width * p.image.height for p in self.pages)


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
    whole = (0, 0, img.width, img.height)
    if _flat(img):  # cheap check first: an 8000x8000 blank costs no resize nor numpy copy
        return Prepared((Page(img, whole),), ("blank",), True, None)
    if max(img.size) > opts.max_side_px:
        factor = opts.max_side_px / max(img.size)
        size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        whole = (0, 0, img.width, img.height)
        steps.append(f"downscale x{factor:.2f}")
    gray = img.convert("L")  # grayscale early: every later step touches 1/3 of the bytes
    if opts.grayscale:
        img = gray
        steps.append("grayscale")
    pixels = np.asarray(gray, dtype=np.uint8)
    if pixels.size == 0 or int(pixels.max()) - int(pixels.min()) < 24:
        return Prepared((Page(img, whole),), (*steps, "blank"), True, None)
    dark = float(pixels.mean()) < 128.0
    if dark and opts.invert_dark:
        img = ImageOps.invert(img)
        pixels = 255 - pixels
        steps.append("invert")
    mask = _ink_mask(pixels)
    content = _mask_box(mask)
    if content is None:
        return Prepared((Page(img, whole),), (*steps, "blank"), True, None)
    inner = pixels[content[1] : content[3], content[0] : content[2]]
    noisy = opts.otsu == "always" or (opts.otsu == "auto" and is_noisy(inner))
    groups: list[Block]
    if opts.crop and opts.blocks:
        groups = text_blocks(mask, split_px=opts.split_px,
                             pixels=pixels if opts.layout and not noisy else None,
                             layout=opts.layout)
        if not groups:
            return Prepared((Page(img, whole),), (*steps, "blank"), True, None)
        steps.append(f"blocks {len(groups)}")
    elif opts.crop:
        box = content_box(pixels)
        if box is None:
            return Prepared((Page(img, whole),), (*steps, "blank"), True, None)
        groups = [Block([box])]
        if box != whole:
            steps.append("crop")
    else:
        groups = [Block([whole])]
    found: list[list[Box]] = [[] for _ in groups]
    if opts.bullets and opts.crop:
        found = [[dot for leaf in block.leaves for dot in find_bullets(mask, leaf)]
                 for block in groups]
        if any(found):
            img = erase(img, [dot for dots in found for dot in dots])
            steps.append(f"bullets {sum(map(len, found))}")
    pages: list[Page] = []
    heights: list[float] = []
    upscaled = 0
    for block, dots in zip(groups, found, strict=True):
        leaves = block.leaves
        box = _union(leaves)
        piece = _compose(img, leaves, box) if len(leaves) > 1 else img.crop(box)
        line_px = _line_height_of(mask[box[1] : box[3], box[0] : box[2]])
        if line_px is not None:
            heights.append(line_px)
        scale = 1
        if opts.upscale and line_px is not None and line_px < opts.small_glyph_px:
            scale = 2
            piece = piece.resize((piece.width * 2, piece.height * 2), Image.Resampling.LANCZOS)
            upscaled += 1
        if noisy:
            piece = otsu_threshold(piece.convert("L"))
        margin = 0
        if len(groups) > 1:  # a margin of the block's own page colour, as on a page
            margin = 8 * scale
            piece = _with_margin(piece, margin)
        moved = tuple(
            ((x0 - box[0]) * scale + margin, (y0 - box[1]) * scale + margin,
             (x1 - box[0]) * scale + margin, (y1 - box[1]) * scale + margin)
            for x0, y0, x1, y1 in dots
        )
        pages.append(Page(piece, box, scale, block.continues, moved, block.cell))
    if upscaled:
        steps.append("upscale x2" if upscaled == len(groups) else f"upscale x2 ({upscaled})")
    if noisy:
        steps.append("otsu")
    line_px_all = float(np.median(heights)) if heights else None
    return Prepared(tuple(pages), tuple(steps), False, line_px_all)


def find_bullets(mask: np.ndarray, leaf: Box) -> list[Box]:
    """List bullets in one line box: a small filled blob at the line's left edge, then a gap.

    Why by shape: Tesseract has no glyph for a small "•" in a light theme and reads it as
    "e", "¢" or "e«" (as "*" or nothing in a dark one), so the text a user sees starts with a
    stray letter. A bullet is told from a letter by what letters lack: it is solid in the
    middle ("e", "o", "c" have a hole or an opening there), about as wide as tall, no taller
    than about half the line, lifted off the baseline (not a "." or ","), and separated from
    the text by a gap. A line that starts with a real word keeps it: no letter passes.
    """
    x0, y0, x1, y1 = leaf
    sub = mask[y0:y1, x0:x1]
    out: list[Box] = []
    for top, bottom in _runs(np.asarray(sub.any(axis=1)), 1):
        band = sub[top:bottom]
        line_px = bottom - top
        columns = _runs(np.asarray(band.any(axis=0)), 1)
        if line_px < 6 or len(columns) < 2:
            continue
        (left, right), (after, _) = columns[0], columns[1]
        blob = band[:, left:right]
        rows = np.flatnonzero(blob.any(axis=1))
        b_top, b_bottom = int(rows[0]), int(rows[-1]) + 1
        width, height = right - left, b_bottom - b_top
        if min(width, height) < 3 or max(width, height) > 0.6 * line_px:
            continue
        if not 0.6 <= width / height <= 1.6:
            continue
        solid = blob[b_top:b_bottom]
        if float(solid.mean()) < 0.6:
            continue
        middle = solid[height // 3 : height - height // 3 or None,
                       width // 3 : width - width // 3 or None]
        if middle.size == 0 or not bool(middle.all()):
            continue  # a hole or an opening: a letter ("o", "e", "c"), not a bullet
        text = band[:, after:]
        counts = text.sum(axis=1)
        if int(counts.max()) == 0 or text.any(axis=0).sum() < 2 * width:
            continue
        baseline = int(np.flatnonzero(counts >= 0.35 * counts.max())[-1]) + 1
        if b_bottom > baseline - 1:
            continue  # sits on the baseline: a full stop or a comma
        if (b_top + b_bottom) / 2 < 0.25 * line_px:
            continue  # up at the cap line: a quote mark or a degree sign
        if after - right < max(2.0, 0.5 * width):
            continue  # no gap: part of a word
        out.append((x0 + left, y0 + top + b_top, x0 + right, y0 + top + b_bottom))
    return out


def erase(img: Image.Image, boxes: list[Box]) -> Image.Image:
    """A copy of ``img`` with each box (grown by 1 px for anti-aliasing) painted page colour."""
    gray = np.asarray(img.convert("L") if img.mode != "L" else img)
    out = img.copy()
    draw = ImageDraw.Draw(out)
    for x0, y0, x1, y1 in boxes:
        near = gray[max(0, y0 - 3) : y1 + 3, max(0, x0 - 3) : x1 + 3]
        level = int(np.bincount(near.ravel(), minlength=256).argmax())
        fill: int | tuple[int, int, int] = level if img.mode == "L" else (level, level, level)
        draw.rectangle((x0 - 1, y0 - 1, x1, y1), fill=fill)
    return out


def _with_margin(piece: Image.Image, margin: int) -> Image.Image:
    gray = np.asarray(piece.convert("L"))
    level = int(np.bincount(gray.ravel(), minlength=256).argmax())
    fill: int | tuple[int, ...] = level
    if piece.mode == "RGB":
        fill = (level, level, level)
    return ImageOps.expand(piece, border=margin, fill=fill)


def _flat(image: Image.Image) -> bool:
    extrema = image.getextrema()
    bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
    return all(int(high) - int(low) < 24 for low, high in bands)


def _ink_mask(pixels: np.ndarray, *, dark_background: bool = False) -> np.ndarray:
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
    height, width = mask.shape
    return (
        max(0, int(cols[0]) - pad_px),
        max(0, int(rows[0]) - pad_px),
        min(width, int(cols[-1]) + 1 + pad_px),
        min(height, int(rows[-1]) + 1 + pad_px),
    )


def _mask_box(mask: np.ndarray) -> Box | None:
    """Tight bounding box of the ink in a mask; None when there is none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _rules(mask: np.ndarray, length: int, thickness: int = 5) -> np.ndarray:
    """Thin ruled lines and frame edges: long runs of ink at most ``thickness`` px thick.

    A thick stretch of ink (a coloured title bar, a selected tab, a dark panel) is not a rule:
    it stays in the mask and becomes a block of its own, so text drawn on it is still read.
    """
    across = _long_runs(mask, length, axis=1)
    across &= ~_long_runs(across, thickness, axis=0)
    down = _long_runs(mask, length, axis=0)
    down &= ~_long_runs(down, thickness, axis=1)
    rules: np.ndarray = across | down
    return rules


@dataclass(frozen=True)
class Block:
    """Line boxes that read as one block; ``continues``: the lower half of a cut block."""

    leaves: list[Box]
    continues: bool = False
    cell: tuple[int, int, int] | None = None  # (table, row, column) of a table cell


def text_blocks(mask: np.ndarray, *, split_px: int = 0, pixels: np.ndarray | None = None,
                layout: bool = True) -> list[Block]:
    """The text blocks of an ink mask in reading order, each a list of line boxes.

    A recursive XY cut at every clear blank band (rows a fraction of a line apart, columns a
    few line heights apart) finds lines and columns even in L-shaped screen layouts (a menu
    bar over a sidebar and a document); consecutive pieces that sit directly under one another
    are then grouped back into blocks, so paragraphs stay whole. Ruled lines and window frames
    are left out of the cut (else one frame would hold the whole screen in a single block).
    Boxes are padded a little so anti-aliased glyph edges below the ink threshold are kept.
    A block with more than ``split_px`` pixels (0: no limit) is cut at line gaps into
    pieces of about that size, so that two Tesseract runs can share the work evenly.
    With ``layout``, columns closer than the cut sees are read one after the other and ruled
    or striped tables (found with the grey ``pixels``) come out as one block per cell, row by
    row (``capture.layout``).
    """
    cut = mask & ~_rules(mask, RULE_PX)
    line = max(8.0, min(40.0, _strip_line_height(cut) or 14.0))
    leaves: list[Box] = []
    try:
        _xy_cut(cut, 0, 0, max(3, round(0.4 * line)), round(3.0 * line), leaves,
                horizontal=True)
    except _TooManyPieces:  # a dot pattern or texture, not a page: read it whole
        box = _mask_box(mask)
        return [Block([box])] if box is not None else []
    height, width = mask.shape
    pad = max(2, round(line / 6))
    leaves = [leaf for leaf in leaves  # not a speck, grip or splitter handle
              if min(leaf[2] - leaf[0], leaf[3] - leaf[1]) >= MIN_TEXT_PX]
    tables = []
    if layout:
        leaves = reading_order(split_columns(cut, leaves, line), line)
        if pixels is not None:
            tables = find_tables(pixels, cut, leaves, line)

    def padded(box: Box) -> Box:
        x0, y0, x1, y1 = box
        return max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)

    at = {min(table.members): table for table in tables}
    taken = {k for table in tables for k in table.members}
    groups: list[list[Box] | Block] = []
    for index, leaf in enumerate(leaves):
        if index in at:
            groups.extend(Block([padded(b) for b in cell.leaves],
                                cell=(cell.table, cell.row, cell.column))
                          for cell in at[index].cells)
            continue
        if index in taken:
            continue
        last = groups[-1] if groups else None
        if isinstance(last, list) and _follows(last, padded(leaf), 1.6 * line, pad):
            last.append(padded(leaf))
        else:
            groups.append([padded(leaf)])
    out: list[Block] = []
    for group in groups:
        if isinstance(group, Block):
            out.append(group)
            continue
        halves = _chunks(group, split_px) if split_px > 0 else [group]
        out.extend(Block(half, index > 0) for index, half in enumerate(halves))
    return out


def _follows(group: list[Box], leaf: Box, max_gap: float, pad: int) -> bool:
    """Does ``leaf`` sit directly under the group (same column, at most a line gap below)?"""
    box = _union(group)
    return -2 * pad <= leaf[1] - box[3] <= max_gap and _touching(box, leaf)


def _touching(upper: Box, lower: Box) -> bool:
    """Horizontal overlap of two boxes, one above the other."""
    return min(upper[2], lower[2]) > max(upper[0], lower[0])


def _chunks(group: list[Box], split_px: int) -> list[list[Box]]:
    """A big block cut at line gaps into runs of about ``split_px`` pixels each."""
    box = _union(group)
    area = (box[2] - box[0]) * (box[3] - box[1])
    count = min(len(group), -(-area // split_px))
    if count < 2:
        return [group]
    height = box[3] - box[1]
    cuts = sorted({
        min(range(1, len(group)), key=lambda i: abs(group[i][1] - (box[1] + k * height / count)))
        for k in range(1, count)
    })
    edges = [0, *cuts, len(group)]
    return [group[a:b] for a, b in pairwise(edges) if b > a]


def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _compose(img: Image.Image, leaves: list[Box], box: Box) -> Image.Image:
    """The block as a page of its own: its pieces where they were, nothing else in between."""
    region = img.crop(box)
    gray = np.asarray(region.convert("L") if region.mode != "L" else region)
    level = int(np.bincount(gray.ravel(), minlength=256).argmax())
    fill: int | tuple[int, int, int] = level if img.mode == "L" else (level, level, level)
    page = Image.new(img.mode, region.size, fill)
    for leaf in leaves:
        page.paste(img.crop(leaf), (leaf[0] - box[0], leaf[1] - box[1]))
    return page


def _strip_line_height(mask: np.ndarray, strips: int = 8) -> float | None:
    """Median text-line height over vertical strips (columns side by side blur one profile)."""
    width = mask.shape[1]
    runs: list[np.ndarray] = []
    for start in range(0, width, max(1, width // strips)):
        part = mask[:, start : start + max(1, width // strips)]
        inked = np.concatenate(([0], part.any(axis=1).astype(np.int8), [0]))
        edges = np.diff(inked)
        found = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        runs.append(found[found >= 4])
    every = np.concatenate(runs) if runs else np.array([])
    return float(np.median(every)) if every.size else None


class _TooManyPieces(Exception):
    pass


def _xy_cut(
    mask: np.ndarray, x0: int, y0: int, gap_y: int, gap_x: int,
    out: list[tuple[int, int, int, int]], *, horizontal: bool, tried_other: bool = False,
) -> None:
    if len(out) > MAX_PIECES:
        raise _TooManyPieces
    axis_any: np.ndarray = np.asarray(mask.any(axis=1 if horizontal else 0))
    spans = _runs(axis_any, gap_y if horizontal else gap_x)
    if not spans:
        return
    spans = [(a, b) for a, b in spans if b - a >= MIN_TEXT_PX]  # rules, grips, dotted lines
    if not spans:
        return
    if not horizontal and len(spans) > 1:
        spans = _join_table_columns(mask, spans)
    if len(spans) == 1:
        a, b = spans[0]
        sub = mask[a:b] if horizontal else mask[:, a:b]
        nx, ny = (x0, y0 + a) if horizontal else (x0 + a, y0)
        if tried_other:
            rows, cols = np.flatnonzero(sub.any(axis=1)), np.flatnonzero(sub.any(axis=0))
            out.append((nx + int(cols[0]), ny + int(rows[0]),
                        nx + int(cols[-1]) + 1, ny + int(rows[-1]) + 1))
            return
        _xy_cut(sub, nx, ny, gap_y, gap_x, out, horizontal=not horizontal, tried_other=True)
        return
    for a, b in spans:
        sub = mask[a:b] if horizontal else mask[:, a:b]
        nx, ny = (x0, y0 + a) if horizontal else (x0 + a, y0)
        _xy_cut(sub, nx, ny, gap_y, gap_x, out, horizontal=not horizontal)


def _join_table_columns(mask: np.ndarray, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep side-by-side columns together when their lines share rows (a table).

    A table read column by column loses which figure belongs to which label ("Reads | 10k/s"),
    so it stays one piece and Tesseract reads it row by row. Layout columns (a sidebar next to
    the document) have lines at unrelated heights and are still cut apart.
    """
    profiles = [np.asarray(mask[:, a:b].any(axis=1)) for a, b in spans]
    joined = [spans[0]]
    previous = profiles[0]
    for span, profile in zip(spans[1:], profiles[1:], strict=True):
        if _rows_aligned(previous, profile):
            joined[-1] = (joined[-1][0], span[1])
            previous = previous | profile
        else:
            joined.append(span)
            previous = profile
    return joined


def _line_runs(profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.diff(np.concatenate(([0], profile.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _rows_aligned(left: np.ndarray, right: np.ndarray) -> bool:
    """Do (nearly) all lines of the shorter column sit at the height of a line in the other?"""
    (ls, le), (rs, re) = _line_runs(left), _line_runs(right)
    if min(ls.size, rs.size) < 2:
        return False
    lc, rc = (ls + le) / 2, (rs + re) / 2
    fewer, more = (lc, rc) if lc.size <= rc.size else (rc, lc)
    height = float(np.median(np.concatenate((le - ls, re - rs))))
    nearest = np.abs(fewer[:, None] - more[None, :]).min(axis=1)
    return float(np.mean(nearest <= max(2.0, 0.3 * height))) >= 0.75


def _line_height_of(mask: np.ndarray) -> float | None:
    inked = np.concatenate(([0], mask.any(axis=1).astype(np.int8), [0]))
    edges = np.diff(inked)
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    runs = runs[runs >= 4]  # rules and specks are not text lines
    if runs.size == 0:
        return None
    return float(np.median(runs))


def line_height(pixels: np.ndarray, *, dark_background: bool = False) -> float | None:
    """Median height of the horizontal bands that hold ink: a cheap text-size estimate."""
    return _line_height_of(_ink_mask(pixels, dark_background=dark_background))


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
