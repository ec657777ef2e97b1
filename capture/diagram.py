"""Read a system-design diagram: its text labels with their boxes, and the components they name.

A diagram is not a page. Its text is a scatter of short labels (box labels, arrow labels, free
notes) among boxes, arrows and coloured fills, on a light or a dark canvas, often in a
hand-drawn font. So, unlike ``capture.ocr`` (which cuts a page into text blocks and reads them
in order), this module:

- flattens the picture to dark ink on white whatever the polarity of each region: the
  background is estimated locally (a median of tile medians) and a pixel's ink is how far it
  lies from its own background, so white text on a blue box, black text on a yellow note and
  light text on a dark canvas all come out black on white;
- erases box edges and arrows from that page, finds the line-sized clusters of ink left, and
  reads each cluster's part of the original picture with a line recogniser trained on scene
  text (``capture.text_lines``), which reads hand-drawn fonts that Tesseract cannot; without
  its model, Tesseract reads the page in sparse-text mode (``--psm 11``) instead;
- groups the lines (or Tesseract's words) into labels (words on one line, then lines stacked in one
  box) and names components from the labels with the vocabulary in
  ``assets/diagram/components.toml`` (see ``capture.diagram_vocabulary``).

Blocking; run it off the GUI thread. No Qt here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from capture.diagram_vocabulary import Vocabulary, default_vocabulary
from capture.ocr import DEFAULT_TIMEOUT_S, OcrError, load_image, resolve_tesseract, tesseract_tsv
from capture.text_lines import LineModelError, LineReader, default_line_reader

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x, y, width, height (the JSON contract's order)
Box4 = tuple[int, int, int, int]  # left, top, right, bottom (page pixels)
SPARSE_PSM = 11  # sparse text: scattered labels, no reading order to find
LINE_PSM = 7  # one line of text: each island the sparse pass skipped
ISLAND_JOIN_PX = 14  # page px: letters this close join into one cluster (2x-scaled page)
ISLAND_MIN_PX = 12  # page px: a cluster thinner or flatter than this is a speck
ISLAND_MAX_PX = 90  # page px: taller than this is no line of label text
ISLAND_MARGIN_PX = 10
LINE_JOIN = 0.6  # clusters on one baseline closer than this times their height: one line
LINE_HEIGHT_RATIO = 0.6  # ... when neither is much shorter than the other
TILE_PX = 8  # background is estimated per tile of this size ...
TILE_SPAN = 5  # ... then as the median over this many tiles each way (a 40 px window)
FLAT_SPREAD = 24  # a tile whose grey levels span less than this holds no stroke
INK_GAIN = 2.2  # contrast above the background times this = darkness on the page
INK_FLOOR = 40  # fainter than this is anti-aliasing or the edge of a fill: page colour
MIN_CONFIDENCE = 35.0  # words Tesseract is less sure of are mostly arrow heads and strokes


@dataclass(frozen=True)
class Label:
    """Text read from the diagram: one box label, arrow label or note, where it is (pixels of
    the image given, ``(x, y, width, height)``)."""

    text: str
    box: Box
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "box": list(self.box)}


@dataclass(frozen=True)
class Component:
    """A named part of the design recognised in one label (``id`` from the vocabulary)."""

    id: str
    label: str
    box: Box

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "box": list(self.box)}


@dataclass(frozen=True)
class DiagramReading:
    """What one capture of a diagram holds. ``to_json()`` is the ``mockcoach ocr --diagram
    --json`` object (a contract documented in README.md)."""

    labels: tuple[Label, ...]
    components: tuple[Component, ...]
    seconds: float
    steps: tuple[str, ...] = ()

    @property
    def component_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.components)

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": [label.to_json() for label in self.labels],
            "components": [c.to_json() for c in self.components],
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class DiagramOptions:
    """Knobs of the reading, one per step, so the benchmark can measure each."""

    scale: float = 2.0  # Tesseract reads 11-16 px labels far better at twice the size
    max_side_px: int = 2400  # a 4K capture is halved first: diagram labels stay readable
    psm: int = SPARSE_PSM
    min_confidence: float = MIN_CONFIDENCE
    crop: bool = True  # only the inked parts of the canvas go to Tesseract
    second_pass: bool = True  # ink the sparse pass left unread is read again, line by line
    max_islands: int = 40
    reader: str = "auto"  # "lines": each ink cluster read by capture.text_lines' recogniser;
    # "tesseract": sparse Tesseract + a second pass; "auto": lines when its model is installed
    line_margin_px: int = 4  # image px around a cluster in the crop the recogniser reads
    min_line_confidence: float = 0.5  # mean character probability below this: not text
    max_lines: int = 200  # clusters read per capture at most (the biggest first)
    retry_below: float = 0.95  # a line read less surely that names nothing is read again ...
    retry_views: tuple[str, ...] = ("page", "grey", "wide")  # ... from these views of it
    erase_lines: bool = True  # box edges and straight arrows are erased before Tesseract
    line_px: int = 28  # a straight run of ink this long is a line, not a glyph
    erase_strokes: bool = True  # long thin connected strokes (diagonal arrows) are erased too
    stroke_extent_px: int = 48  # ... a connected piece at least this long ...
    stroke_ink_per_px: float = 3.0  # ... with at most this much ink per pixel of its length
    attached_px: int = 6  # ink this close to a line, connected to it, goes with it (corners)


@dataclass
class _Word:
    text: str
    left: float
    top: float
    right: float
    bottom: float
    confidence: float

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


@dataclass
class _Line:
    words: list[_Word] = field(default_factory=list)

    @property
    def left(self) -> float:
        return min(w.left for w in self.words)

    @property
    def right(self) -> float:
        return max(w.right for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        heights = sorted(w.height for w in self.words)
        return heights[len(heights) // 2]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.left))


def read_diagram(
    image: Image.Image | str | Path,
    *,
    vocabulary: Vocabulary | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    tesseract_cmd: str | None = None,
    lang: str = "eng",
    options: DiagramOptions | None = None,
) -> DiagramReading:
    """Labels and components of one diagram image. Never raises for an empty canvas.

    Raises ``TesseractMissing`` when the Tesseract fallback is needed and cannot be started,
    ``OcrError`` on a timeout or a Tesseract failure (or ``reader="lines"`` without its model),
    ``ValueError``/``OSError`` for a file that is not an image.
    """
    started = time.perf_counter()
    opts = options or DiagramOptions()
    if isinstance(image, (str, Path)):
        image = load_image(Path(image))
    command = ""
    line_reader = _line_reader(opts.reader)
    if line_reader is None:
        command = resolve_tesseract(tesseract_cmd)
    page, origin, factor, steps = prepare_diagram(image, opts)
    if page is None:
        return DiagramReading((), (), time.perf_counter() - started, steps)
    vocab = vocabulary or default_vocabulary()
    if line_reader is not None:
        words = read_lines(image, page, origin, factor, line_reader, opts,
                           names=lambda text: vocab.name_of(text) is not None)
        steps = (*steps, f"lines {len(words)}")
    else:
        words = _read_tesseract(page, origin, factor, command, lang, timeout_s, opts)
        steps = (*steps, "tesseract")
    labels = tuple(group_labels(words))
    components = tuple(
        Component(match.id, label.text, label.box)
        for label in labels
        if (match := vocab.name_of(label.text)) is not None
    )
    return DiagramReading(labels, components, time.perf_counter() - started, steps)


def _line_reader(choice: str) -> LineReader | None:
    """The recogniser the options ask for; None means Tesseract. "lines" without a usable
    model is an error a person can act on; "auto" falls back (logging why, for a broken file)."""
    if choice == "tesseract":
        return None
    try:
        reader = default_line_reader()
    except LineModelError as exc:
        if choice == "lines":
            raise OcrError(str(exc)) from exc
        log.warning("diagram line reader unusable, reading with Tesseract: %s", exc)
        return None
    if reader is None and choice == "lines":
        raise OcrError("The diagram line reader's model is not installed: "
                       "pip install rapidocr-onnxruntime, or set MOCKCOACH_LINE_MODEL.")
    return reader


def read_lines(image: Image.Image, page: Image.Image, origin: tuple[int, int], factor: float,
               reader: LineReader, opts: DiagramOptions,
               names: Callable[[str], bool] | None = None) -> list[_Word]:
    """Every line-sized cluster of ink on the flattened page, read from the picture itself.

    The page (ink on white, box edges and arrows erased) is where lines are found; the crop
    the recogniser reads is the original picture there (its colours and anti-aliasing are
    what the model was trained on, and read better than our flattened ink). Each cluster is
    one "word" of the whole line's text; ``group_labels`` joins lines into labels as for
    Tesseract's words."""
    clusters = text_lines(page, opts.max_lines)
    if not clusters:
        return []
    rgb = flat_rgb(image)
    boxes = []
    for left, top, right, bottom in clusters:
        box = (origin[0] + left / factor, origin[1] + top / factor,
               origin[0] + right / factor, origin[1] + bottom / factor)
        boxes.append(box)
    margin = opts.line_margin_px  # picture px
    page_margin = round(opts.line_margin_px * opts.scale)
    crops = [rgb.crop((max(0, round(x0) - margin), max(0, round(y0) - margin),
                       min(rgb.width, round(x1) + margin), min(rgb.height, round(y1) + margin)))
             for x0, y0, x1, y1 in boxes]
    lines = reader.read(crops)
    if opts.retry_below < 1.0 and names is not None:
        # an unsure line that names nothing is read again from other views of it, and the
        # first reading that names a component is kept: the flattened page (ink on white,
        # strokes erased), the crop in grey with its contrast stretched (pale text on a
        # pastel fill), a wider crop (a letter cut at the cluster's edge)
        views: dict[str, Callable[[int], Image.Image]] = {
            "page": lambda i: page.crop(_padded(clusters[i], page_margin, page.size)),
            "grey": lambda i: ImageOps.autocontrast(crops[i].convert("L")),
            "wide": lambda i: rgb.crop(_padded(_rounded(boxes[i]), 2 * margin, rgb.size)),
        }
        for view in opts.retry_views:
            unsure = [i for i, line in enumerate(lines)
                      if line.confidence < opts.retry_below and not names(line.text)]
            if not unsure:
                break
            again = reader.read([views[view](i) for i in unsure])
            for index, line in zip(unsure, again, strict=True):
                if line.confidence >= opts.min_line_confidence and names(line.text):
                    lines[index] = line
    words = []
    for (x0, y0, x1, y1), line in zip(boxes, lines, strict=True):
        if line.confidence >= opts.min_line_confidence and _wordlike(line.text):
            words.append(_Word(line.text, x0, y0, x1, y1, round(100 * line.confidence, 1)))
    return words


def _rounded(box: tuple[float, float, float, float]) -> Box4:
    return (round(box[0]), round(box[1]), round(box[2]), round(box[3]))


def _read_tesseract(page: Image.Image, origin: tuple[int, int], factor: float, command: str,
                    lang: str, timeout_s: float, opts: DiagramOptions) -> list[_Word]:
    """The words of the page by Tesseract: sparse text, then the clusters it left unread
    line by line; in image pixels."""
    tsv = tesseract_tsv([page], command=command, psm=opts.psm, lang=lang, timeout_s=timeout_s)
    found = words_from_tsv(tsv, opts.min_confidence)
    if opts.second_pass:
        islands = unread_islands(page, found, opts.max_islands)
        if islands:
            crops = [page.crop(_padded(box, ISLAND_MARGIN_PX, page.size)) for box in islands]
            tsv = tesseract_tsv(crops, command=command, psm=LINE_PSM, lang=lang,
                                timeout_s=timeout_s)
            for number, box in enumerate(islands, start=1):
                x0, y0, _, _ = _padded(box, ISLAND_MARGIN_PX, page.size)
                found += [_Word(w.text, w.left + x0, w.top + y0, w.right + x0, w.bottom + y0,
                                w.confidence)
                          for w in words_from_tsv(tsv, opts.min_confidence, page=number)]
    return [
        _Word(w.text, origin[0] + w.left / factor, origin[1] + w.top / factor,
              origin[0] + w.right / factor, origin[1] + w.bottom / factor, w.confidence)
        for w in found
    ]


def prepare_diagram(
    image: Image.Image, opts: DiagramOptions
) -> tuple[Image.Image | None, tuple[int, int], float, tuple[str, ...]]:
    """The page Tesseract reads, where it sits in ``image`` and its scale (page px per image
    px); ``None`` for a canvas with no ink."""
    steps: list[str] = []
    rgb = flat_rgb(image)
    shrink = 1.0
    if max(rgb.size) > opts.max_side_px:
        shrink = opts.max_side_px / max(rgb.size)
        # a box filter: a blurring one (bilinear) joined a word's thin letters into one piece
        # that the stroke eraser took for an arrow ("Object" vanished from 4K captures)
        rgb = rgb.resize((max(1, round(rgb.width * shrink)), max(1, round(rgb.height * shrink))),
                         Image.Resampling.BOX)
        steps.append(f"downscale x{shrink:.2f}")
    gray = np.asarray(rgb.convert("L"), dtype=np.int16)
    ink = ink_map(gray)
    steps.append("flatten")
    mask = ink > 60
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None, (0, 0), 1.0, (*steps, "blank")
    pad = 12
    x0, y0 = (max(0, int(cols[0]) - pad), max(0, int(rows[0]) - pad)) if opts.crop else (0, 0)
    x1 = min(gray.shape[1], int(cols[-1]) + 1 + pad) if opts.crop else gray.shape[1]
    y1 = min(gray.shape[0], int(rows[-1]) + 1 + pad) if opts.crop else gray.shape[0]
    if (x0, y0, x1, y1) != (0, 0, gray.shape[1], gray.shape[0]):
        steps.append("crop")
    inked = ink[y0:y1, x0:x1]
    inked = np.where(inked < INK_FLOOR, 0, inked)
    if opts.erase_lines:
        mask = inked > 60
        lines = straight_lines(mask, opts.line_px)
        lines = attached(lines, mask | _grow(lines), opts.attached_px)
        inked = np.where(_grow(lines), 0, inked)
        steps.append("erase lines")
    if opts.erase_strokes:
        strokes = thin_strokes(inked > 60, opts.stroke_extent_px, opts.stroke_ink_per_px)
        inked = np.where(_grow(strokes), 0, inked)
        steps.append("erase strokes")
    page = Image.fromarray((255 - inked).astype(np.uint8), mode="L")
    if opts.scale != 1.0:
        page = page.resize((round(page.width * opts.scale), round(page.height * opts.scale)),
                           Image.Resampling.BICUBIC)
        steps.append(f"upscale x{opts.scale:g}")
    origin = (round(x0 / shrink), round(y0 / shrink))
    return page, origin, opts.scale * shrink, tuple(steps)


def flat_rgb(image: Image.Image) -> Image.Image:
    """The picture in RGB, a transparent one laid on white (an exported PNG with no canvas)."""
    if "A" in image.getbands():
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def ink_map(gray: np.ndarray) -> np.ndarray:
    """How far each pixel stands from its local background, 0 (background) to 255 (ink).

    The background is estimated per 8 px tile: a flat tile (inside a fill, on the canvas) is
    its own background, so a fill's edge stays sharp and a label near it keeps a clean page;
    a tile with strokes in it takes the median of the flat tiles around it (5x5 tiles). The
    difference is absolute, so polarity drops out: dark themes, white text on coloured fills
    and dark text on light fills all come out alike.
    """
    height, width = gray.shape
    th, tw = -(-height // TILE_PX), -(-width // TILE_PX)
    padded = np.pad(gray, ((0, th * TILE_PX - height), (0, tw * TILE_PX - width)), mode="edge")
    tiles = padded.reshape(th, TILE_PX, tw, TILE_PX).transpose(0, 2, 1, 3).reshape(th, tw, -1)
    medians = np.median(tiles, axis=2)
    flat = (tiles.max(axis=2) - tiles.min(axis=2)) < FLAT_SPREAD
    half = TILE_SPAN // 2
    around = np.pad(np.where(flat, medians, np.nan), half, mode="constant",
                    constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(around, (TILE_SPAN, TILE_SPAN))
    windows = windows.reshape(th, tw, -1)
    known = ~np.isnan(windows).all(axis=2)
    near = np.full((th, tw), np.nan)
    if known.any():  # the flat neighbour nearest in grey to the tile's own median: a tile on
        # a fill's edge takes the fill (or canvas) its label sits on, not a blend of both
        candidates = windows[known]
        gap = np.abs(candidates - medians[known][:, None])
        pick = np.nanargmin(np.where(np.isnan(gap), np.inf, gap), axis=1)
        near[known] = candidates[np.arange(len(candidates)), pick]
    wide = np.median(np.lib.stride_tricks.sliding_window_view(
        np.pad(medians, half, mode="edge"), (TILE_SPAN, TILE_SPAN)).reshape(th, tw, -1), axis=2)
    background = np.where(flat, medians, np.where(known, near, wide))
    full = np.repeat(np.repeat(background, TILE_PX, axis=0), TILE_PX, axis=1)[:height, :width]
    diff = np.abs(gray.astype(np.float32) - full.astype(np.float32)) * INK_GAIN
    return np.clip(diff, 0, 255).astype(np.int16)


def straight_lines(mask: np.ndarray, length: int) -> np.ndarray:
    """Pixels on a horizontal or vertical run of ink at least ``length`` long: box edges,
    straight arrows, dividers. A glyph's strokes are shorter than that at diagram sizes."""
    lines: np.ndarray = _long_runs(mask, length) | _long_runs(mask.T, length).T
    return lines


def _long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    rows, cols = mask.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    flat = padded.ravel()
    change = np.diff(flat)
    starts = np.flatnonzero(change == 1) + 1
    ends = np.flatnonzero(change == -1) + 1
    keep = (ends - starts) >= length
    marks = np.zeros(flat.size + 1, dtype=np.int32)
    np.add.at(marks, starts[keep], 1)
    np.add.at(marks, ends[keep], -1)
    return (np.cumsum(marks[:-1]) > 0).reshape(rows, cols + 2)[:, 1:-1]


def thin_strokes(mask: np.ndarray, extent_px: int, ink_per_px: float) -> np.ndarray:
    """Connected pieces of ink that are long and thin: arrows at any angle, curved connectors.

    A glyph, even a whole handwritten word, is short or holds much ink for its length (its
    strokes turn back on themselves); an arrow is a single stroke: its ink is about its length
    times its width. An arrow that runs into a label merges with it in Tesseract's eyes
    ("—COWVoorrkers" for an arrow into "Workers"), so it goes before Tesseract reads.
    """
    pieces = _Pieces(mask)
    if pieces.count == 0:
        return np.zeros_like(mask)
    extent = np.hypot(pieces.bottom - pieces.top, pieces.right - pieces.left)
    thin = (extent >= extent_px) & (pieces.ink <= ink_per_px * extent)
    return pieces.paint(thin)


class _Pieces:
    """The 8-connected pieces of a mask, found on its runs of ink with a union-find (a few tens
    of thousands of runs on a 1080p diagram): each piece's box and ink."""

    def __init__(self, mask: np.ndarray) -> None:
        rows, cols = mask.shape
        self.shape = (rows, cols)
        padded = np.zeros((rows, cols + 2), dtype=np.int8)
        padded[:, 1:-1] = mask
        change = np.diff(padded, axis=1)
        self.run_rows, self.run_starts = np.nonzero(change == 1)
        _, self.run_ends = np.nonzero(change == -1)  # exclusive ends, same (row-major) order
        count = self.count = len(self.run_rows)
        parent = list(range(count))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        row_first = np.searchsorted(self.run_rows, np.arange(rows + 1)).tolist()
        starts, ends = self.run_starts.tolist(), self.run_ends.tolist()
        for row in range(1, rows):
            i, above_end = row_first[row - 1], row_first[row]
            j, here_end = row_first[row], row_first[row + 1]
            while i < above_end and j < here_end:
                if starts[i] <= ends[j] and starts[j] <= ends[i]:  # touching, diagonals too
                    a, b = find(i), find(j)
                    if a != b:
                        parent[b] = a
                if ends[i] < ends[j]:
                    i += 1
                else:
                    j += 1
        self.roots = np.fromiter((find(i) for i in range(count)), dtype=np.int64, count=count)
        lengths = self.run_ends - self.run_starts
        self.ink = np.bincount(self.roots, weights=lengths, minlength=count)
        self.top = np.full(count, rows, dtype=np.int64)
        np.minimum.at(self.top, self.roots, self.run_rows)
        self.bottom = np.zeros(count, dtype=np.int64)
        np.maximum.at(self.bottom, self.roots, self.run_rows + 1)
        self.left = np.full(count, cols, dtype=np.int64)
        np.minimum.at(self.left, self.roots, self.run_starts)
        self.right = np.zeros(count, dtype=np.int64)
        np.maximum.at(self.right, self.roots, self.run_ends)

    def boxes(self) -> list[tuple[int, int, int, int]]:
        """(left, top, right, bottom) of each piece."""
        ids = np.unique(self.roots) if self.count else np.zeros(0, dtype=np.int64)
        return [(int(self.left[i]), int(self.top[i]), int(self.right[i]), int(self.bottom[i]))
                for i in ids]

    def paint(self, chosen_roots: np.ndarray) -> np.ndarray:
        """A mask of the pieces whose root is flagged in ``chosen_roots``."""
        rows, cols = self.shape
        out = np.zeros((rows, cols + 1), dtype=np.int32)
        chosen = chosen_roots[self.roots]
        np.add.at(out, (self.run_rows[chosen], self.run_starts[chosen]), 1)
        np.add.at(out, (self.run_rows[chosen], self.run_ends[chosen]), -1)
        painted: np.ndarray = np.cumsum(out, axis=1)[:, :cols] > 0
        return painted


def attached(seed: np.ndarray, mask: np.ndarray, steps: int) -> np.ndarray:
    """``seed`` plus the ink of ``mask`` connected to it within ``steps`` pixels: the rounded
    corners, arrow heads and fill-edge specks left beside an erased box edge. Left there, they
    stand next to a box's label like brackets, and Tesseract drops the word between them."""
    out = seed.copy()
    for _ in range(steps):
        grown = _grow(out) & mask
        if np.array_equal(grown, out):
            break
        out = grown
    return out


def _grow(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one pixel each way (the anti-aliased fringe of a line)."""
    out = mask.copy()
    out[1:, :] |= mask[:-1, :]
    out[:-1, :] |= mask[1:, :]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def words_from_tsv(tsv: str, min_confidence: float = MIN_CONFIDENCE,
                   page: int | None = None) -> list[_Word]:
    """The words of a TSV (of one ``page`` of a multi-page run) that look like text: some
    letter or digit, and a confidence that is not what Tesseract gives the strokes of arrows
    and box corners."""
    words: list[_Word] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        if page is not None and cells[1] != str(page):
            continue
        text = cells[11].strip()
        try:
            confidence = float(cells[10])
        except ValueError:
            continue
        if not _wordlike(text) or confidence < min_confidence:
            continue
        left, top, width, height = (int(c) for c in cells[6:10])
        words.append(_Word(text, left, top, left + width, top + height, confidence))
    return words


def _wordlike(text: str) -> bool:
    alnum = sum(ch.isalnum() for ch in text)
    if alnum == 0:
        return False
    return alnum >= max(1, len(text) // 2) if len(text) > 1 else text.isalnum()


def text_lines(page: Image.Image, limit: int) -> list[Box4]:
    """Line-sized clusters of ink on the page, each one line of one label, top to bottom.

    Letters are first joined by a fixed smear (``unread_islands``); then neighbours on one
    baseline closer than ``LINE_JOIN`` times their height are joined too, so that a word in a
    big font (wide letter gaps) stays one line ("Work" + "kers" read apart came out "Work
    kers") while two labels side by side, a box's width apart, stay two."""
    boxes = [list(box) for box in unread_islands(page, [], limit * 2)]
    boxes.sort(key=lambda b: b[0])
    merged: list[list[int]] = []
    for box in boxes:
        for line in merged:
            height = max(line[3] - line[1], box[3] - box[1])
            low = min(line[3] - line[1], box[3] - box[1])
            overlap = min(line[3], box[3]) - max(line[1], box[1])
            gap = box[0] - line[2]
            if low >= LINE_HEIGHT_RATIO * height and overlap >= 0.6 * low and (
                    gap <= LINE_JOIN * height):
                line[:] = [min(line[0], box[0]), min(line[1], box[1]), max(line[2], box[2]),
                           max(line[3], box[3])]
                break
        else:
            merged.append(box)
    out = [(b[0], b[1], b[2], b[3]) for b in merged]
    out.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    return sorted(out[:limit], key=lambda b: (b[1], b[0]))


def unread_islands(page: Image.Image, words: list[_Word], limit: int) -> list[Box4]:
    """Word-sized clusters of ink on the page that no word read covers: what sparse-text mode
    skipped ("S3" alone in a box, a label beside an arrow head). Letters are joined into
    clusters by smearing the ink sideways about a letter's width; clusters too thin, too flat
    or too tall for a line of text are left out, the biggest ``limit`` kept."""
    ink = np.asarray(page, dtype=np.uint8) < 128
    if not ink.any():
        return []
    smear = ink.copy()
    for shift in range(1, ISLAND_JOIN_PX + 1):
        smear[:, shift:] |= ink[:, :-shift]
    pieces = _Pieces(smear)
    read = [(w.left, w.top, w.right, w.bottom) for w in words]
    out: list[tuple[int, Box4]] = []
    for left, top, right, bottom in pieces.boxes():
        height, width = bottom - top, right - left
        if not ISLAND_MIN_PX <= height <= ISLAND_MAX_PX or width < ISLAND_MIN_PX:
            continue
        box = (left, top, right, bottom)
        if any(_overlap(box, other) for other in read):
            continue
        out.append((int(ink[top:bottom, left:right].sum()), box))
    out.sort(reverse=True)
    return sorted((box for _, box in out[:limit]), key=lambda b: (b[1], b[0]))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _padded(box: Box4, margin: int, size: tuple[int, int]) -> Box4:
    return (max(0, box[0] - margin), max(0, box[1] - margin),
            min(size[0], box[2] + margin), min(size[1], box[3] + margin))


def group_labels(words: list[_Word]) -> list[Label]:
    """Words → lines (same baseline, an ordinary word gap) → labels (lines stacked close under
    one another, overlapping sideways: a box label on two lines is one label)."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (w.left, w.top)):
        host = next((line for line in lines if _same_line(line, word)), None)
        if host is None:
            lines.append(_Line([word]))
        else:
            host.words.append(word)
    lines.sort(key=lambda line: (line.top, line.left))
    groups: list[list[_Line]] = []
    for line in lines:
        group = next((g for g in groups if _stacked(g[-1], line)), None)
        if group is None:
            groups.append([line])
        else:
            group.append(line)
    labels = []
    for group in groups:
        left = min(line.left for line in group)
        top = min(line.top for line in group)
        right = max(line.right for line in group)
        bottom = max(line.bottom for line in group)
        text = " ".join(line.text for line in group)
        confidence = float(np.mean([w.confidence for line in group for w in line.words]))
        box = (round(left), round(top), round(right - left), round(bottom - top))
        labels.append(Label(text, box, round(confidence, 1)))
    labels.sort(key=lambda label: (label.box[1], label.box[0]))
    return labels


def _same_line(line: _Line, word: _Word) -> bool:
    last = max(line.words, key=lambda w: w.right)
    height = max(last.height, word.height)
    if min(last.height, word.height) < 0.5 * height:
        return False
    overlap = min(last.bottom, word.bottom) - max(last.top, word.top)
    gap = word.left - last.right
    return overlap >= 0.5 * min(last.height, word.height) and -0.3 * height <= gap <= 1.0 * height


def _stacked(upper: _Line, lower: _Line) -> bool:
    height = max(upper.height, lower.height)
    if min(upper.height, lower.height) < 0.6 * height:
        return False
    gap = lower.top - upper.bottom
    if not -0.2 * height <= gap <= 0.8 * height:
        return False
    overlap = min(upper.right, lower.right) - max(upper.left, lower.left)
    centre_shift = abs((upper.left + upper.right) - (lower.left + lower.right)) / 2
    narrower = min(upper.right - upper.left, lower.right - lower.left)
    return overlap > 0.5 * narrower or centre_shift < 1.5 * height


FINGERPRINT_WIDTH = 160  # px of the thumbnail compared between captures
FINGERPRINT_LEVELS = 32


def fingerprint(image: Image.Image) -> bytes:
    """A small grey thumbnail of a capture (with its size), to tell a changed diagram from the
    same one captured again: ``same_picture`` compares two of them."""
    width = min(FINGERPRINT_WIDTH, image.width)
    height = max(1, round(image.height * width / max(1, image.width)))
    small = image.convert("L").resize((width, height), Image.Resampling.BOX)
    levels = (np.asarray(small, dtype=np.uint16) * FINGERPRINT_LEVELS // 256).astype(np.uint8)
    return width.to_bytes(2, "big") + height.to_bytes(2, "big") + levels.tobytes()


def same_picture(a: bytes, b: bytes, *, max_cells: int = 2) -> bool:
    """Whether two fingerprints stand for an unchanged diagram. A cell that moves one grey
    level (anti-aliasing, compression) is the same; a new label or box moves several cells by
    many levels, a blinking caret at most ``max_cells``."""
    if len(a) != len(b) or a[:4] != b[:4]:
        return False
    left = np.frombuffer(a[4:], dtype=np.uint8).astype(np.int16)
    right = np.frombuffer(b[4:], dtype=np.uint8).astype(np.int16)
    return int((np.abs(left - right) > 1).sum()) <= max_cells
